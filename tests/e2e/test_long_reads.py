"""A long read does not hold up the sockets (store/sqlite.py: reads run on reader threads).

The read below fetches 100,000 rows, then waits, still inside its snapshot, until the test has had
the answer to a ping sent on an open RTM socket of the same server. A read on the event loop's
thread would keep the pong from being written until the read gave up: the order of the two is
the check, not a time.
"""

from __future__ import annotations

import threading
from pathlib import Path

from hubbub.store.tx import Tx
from tests.support.rtm import rtm
from tests.support.servers import make_workspace, threaded_app

ROWS = 100_000
# Portable to SQLite and PostgreSQL: 100,000 rows made by the database, read to the last.
MANY_ROWS = (
    f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {ROWS}) "
    "SELECT i, 'row ' || i FROM n"
)


def test_a_ping_is_answered_while_a_100k_row_read_runs(tmp_path: Path) -> None:
    with threaded_app(tmp_path / "data") as running:
        ws = make_workspace(running.server.data_dir)
        hub = running.front.api.hub
        read_rows, ponged = threading.Event(), threading.Event()

        def long_read(tx: Tx) -> tuple[int, bool]:
            rows = tx.conn.exec_driver_sql(MANY_ROWS).fetchall()
            read_rows.set()
            # Bounded, so a loop that is held (the defect) is let go and the test can fail.
            return len(rows), ponged.wait(5)

        with rtm(running.server, ws.alice.token) as client:
            reading = running.run(hub.read(ws.team_id, long_read))
            assert read_rows.wait(30)
            try:
                client.send({"id": 7, "type": "ping"})
                pong = client.recv(timeout=10)
            finally:
                ponged.set()
            assert pong == {"type": "pong", "reply_to": 7}
            # The read was still open when the pong came: it saw the flag set while it waited.
            assert reading.result(30) == (ROWS, True)
