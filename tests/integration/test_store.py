"""The SQLite adapter's promises (store/port.py, DESIGN.md §4), checked on real files.

- A unit of work that raises leaves nothing behind; the other units of its batch still commit.
- A caller is answered only after the commit: another connection sees the rows at once.
- ts is strictly increasing per channel even when the wall clock stalls or goes back.
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
from hubbub.domain.model import Team
from hubbub.domain.ts import to_micros
from hubbub.services.channel_tx import new_channel
from hubbub.services.hub import EventLog
from hubbub.store.sqlite import SqliteStore
from hubbub.store.tables import teams
from hubbub.store.tx import Tx


def _team(n: int | str) -> Team:
    return Team(id=f"T{n}", name=f"team {n}", domain=f"d{n}", created=0)


def _insert(n: int | str) -> Callable[[Tx], str]:
    def unit(tx: Tx) -> str:
        tx.insert_team(_team(n))
        return f"T{n}"

    return unit


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
            tx.insert_team(_team(n))
            return f"T{n}"

        return unit

    def raises_after_writing(tx: Tx) -> None:
        batch_tx.append(tx.conn.get_transaction())
        tx.insert_team(_team("bad"))
        raise Boom

    def database_refuses(tx: Tx) -> None:
        batch_tx.append(tx.conn.get_transaction())
        tx.insert_team(_team("bad2"))
        # Same primary key as unit 1's row: the database itself raises inside the batch.
        tx.conn.execute(insert(teams).values(team_id="T1", name="x", domain="other", created=0))

    def slack_error(tx: Tx) -> None:
        batch_tx.append(tx.conn.get_transaction())
        tx.insert_team(_team("bad3"))
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
    assert await store.write(_insert(4)) == "T4"
    assert _team_ids(store.path) == {"T1", "T2", "T3", "T4"}


async def test_callers_are_answered_only_after_commit(store: SqliteStore, tmp_path: Path) -> None:
    seen_late: list[str] = []

    async def write_then_look(n: int) -> None:
        team_id = await store.write(_insert(n))
        # Committed and durable before the answer: a fresh connection finds it at once.
        if team_id not in _team_ids(store.path):
            seen_late.append(team_id)

    await asyncio.gather(*(write_then_look(n) for n in range(300)))
    assert seen_late == []

    other = SqliteStore(store.path)
    try:
        found = await other.read(lambda tx: {t.id for t in tx.list_teams()})
    finally:
        await other.close()
    assert found == {f"T{n}" for n in range(300)}


async def test_writes_from_several_event_loops_are_each_answered(store: SqliteStore) -> None:
    def in_thread(k: int) -> list[str]:
        async def main() -> list[str]:
            units = [_insert(f"{k}x{i}") for i in range(50)]
            return list(await asyncio.gather(*(store.write(u) for u in units)))

        return asyncio.run(main())

    answers = await asyncio.gather(*(asyncio.to_thread(in_thread, k) for k in range(4)))
    assert [sorted(a) for a in answers] == [
        sorted(f"T{k}x{i}" for i in range(50)) for k in range(4)
    ]
    assert len(_team_ids(store.path)) == 200


async def _channel(store: SqliteStore) -> tuple[str, str]:
    def unit(tx: Tx) -> tuple[str, str]:
        tx.insert_team(_team("ts"))
        channel = new_channel("Tts", "U1", "general", 0)
        tx.insert_channel(channel)
        return "Tts", channel.id

    return await store.write(unit)


async def test_ts_increases_when_the_clock_stalls_or_goes_back(store: SqliteStore) -> None:
    team_id, channel_id = await _channel(store)
    stalled = 1_700_000_000_000_000

    def positions(now_us: int, count: int) -> Callable[[Tx], list[tuple[int, str]]]:
        def unit(tx: Tx) -> list[tuple[int, str]]:
            log = EventLog(Tx(tx.conn, now_us))  # this unit's wall clock reads now_us
            return [log.message_position(team_id, channel_id) for _ in range(count)]

        return unit

    got: list[tuple[int, str]] = []
    # Same instant in one unit, in later units, in concurrent units; then the clock goes back.
    got += await store.write(positions(stalled, 5))
    got += await store.write(positions(stalled, 1))
    for batch in await asyncio.gather(*(store.write(positions(stalled, 2)) for _ in range(20))):
        got += batch
    got += await store.write(positions(stalled - 5_000_000, 3))

    got.sort()  # by seq: the order the writer ran the units in
    seqs = [seq for seq, _ in got]
    micros = [to_micros(ts) for _, ts in got]
    assert seqs == list(range(1, len(got) + 1))
    assert micros == list(range(stalled, stalled + len(got)))
    # Sortable as text, as Slack clients sort them.
    assert [ts for _, ts in got] == sorted(ts for _, ts in got)

    # Once the clock moves past the bumped ts again, ts follows the clock.
    ahead = stalled + 10_000_000
    [(_, ts)] = await store.write(positions(ahead, 1))
    assert to_micros(ts) == ahead

    # The counter survives a restart of the adapter.
    again = SqliteStore(store.path)
    try:
        [(seq, ts)] = await again.write(positions(stalled, 1))
    finally:
        await again.close()
    assert seq == len(got) + 2 and to_micros(ts) == ahead + 1


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
        await asyncio.gather(*(store.write(_insert(ours + i)) for i in range(20)))
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
            await asyncio.gather(*(store.write(_insert(f"busy{ours + i}")) for i in range(20)))
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
