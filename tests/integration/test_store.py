"""The SQLite adapter's promises (store/port.py, docs/architecture.md §3), checked on real files.

- A unit of work that raises leaves nothing behind; the other units of its batch still commit.
- Another process (the admin CLI beside the server) writes the same file without lock errors.
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from hubbub.domain.errors import SlackError
from hubbub.domain.ids import token_hash
from hubbub.store.sqlite import SqliteStore
from hubbub.store.tables import teams
from hubbub.store.tx import Tx
from tests.support.store_units import insert_team, team


def _team_ids(path: Path) -> set[str]:
    """What a brand-new connection, outside the adapter, finds committed in the file."""
    with sqlite3.connect(path) as conn:
        return {row[0] for row in conn.execute("SELECT team_id FROM teams")}


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    s = SqliteStore(tmp_path / "hubbub.sqlite3")
    yield s
    await s.close()


class Boom(Exception):
    pass


async def test_a_failing_unit_is_rolled_back_while_its_batch_commits(store: SqliteStore) -> None:
    # Hold the writer inside one unit, so the next units queue up and go into one batch.
    entered, release = threading.Event(), threading.Event()

    def gate(tx: Tx) -> None:
        entered.set()
        release.wait(10)

    gated = asyncio.ensure_future(store.write(gate))
    await asyncio.to_thread(entered.wait, 10)

    batch_tx: list[object] = []

    def good(n: int) -> Callable[[Tx], str]:
        def unit(tx: Tx) -> str:
            batch_tx.append(tx.conn.get_transaction())
            tx.insert_team(team(n))
            return f"T{n}"

        return unit

    def raises_after_writing(tx: Tx) -> None:
        batch_tx.append(tx.conn.get_transaction())
        tx.insert_team(team("bad"))
        raise Boom

    def database_refuses(tx: Tx) -> None:
        batch_tx.append(tx.conn.get_transaction())
        tx.insert_team(team("bad2"))
        # Same primary key as unit 1's row: the database itself raises inside the batch.
        tx.conn.execute(insert(teams).values(team_id="T1", name="x", domain="other", created=0))

    def slack_error(tx: Tx) -> None:
        batch_tx.append(tx.conn.get_transaction())
        tx.insert_team(team("bad3"))
        raise SlackError("channel_not_found")

    units = [good(1), raises_after_writing, good(2), database_refuses, slack_error, good(3)]
    futures = [asyncio.ensure_future(store.write(u)) for u in units]
    await asyncio.sleep(0)  # every write() has queued its unit
    release.set()
    results = await asyncio.gather(*futures, return_exceptions=True)
    await gated

    # The batch first ran without savepoints up to the first failure, then again, each unit in
    # its own savepoint: the last len(units) runs are that second attempt, in one transaction.
    final = batch_tx[-len(units) :]
    assert len(batch_tx) > len(units), "the batch was not replayed after a failure"
    assert all(t is final[0] for t in final), "the units did not share one transaction"
    assert results[0] == "T1" and results[2] == "T2" and results[5] == "T3"
    assert isinstance(results[1], Boom)
    assert isinstance(results[3], IntegrityError)
    assert isinstance(results[4], SlackError) and results[4].code == "channel_not_found"
    assert _team_ids(store.path) == {"T1", "T2", "T3"}
    # The writer goes on after failures.
    assert await store.write(insert_team(4)) == "T4"
    assert _team_ids(store.path) == {"T1", "T2", "T3", "T4"}


async def test_a_unit_refused_before_writing_leaves_its_batch_to_commit_once(
    store: SqliteStore,
) -> None:
    """The common failure (a check inside the unit refuses: not_in_channel, is_archived, ...)
    has written nothing, so there is nothing to take back: the batch is not run again."""
    entered, release = threading.Event(), threading.Event()

    def gate(tx: Tx) -> None:
        entered.set()
        release.wait(10)

    gated = asyncio.ensure_future(store.write(gate))
    await asyncio.to_thread(entered.wait, 10)
    runs: list[str] = []

    def good(n: int) -> Callable[[Tx], str]:
        def unit(tx: Tx) -> str:
            runs.append(f"T{n}")
            tx.insert_team(team(n))
            return f"T{n}"

        return unit

    def refused(tx: Tx) -> None:
        runs.append("refused")
        assert tx.get_team("T1") is not None  # it reads what the batch wrote before it
        raise SlackError("not_in_channel")

    futures = [asyncio.ensure_future(store.write(u)) for u in (good(1), refused, good(2))]
    await asyncio.sleep(0)  # every write() has queued its unit
    release.set()
    results = await asyncio.gather(*futures, return_exceptions=True)
    await gated

    assert runs == ["T1", "refused", "T2"], "the batch ran again"
    assert results[0] == "T1" and results[2] == "T2"
    assert isinstance(results[1], SlackError) and results[1].code == "not_in_channel"
    assert _team_ids(store.path) == {"T1", "T2"}


_OTHER_PROCESS = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from hubbub.domain.model import Team
    from hubbub.store.sqlite import SqliteStore

    async def main() -> None:
        store = SqliteStore(Path(sys.argv[1]))
        try:
            for i in range(int(sys.argv[2])):
                team = Team(id=f"TP{i}", name="p", domain=f"p{i}", created=0)
                await store.write(lambda tx, team=team: tx.insert_team(team))
        finally:
            await store.close()

    asyncio.run(main())
    """
)


