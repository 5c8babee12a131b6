"""The processes port on both adapters (memory, and Redis as separate processes share it), and
the choice of gateway made from it (services/gateways.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable

import pytest
import redis.asyncio as redis

from hubbub.domain.processes import ProcessInfo
from hubbub.processes.memory import MemoryProcesses
from hubbub.processes.port import Processes
from hubbub.processes.redis import RedisProcesses
from hubbub.services.gateways import Gateways, forget_exited
from tests.support.services import RedisServer
from tests.support.waiting import until

Made = Callable[[], Processes]


@pytest.fixture(params=["memory", "redis"])
async def port(
    request: pytest.FixtureRequest, redis_server: RedisServer, redis_prefix: str
) -> AsyncIterator[Made]:
    """Makes views of one registry: in memory one object, in Redis a client each, as
    separate processes have."""
    if request.param == "memory":
        shared = MemoryProcesses()
        yield lambda: shared
        return
    clients: list[redis.Redis] = []

    def make() -> Processes:
        client = redis.Redis.from_url(redis_server.url)
        clients.append(client)
        return RedisProcesses(client, prefix=redis_prefix)

    try:
        yield make
    finally:
        async for key in clients[0].scan_iter(match=redis_prefix + "*"):
            await clients[0].delete(key)
        for client in clients:
            await client.aclose()


def _gateway(n: int, sockets: int = 0) -> ProcessInfo:
    return ProcessInfo(
        id=f"host-{n}",
        role="gateway",
        host="host",
        pid=n,
        started=1.0,
        socket_url=f"ws://127.0.0.1:{9100 + n}",
        sockets=sockets,
    )


async def test_each_process_is_listed_with_its_last_record_until_it_leaves(port: Made) -> None:
    one, two = port(), port()
    await one.renew(_gateway(1), 30)
    await two.renew(_gateway(2, sockets=5), 30)
    await two.renew(_gateway(2, sockets=7), 30)  # replaces its record
    listed = await one.live()
    assert [(p.id, p.sockets) for p in listed] == [("host-1", 0), ("host-2", 7)]
    assert all(p.expires_ms > 0 for p in listed)
    assert dataclasses.replace(listed[1], expires_ms=0) == _gateway(2, sockets=7)

    await two.leave("host-2")
    assert [p.id for p in await one.live()] == ["host-1"]
    await two.leave("host-2")  # leaving twice changes nothing


async def test_a_process_that_stops_renewing_drops_out_when_its_lease_runs_out(
    port: Made,
) -> None:
    one, two = port(), port()
    await one.renew(_gateway(1), 30)
    await two.renew(_gateway(2), 0.3)
    assert len(await one.live()) == 2
    await until(lambda: _ids_are(one, ["host-1"]), 5)
    # Renewing again brings it back: a stalled process that wakes up is live again.
    await two.renew(_gateway(2), 30)
    assert [p.id for p in await one.live()] == ["host-1", "host-2"]


async def _ids_are(processes: Processes, ids: list[str]) -> bool:
    return [p.id for p in await processes.live()] == ids


async def test_a_damaged_record_is_left_out_of_the_list(
    redis_server: RedisServer, redis_prefix: str
) -> None:
    client = redis.Redis.from_url(redis_server.url)
    try:
        processes = RedisProcesses(client, prefix=redis_prefix)
        await processes.renew(_gateway(1), 30)
        await processes.renew(_gateway(2), 30)
        await client.hset(redis_prefix + "px:info", "host-2", b"{half a rec")
        assert [p.id for p in await processes.live()] == ["host-1"]
    finally:
        async for key in client.scan_iter(match=redis_prefix + "*"):
            await client.delete(key)
        await client.aclose()


async def test_connects_go_to_the_less_loaded_and_never_to_one_that_left(port: Made) -> None:
    registry = port()
    gateways = Gateways(port(), list_every_s=0)
    assert await gateways.choose() is None  # none registered: the caller's own address

    await registry.renew(_gateway(1, sockets=50), 30)
    await registry.renew(_gateway(2, sockets=0), 30)
    # Two gateways: both are drawn every time, so the figures decide.
    assert {await gateways.choose() for _ in range(10)} == {"ws://127.0.0.1:9102"}

    await registry.leave("host-2")
    assert {await gateways.choose() for _ in range(10)} == {"ws://127.0.0.1:9101"}


async def test_a_process_seen_to_exit_is_forgotten_at_once_by_host_and_pid(port: Made) -> None:
    registry = port()
    await registry.renew(_gateway(1), 300)
    await registry.renew(_gateway(2), 300)
    # The same pid on another host is another process.
    await registry.renew(dataclasses.replace(_gateway(2), id="other-2", host="other"), 300)

    assert await forget_exited(port(), "host", 2) == ["host-2"]
    assert [p.id for p in await registry.live()] == ["host-1", "other-2"]
    assert await forget_exited(port(), "host", 2) == []  # nothing left to forget


async def test_connects_between_two_reads_count_on_top_of_the_last_figures(port: Made) -> None:
    registry = port()
    await registry.renew(_gateway(1, sockets=3), 30)
    await registry.renew(_gateway(2, sockets=0), 30)
    gateways = Gateways(port(), list_every_s=3600)  # read once
    chosen = [await gateways.choose() for _ in range(3)]
    assert chosen == ["ws://127.0.0.1:9102"] * 3
    # 3 against 3 now: either; then each in turn takes the one with fewer.
    after = [await gateways.choose() for _ in range(4)]
    assert sorted(after) == ["ws://127.0.0.1:9101"] * 2 + ["ws://127.0.0.1:9102"] * 2


async def test_a_registry_out_of_reach_leaves_the_last_list_in_use(
    redis_server: RedisServer, redis_prefix: str
) -> None:
    client = redis.Redis.from_url(redis_server.url)
    dead = redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    try:
        live = RedisProcesses(client, prefix=redis_prefix)
        await live.renew(_gateway(1), 30)
        gateways = Gateways(live, list_every_s=0)
        assert await gateways.choose() == "ws://127.0.0.1:9101"
        gateways.processes = RedisProcesses(dead, prefix=redis_prefix)
        assert await gateways.choose() == "ws://127.0.0.1:9101"
    finally:
        async for key in client.scan_iter(match=redis_prefix + "*"):
            await client.delete(key)
        await client.aclose()
        await dead.aclose()


async def test_a_registration_renews_with_what_the_process_carries_and_leaves_on_stop() -> None:
    """jobs/registration.py on the memory adapter: its figures are those of the moment."""
    from hubbub.jobs.registration import Registration

    class _Hub:
        processes = MemoryProcesses()

    carrying = [(2, 1)]
    registration = Registration(
        _Hub(),  # type: ignore[arg-type]
        role="gateway",
        lease_s=0.3,
        socket_url="ws://127.0.0.1:9200",
        carrying=lambda: carrying[0],
    )
    registration.start()
    try:
        await until(lambda: _ids_are(_Hub.processes, [registration.base.id]), 5)
        carrying[0] = (9, 4)

        async def renewed() -> ProcessInfo | None:
            [me] = await _Hub.processes.live()
            return me if me.sockets == 9 else None

        me = await until(renewed, 5)  # a renewal is due every lease/3
        assert (me.app_sockets, me.role, me.socket_url) == (4, "gateway", "ws://127.0.0.1:9200")
        assert me.rss_bytes > 0
    finally:
        await registration.stop()
    assert await _Hub.processes.live() == []
