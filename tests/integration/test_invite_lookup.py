"""conversations.inviteShared by email looks the address up on every shard: by an index, not by
reading every workspace's people."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event

from hubbub.store.migrate import upgrade
from hubbub.store.tx import Tx


def test_the_lookup_by_email_across_workspaces_uses_an_index(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    with engine.connect() as conn:
        upgrade(conn)
        ran: list[tuple[str, Any]] = []

        def capture(_conn: Any, _cursor: Any, sql: str, params: Any, *_: Any) -> None:
            ran.append((sql, params))

        event.listen(conn, "before_cursor_execute", capture)
        assert Tx(conn, 0).people_anywhere(email="someone@example.test") == []
        event.remove(conn, "before_cursor_execute", capture)
        [(sql, params)] = ran
        plan = " ".join(
            str(row[-1]) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)
        )
    assert "USING INDEX ix_users_email" in plan, plan
    assert "SCAN users" not in plan, plan