async def test_another_process_writes_beside_a_busy_writer(store: SqliteStore) -> None:
    """As `hubbub admin` does while the server runs: one file, two writers, no lock errors."""
    child_writes = 100
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _OTHER_PROCESS,
        str(store.path),
        str(child_writes),
        stderr=subprocess.PIPE,
    )
    finished = asyncio.ensure_future(child.communicate())
    ours = 0
    # Keep our writer busy with group commits for as long as the other process runs.
    while not finished.done():
        await asyncio.gather(*(store.write(insert_team(ours + i)) for i in range(20)))
        ours += 20
    _, err = await finished
    assert child.returncode == 0, err.decode()
    assert ours > 0
    # And the other way round: our writes stay correct after it.
    ids = _team_ids(store.path)
    assert {f"TP{i}" for i in range(child_writes)} <= ids
    assert {f"T{i}" for i in range(ours)} <= ids
    assert len(ids) == child_writes + ours


async def test_admin_cli_writes_while_the_server_store_is_busy(
    store: SqliteStore, tmp_path: Path
) -> None:
    """`hubbub admin` opens its own store on the server's file and commits beside it."""
    stop = asyncio.Event()
    ours = 0

    async def keep_busy() -> None:
        nonlocal ours
        while not stop.is_set():
            await asyncio.gather(*(store.write(insert_team(f"busy{ours + i}")) for i in range(20)))
            ours += 20

    busy = asyncio.ensure_future(keep_busy())
    answers: list[dict[str, Any]] = []
    try:
        for args in (
            ["create-workspace", "--name", "Acme", "--domain", "acme"],
            ["create-user", "--domain", "acme", "--email", "a@acme.test", "--name", "a"],
        ):
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "hubbub",
                "admin",
                *args,
                "--data-dir",
                str(tmp_path),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            out, err = await proc.communicate()
            assert proc.returncode == 0, err.decode()
            answers.append(orjson.loads(out.splitlines()[-1]))
    finally:
        stop.set()
        await busy
    assert ours > 0
    assert all(a["ok"] for a in answers)
    # The server's store sees the CLI's commits at once: the new token works.
    found = await store.read(lambda tx: tx.identity(token_hash(answers[1]["token"])))
    assert found is not None
    identity, deleted = found
    assert identity.user_id == answers[1]["user_id"] and not deleted
    assert len(_team_ids(store.path)) == ours + 1


async def test_reads_run_on_read_only_connections_off_the_event_loop(store: SqliteStore) -> None:
    loop_thread = threading.current_thread()

    def where(tx: Tx) -> threading.Thread:
        return threading.current_thread()

    assert await store.read(where) is not loop_thread
    # A unit handed to read() that writes fails, and writes nothing.
    with pytest.raises(Exception, match="readonly"):
        await store.read(lambda tx: tx.insert_team(team(1)))
    assert _team_ids(store.path) == set()


async def test_a_failing_units_search_index_writes_go_with_it(store: SqliteStore) -> None:
    """search_fts is written at the end of the batch (store/queries/search_index.py): a unit
    rolled back to its savepoint takes its pending writes of it along, the others' stay."""
    entered, release = threading.Event(), threading.Event()

    def gate(tx: Tx) -> None:
        entered.set()
        release.wait(10)

    gated = asyncio.ensure_future(store.write(gate))
    await asyncio.to_thread(entered.wait, 10)

    def index(word: str, *, fail: bool = False) -> Callable[[Tx], None]:
        def unit(tx: Tx) -> None:
            ts = f"1800000000.{ord(word[0]):06d}"
            tx.write_doc(tx.doc_for("T1", "C1", ts, "U1", None, f"say {word}"))
            if fail:
                raise Boom

        return unit

    units = [index("alpha"), index("bravo", fail=True), index("charlie")]
    futures = [asyncio.ensure_future(store.write(u)) for u in units]
    await asyncio.sleep(0)
    release.set()
    results = await asyncio.gather(*futures, return_exceptions=True)
    await gated
    assert results[0] is None and isinstance(results[1], Boom) and results[2] is None

    with sqlite3.connect(store.path) as conn:
        # rank 1: against search_docs, so a row never written to search_fts fails it too.
        conn.execute("INSERT INTO search_fts(search_fts, rank) VALUES ('integrity-check', 1)")
        counts = {
            word: conn.execute(
                "SELECT count(*) FROM search_fts WHERE search_fts MATCH ?",
                (" ".join(f'"{word[i : i + 3]}"' for i in range(len(word) - 2)),),
            ).fetchone()[0]
            for word in ("alpha", "bravo", "charlie")
        }
    assert counts == {"alpha": 1, "bravo": 0, "charlie": 1}
