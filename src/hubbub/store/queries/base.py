"""The base of a unit of work's transaction object."""

from __future__ import annotations

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.expression import Executable

from hubbub.store.prepared import Runner


class TxBase:
    """What every query module builds on: the connection, the driver runner and the clock."""

    def __init__(self, conn: Connection, now_us: int, run: Runner | None = None) -> None:
        self.conn = conn
        self.now_us = now_us
        # Adapters pass the runner they keep per connection; building one costs a few lookups.
        self.run = run or Runner(conn)
        # Set by writes that may change who a token names; the adapter then bumps its
        # identity version after the commit (Store.identity_version).
        self.identity_changed = False

    def _try(self, stmt: Executable) -> bool:
        """Runs a write that may break a unique key; False (and nothing written) if it did."""
        try:
            with self.conn.begin_nested():
                self.conn.execute(stmt)
        except IntegrityError:
            return False
        return True

    @property
    def now(self) -> int:
        return self.now_us // 1_000_000
