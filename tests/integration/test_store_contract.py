"""The Store port's promises (store/port.py, docs/architecture.md §3), checked on every adapter.

Each test runs on a real SQLite file and on a real PostgreSQL database of its own. What only one
adapter has (SQLite's group commit, its writer beside the admin CLI) is in test_store.py.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from hubbub.domain.errors import SlackError
from hubbub.domain.ids import token_hash
from hubbub.domain.ts import to_micros
from hubbub.store.port import Store
from hubbub.store.postgres import PostgresStore
from hubbub.store.sqlite import SqliteStore
from hubbub.store.tx import Tx
from tests.support.store_units import insert_team, new_team_channel, positions, team
from tests.support.waiting import until

Opener = Callable[[], Store]


@pytest.fixture(params=["sqlite", "postgres"])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Opener:
    """Opens (another) adapter on this test's own database, as another process would."""
    if request.param == "sqlite":
        path = tmp_path / "hubbub.sqlite3"
        return lambda: SqliteStore(path)
    url: str = request.getfixturevalue("postgres_url")
    return lambda: PostgresStore(url, pool_size=4)


@pytest.fixture
async def store(open_store: Opener) -> AsyncIterator[Store]:
    s = open_store()
    yield s
    await s.close()


async def _team_ids(store: Store) -> set[str]:
    return await store.read(lambda tx: {t.id for t in tx.list_teams()})


class Boom(Exception):
    pass


async def test_a_unit_that_raises_leaves_nothing(store: Store) -> None:
    def half_then_boom(tx: Tx) -> None:
        tx.insert_team(team("half"))
        raise Boom

    results = await asyncio.gather(
        store.write(insert_team(1)),
        store.write(half_then_boom),
        store.write(insert_team(2)),
        return_exceptions=True,
    )
    assert results[0] == "T1" and isinstance(results[1], Boom) and results[2] == "T2"
    # A unique key broken inside a unit: the unit's own error, and none of its writes.
    with pytest.raises(SlackError, match="domain_taken"):
        await store.write(lambda tx: (tx.insert_team(team(3)), tx.insert_team(team(1))))
    assert await _team_ids(store) == {"T1", "T2"}
    assert await store.write(insert_team(4)) == "T4"


async def test_an_answered_write_is_seen_by_every_other_connection(
    store: Store, open_store: Opener
) -> None:
    other = open_store()
    try:
        late: list[str] = []

        async def write_then_look(n: int) -> None:
            team_id = await store.write(insert_team(n))
            if team_id not in await _team_ids(other):
                late.append(team_id)

        await asyncio.gather(*(write_then_look(n) for n in range(100)))
        assert late == []
        assert await _team_ids(other) == {f"T{n}" for n in range(100)}
    finally:
        await other.close()


async def test_writes_from_several_event_loops_are_each_answered(store: Store) -> None:
    def in_thread(k: int) -> list[str]:
        async def main() -> list[str]:
            return list(
                await asyncio.gather(*(store.write(insert_team(f"{k}x{i}")) for i in range(30)))
            )

        return asyncio.run(main())

    answers = await asyncio.gather(*(asyncio.to_thread(in_thread, k) for k in range(4)))
    assert [sorted(a) for a in answers] == [
        sorted(f"T{k}x{i}" for i in range(30)) for k in range(4)
    ]
    assert len(await _team_ids(store)) == 120


async def test_seq_and_ts_are_gapless_and_increasing_under_concurrency(
    store: Store, open_store: Opener
) -> None:
    team_id, channel_id = await store.write(new_team_channel)
    stalled = 1_700_000_000_000_000
    other = open_store()  # a second process taking positions in the same channel
    try:
        got: list[tuple[int, str]] = []
        got += await store.write(positions(team_id, channel_id, stalled, 5))
        writes = [
            (store if n % 2 else other).write(positions(team_id, channel_id, stalled, 2))
            for n in range(40)
        ]
        for batch in await asyncio.gather(*writes):
            got += batch
        # The clock goes back: ts still moves forward.
        got += await other.write(positions(team_id, channel_id, stalled - 5_000_000, 3))
    finally:
        await other.close()
    got.sort()
    assert [seq for seq, _ in got] == list(range(1, len(got) + 1))
    micros = [to_micros(ts) for _, ts in got]
    assert micros == list(range(stalled, stalled + len(got)))
    ahead = stalled + 10_000_000
    [(seq, ts)] = await store.write(positions(team_id, channel_id, ahead, 1))
    assert seq == len(got) + 1 and to_micros(ts) == ahead


async def test_a_read_sees_one_snapshot(store: Store, open_store: Opener) -> None:
    await store.write(insert_team(1))
    other = open_store()
    try:

        def write_elsewhere() -> None:
            asyncio.run(_insert_second_team(other))

        def unit(tx: Tx) -> tuple[int, int]:
            first = len(tx.list_teams())
            thread = threading.Thread(target=write_elsewhere)
            thread.start()
            thread.join(30)
            return first, len(tx.list_teams())

        assert await store.read(unit) == (1, 1)
        assert len(await _team_ids(store)) == 2
    finally:
        await other.close()


async def _insert_second_team(store: Store) -> None:
    await store.write(insert_team(2))


async def test_identity_version_moves_after_commits_that_change_who_a_token_names(
    store: Store, open_store: Opener
) -> None:
    other = open_store()
    try:
        start, start_other = store.identity_version(), other.identity_version()
        await store.write(insert_team(1))  # nothing about tokens or people
        assert store.identity_version() == start
        await store.write(lambda tx: tx.revoke_token(token_hash("xoxp-T1-U1-00")))
        # At once in the process that committed; as soon as it is told, in any other.
        assert store.identity_version() != start
        await until(
            lambda: other.identity_version() != start_other,
            within_s=5,
            what="the other store told of the commit",
        )
    finally:
        await other.close()


async def test_a_channels_member_count_follows_its_member_rows(
    store: Store, open_store: Opener
) -> None:
    """conversations.info and .list read the count the channel's row keeps (issue 23's rooms of
    100,000): every add and remove moves it in its transaction, concurrent ones from another
    process too, a repeated add or remove not at all, and a unit that fails leaves it."""
    team_id, channel_id = await store.write(new_team_channel)
    other = open_store()
    try:

        def change(adds: list[str], removes: list[str]) -> Callable[[Tx], None]:
            def unit(tx: Tx) -> None:
                for user_id in adds:
                    tx.add_member(team_id, channel_id, user_id)
                for user_id in removes:
                    tx.remove_member(team_id, channel_id, user_id)

            return unit

        await asyncio.gather(
            *(
                (store if n % 2 else other).write(change([f"U{n}a", f"U{n}b"], []))
                for n in range(20)
            )
        )
        await store.write(change(["U0a", "U1a"], ["U2a", "U3b", "U3b", "UNOBODY"]))

        def fails(tx: Tx) -> None:
            tx.add_member(team_id, channel_id, "ULOST")
            raise Boom

        with pytest.raises(Boom):
            await store.write(fails)

        def counted(tx: Tx) -> tuple[int, dict[str, int], int]:
            rows = len(tx.member_ids(team_id, channel_id, "", 1000))
            many = tx.count_members_many(team_id, [channel_id])
            return tx.count_members(team_id, channel_id), many, rows

        assert await store.read(counted) == (38, {channel_id: 38}, 38)
    finally:
        await other.close()
