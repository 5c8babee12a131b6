"""RedisPresence: MemoryPresence's answers, each change reported once across processes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import redis.asyncio as redis

from hubbub.app import build_hub
from hubbub.config import Settings
from hubbub.presence.memory import MemoryPresence
from hubbub.presence.port import ACTIVE, AWAY, Change, Presence
from hubbub.presence.redis import RedisPresence
from tests.support.services import RedisServer

T, U = "T1", "U1"

Made = Callable[..., RedisPresence]


@pytest.fixture
async def process(redis_server: RedisServer, redis_prefix: str) -> AsyncIterator[Made]:
    """Makes presence adapters with their own client each, as separate processes would have."""
    made: list[tuple[RedisPresence, redis.Redis]] = []

    def make(**options: float) -> RedisPresence:
        client = redis.Redis.from_url(redis_server.url)
        presence = RedisPresence(client, prefix=redis_prefix, **options)
        made.append((presence, client))
        return presence

    try:
        yield make
    finally:
        for presence, client in made:
            await presence.close()
            # Presence keys never expire: leave the shared Redis as the test found it.
            async for key in client.scan_iter(match=redis_prefix + "*"):
                await client.delete(key)
            await client.aclose()


Step = Callable[[Presence], Awaitable[Change]]

# Each step of the table names what it shows.
TABLE: list[tuple[str, Step]] = [
    ("first socket: active", lambda p: p.connected(T, U)),
    ("second socket: no change", lambda p: p.connected(T, U)),
    ("one of two closes: no change", lambda p: p.disconnected(T, U)),
    ("manual away wins while connected", lambda p: p.set_manual_away(T, U, True)),
    ("the port's setting beats a stale stored one", lambda p: p.connected(T, U)),
    ("auto lifts it", lambda p: p.set_manual_away(T, U, False)),
    ("the stored setting no longer applies", lambda p: p.connected(T, U, manual_away=True)),
    ("close", lambda p: p.disconnected(T, U)),
    ("close", lambda p: p.disconnected(T, U)),
    ("last socket closes: away", lambda p: p.disconnected(T, U)),
    ("a close too many: no change", lambda p: p.disconnected(T, U)),
    ("away while offline: no change", lambda p: p.set_manual_away(T, U, True)),
    ("connects as away", lambda p: p.connected(T, U)),
    ("auto", lambda p: p.set_manual_away(T, U, False)),
    ("away", lambda p: p.disconnected(T, U)),
    ("new person, stored away: seeded", lambda p: p.connected(T, "U2", manual_away=True)),
    ("seeded setting stays", lambda p: p.connected(T, "U2")),
    ("auto", lambda p: p.set_manual_away(T, "U2", False)),
    ("away before ever connecting", lambda p: p.set_manual_away(T, "U3", True)),
    ("stays away", lambda p: p.connected(T, "U3")),
]

EXPECTED = [
    (AWAY, ACTIVE),
    (ACTIVE, ACTIVE),
    (ACTIVE, ACTIVE),
    (ACTIVE, AWAY),
    (AWAY, AWAY),
    (AWAY, ACTIVE),
    (ACTIVE, ACTIVE),
    (ACTIVE, ACTIVE),
    (ACTIVE, ACTIVE),
    (ACTIVE, AWAY),
    (AWAY, AWAY),
    (AWAY, AWAY),
    (AWAY, AWAY),
    (AWAY, ACTIVE),
    (ACTIVE, AWAY),
    (AWAY, AWAY),
    (AWAY, AWAY),
    (AWAY, ACTIVE),
    (AWAY, AWAY),
    (AWAY, AWAY),
]


async def _run(presence: Presence) -> list[tuple[tuple[str, str], tuple[int, int], int]]:
    """Per step: (before, after), (U1's connections, U1 seen), U2's connections."""
    rows = []
    for _name, step in TABLE:
        change = await step(presence)
        count, last = await presence.connections(T, U)
        rows.append(
            (
                (change.before, change.after),
                (count, last > 0),
                (await presence.connections(T, "U2"))[0],
            )
        )
    return rows


async def test_transitions_match_memory_presence(process: Made) -> None:
    in_memory = await _run(MemoryPresence())
    in_redis = await _run(process())
    for name, memory_row, redis_row, expected in zip(
        (n for n, _ in TABLE), in_memory, in_redis, EXPECTED, strict=True
    ):
        assert redis_row == memory_row, name
        assert redis_row[0] == expected, name


async def test_connections_before_any_update(process: Made) -> None:
    assert await process().connections(T, "nobody") == (0, 0)


async def test_last_activity_is_the_time_of_the_last_socket_event(process: Made) -> None:
    presence = process()
    await presence.connected(T, U)
    _, last = await presence.connections(T, U)
    assert abs(last - time.time()) < 5  # Redis's clock, the same machine here
    await presence.set_manual_away(T, U, True)
    assert (await presence.connections(T, U))[1] == last


async def test_each_change_is_reported_once_across_processes(process: Made) -> None:
    first, second = process(), process()
    sides = [first, second]

    # 50 sockets opened at once, half through each process: the person becomes active once.
    opened = await asyncio.gather(*(sides[i % 2].connected(T, U) for i in range(50)))
    assert [c for c in opened if c.changed] == [Change(AWAY, ACTIVE)]
    assert await first.connections(T, U) == (50, pytest.approx(time.time(), abs=5))

    # ... and all 50 closed at once, each by the process that opened it: away once.
    closed = await asyncio.gather(*(sides[i % 2].disconnected(T, U) for i in range(50)))
    assert [c for c in closed if c.changed] == [Change(ACTIVE, AWAY)]
    assert (await second.connections(T, U))[0] == 0


async def test_interleaved_sockets_report_a_consistent_chain(process: Made) -> None:
    sides = [process(), process()]

    async def socket(i: int) -> list[Change]:
        side = sides[i % 2]
        opened = await side.connected(T, U)
        await asyncio.sleep(0.001 * (i % 7))
        return [opened, await side.disconnected(T, U)]

    changes = [c for pair in await asyncio.gather(*(socket(i) for i in range(50))) for c in pair]
    ups = changes.count(Change(AWAY, ACTIVE))
    downs = changes.count(Change(ACTIVE, AWAY))
    # Every report is one step of a single away/active chain that starts and ends away.
    assert ups == downs >= 1
    assert ups + downs == sum(c.changed for c in changes)
    assert (await sides[0].connections(T, U))[0] == 0


async def test_counts_never_go_below_zero(process: Made) -> None:
    first, second = process(), process()
    closes = await asyncio.gather(*(first.disconnected(T, U) for _ in range(20)))
    assert set(closes) == {Change(AWAY, AWAY)}
    assert (await first.connections(T, U))[0] == 0
    assert await first.connected(T, U) == Change(AWAY, ACTIVE)
    # The other process holds none of the person's sockets: its close undoes nothing.
    assert await second.disconnected(T, U) == Change(ACTIVE, ACTIVE)
    assert (await second.connections(T, U))[0] == 1


async def test_a_live_process_keeps_its_sockets(process: Made) -> None:
    alive, other = process(lease_s=0.3), process()
    await alive.connected(T, U)
    await asyncio.sleep(0.6)  # two leases long: only renewal keeps it
    assert (await other.connections(T, U))[0] == 1
    assert await other.connected(T, U) == Change(ACTIVE, ACTIVE)
    assert (await other.connections(T, U))[0] == 2


async def test_a_dead_process_stops_counting(process: Made) -> None:
    dying, other = process(lease_s=0.3), process()
    await dying.connected(T, U)
    await dying.connected(T, U)
    await dying.close()  # no more renewals: as a crash looks to Redis
    await asyncio.sleep(0.45)
    assert (await other.connections(T, U))[0] == 0
    # Subscribers were last told active; the next update carries on from there.
    assert await other.connected(T, U) == Change(ACTIVE, ACTIVE)
    assert (await other.connections(T, U))[0] == 1
    assert await other.disconnected(T, U) == Change(ACTIVE, AWAY)


async def test_a_sweep_reports_the_people_of_a_dead_process_once(process: Made) -> None:
    """Bob had sockets only on the process that died, carol on both: bob goes away, reported by
    one of the two sweepers only; carol stays active; a live process's people are left alone."""
    dying, one, two = process(lease_s=0.3), process(), process()
    for person in ("UBOB", "UCAROL"):
        await dying.connected(T, person)
    await one.connected(T, "UCAROL")
    await one.connected(T, "UDAN")
    await dying.close()  # no more renewals: as a crash looks to Redis
    assert await one.sweep() == [] and await two.sweep() == []  # its lease still runs
    await asyncio.sleep(0.45)
    swept = await asyncio.gather(one.sweep(), two.sweep())
    changes = sorted(swept[0] + swept[1])
    assert changes == [(T, "UBOB", Change(ACTIVE, AWAY)), (T, "UCAROL", Change(ACTIVE, ACTIVE))]
    assert await one.sweep() == [] and await two.sweep() == []
    assert (await two.connections(T, "UCAROL"))[0] == 1
    assert (await two.connections(T, "UDAN"))[0] == 1


async def test_a_burst_beyond_the_pool_waits_rather_than_fails(
    tmp_path: Path, redis_server: RedisServer, redis_prefix: str
) -> None:
    """1,000 sockets closing at once are 1,000 presence updates in flight in one process,
    more than its Redis pool holds: each waits for a connection, none fails."""
    hub = build_hub(
        Settings(data_dir=tmp_path, redis_url=redis_server.url, redis_prefix=redis_prefix)
    )
    people = [f"U{n}" for n in range(1000)]
    try:
        opened = await asyncio.gather(*(hub.presence.connected(T, u) for u in people))
        assert all(change == Change(AWAY, ACTIVE) for change in opened)
        closed = await asyncio.gather(*(hub.presence.disconnected(T, u) for u in people))
        assert all(change == Change(ACTIVE, AWAY) for change in closed)
        await asyncio.gather(*(hub.bus.publish("CBURST", n, b"x") for n in range(1, 1001)))
    finally:
        client = redis.Redis.from_url(redis_server.url)
        async for key in client.scan_iter(match=redis_prefix + "*"):
            await client.delete(key)
        await client.aclose()
        await hub.close()
