"""The Redis bus against a real Redis: delivery between processes, reference counting, a Redis
restart, and a commit that stands while Redis is down."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import orjson
import pytest
from redis.asyncio import Redis
from structlog.testing import capture_logs

from hubbub.app import build_hub
from hubbub.bus.port import BusUnavailable, Subscription
from hubbub.bus.redis import RedisBus
from hubbub.config import Settings
from hubbub.jobs.relay import OutboxRelay
from hubbub.services import channels, workspaces
from hubbub.services.auth import authenticate
from hubbub.services.hub import EventLog, Hub
from hubbub.store.tx import Tx
from tests.support.services import PrivateRedis, RedisServer
from tests.support.waiting import until

Received = list[tuple[str, int, bytes]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def collect(into: Received) -> Callable[[str, int, bytes], None]:
    return lambda stream, seq, data: into.append((stream, seq, data))


@contextlib.asynccontextmanager
async def open_buses(url: str, prefix: str, count: int) -> AsyncIterator[list[RedisBus]]:
    """Buses on one Redis, as `count` processes would hold them."""
    buses = [RedisBus(url, prefix=prefix) for _ in range(count)]
    try:
        yield buses
    finally:
        for bus in buses:
            await bus.close()


@contextlib.asynccontextmanager
async def client(url: str) -> AsyncIterator[Redis]:
    redis = Redis.from_url(url)
    try:
        yield redis
    finally:
        await redis.aclose()


async def subscribers(redis: Redis, bus: RedisBus, stream: str) -> int:
    ((_channel, count),) = await redis.pubsub_numsub(bus.channel(stream))
    return int(count)


async def wait_subscribers(redis: Redis, bus: RedisBus, stream: str, count: int) -> None:

    async def reached() -> bool:
        return await subscribers(redis, bus, stream) == count

    await until(reached, 5.0, f"{stream}: {count} subscribers")


async def barrier(publisher: RedisBus, stream: str, received: Received) -> None:
    """Returns once everything `publisher` published before reached the subscriber of
    `stream`: one connection to Redis and one from it keep their order."""
    mark = len(received)
    await publisher.publish(stream, mark + 1, b"barrier")
    await until(lambda: len(received) > mark, within_s=5.0)


async def test_a_subscriber_gets_what_another_process_publishes_in_order(
    redis_server: RedisServer, redis_prefix: str
) -> None:
    async with (
        open_buses(redis_server.url, redis_prefix, 2) as (a, b),
        client(redis_server.url) as redis,
    ):
        one: Received = []
        two: Received = []
        marks: Received = []
        sub_one = b.subscribe("C1", collect(one))
        b.subscribe("C2", collect(two))
        b.subscribe("mark", collect(marks))
        for stream in ("C1", "C2", "mark"):
            await wait_subscribers(redis, b, stream, 1)

        sent = [(seq, f"event {seq}".encode()) for seq in range(1, 200)]
        sent += [(0, b"typing"), (200, b""), (201, bytes(range(256)) * 400), (2**63 - 1, b"x")]
        for seq, data in sent:
            await a.publish("C1", seq, data)
            await a.publish("C2", 1000 + seq, b"other " + data)
            await a.publish("C3", seq, b"nobody's")
        await barrier(a, "mark", marks)
        assert one == [("C1", seq, data) for seq, data in sent]
        assert two == [("C2", 1000 + seq, b"other " + data) for seq, data in sent]

        # Closed while its next event is on the way (published before Redis hears of the
        # close): that event is dropped here.
        b.subscribe("closer", lambda *_: sub_one.close())
        await wait_subscribers(redis, b, "closer", 1)
        await a.publish("closer", 1, b"")
        await a.publish("C1", 300, b"in flight")
        await barrier(a, "mark", marks)
        assert len(one) == len(sent)
        await wait_subscribers(redis, b, "C1", 0)
        await a.publish("C1", 301, b"after unsubscribe")
        await barrier(a, "mark", marks)
        assert len(one) == len(sent)
        sub_one.close()  # twice is harmless


async def test_a_stream_is_subscribed_while_any_local_handler_wants_it(
    redis_server: RedisServer, redis_prefix: str
) -> None:
    async with (
        open_buses(redis_server.url, redis_prefix, 2) as (a, b),
        client(redis_server.url) as redis,
    ):
        first: Received = []
        second: Received = []
        marks: Received = []
        b.subscribe("mark", collect(marks))
        sub_first = b.subscribe("C", collect(first))
        sub_second = b.subscribe("C", collect(second))
        await wait_subscribers(redis, b, "C", 1)
        await wait_subscribers(redis, b, "mark", 1)

        await a.publish("C", 1, b"one")
        await until(lambda: len(first) == len(second) == 1, within_s=5.0)
        assert await subscribers(redis, b, "C") == 1  # one Redis subscription, two handlers

        sub_first.close()
        await a.publish("C", 2, b"two")
        await until(lambda: len(second) == 2, within_s=5.0)
        await barrier(a, "mark", marks)
        assert first == [("C", 1, b"one")]
        assert await subscribers(redis, b, "C") == 1

        sub_second.close()
        await wait_subscribers(redis, b, "C", 0)
        await a.publish("C", 3, b"three")
        await barrier(a, "mark", marks)
        assert [seq for _, seq, _ in second] == [1, 2]

        # A stream left entirely can be taken up again.
        third: Received = []
        b.subscribe("C", collect(third))
        await wait_subscribers(redis, b, "C", 1)
        await a.publish("C", 4, b"four")
        await until(lambda: third == [("C", 4, b"four")], within_s=5.0)

        # A handler that closes another subscription of its stream: that one gets nothing
        # more, not even the event at hand.
        closed: Received = []
        doomed: list[Subscription] = []
        b.subscribe("D", lambda *_: doomed[0].close())
        doomed.append(b.subscribe("D", collect(closed)))
        await wait_subscribers(redis, b, "D", 1)
        await a.publish("D", 1, b"one")
        await barrier(a, "mark", marks)
        assert closed == []


async def test_subscriptions_resume_after_a_redis_restart(private_redis: PrivateRedis) -> None:
    url = private_redis.url
    async with open_buses(url, "restart:", 2) as (a, b):
        received: Received = []
        resumed = {"C1 first": 0, "C1 second": 0, "C2": 0, "C3 made while down": 0}

        def on_resume(name: str) -> Callable[[], None]:
            return lambda: resumed.__setitem__(name, resumed[name] + 1)

        b.subscribe("C1", collect(received), on_resume=on_resume("C1 first"))
        b.subscribe("C1", lambda *_: None, on_resume=on_resume("C1 second"))
        b.subscribe("C2", collect(received), on_resume=on_resume("C2"))
        async with client(url) as redis:
            await wait_subscribers(redis, b, "C1", 1)
            await wait_subscribers(redis, b, "C2", 1)
        # Once when each channel is confirmed: what was published before that reached nobody.
        first = {"C1 first": 1, "C1 second": 1, "C2": 1, "C3 made while down": 0}
        await until(lambda: resumed == first, within_s=5.0)
        await a.publish("C1", 1, b"before")
        await until(lambda: len(received) == 1, within_s=5.0)

        private_redis.kill()
        with pytest.raises(BusUnavailable):
            await a.publish("C1", 2, b"while down")
        b.subscribe("C3", collect(received), on_resume=on_resume("C3 made while down"))
        await asyncio.sleep(0.2)  # the reader notices and retries meanwhile
        assert resumed == first

        private_redis.start()
        again = {"C1 first": 2, "C1 second": 2, "C2": 2, "C3 made while down": 1}
        await until(lambda: resumed == again, within_s=10.0)
        for stream in ("C1", "C2", "C3"):
            await a.publish(stream, 3, b"after " + stream.encode())
        await until(lambda: len(received) == 4, within_s=5.0)
        assert received == [
            ("C1", 1, b"before"),
            ("C1", 3, b"after C1"),
            ("C2", 3, b"after C2"),
            ("C3", 3, b"after C3"),
        ]
        await asyncio.sleep(0.1)
        assert resumed == again


async def _setup(hub: Hub) -> tuple[str, str, str]:
    team = await workspaces.create_workspace(hub, "Acme", "acme")
    account = await workspaces.create_user(hub, "acme", email="a@acme.test", name="a")
    who = await authenticate(hub, account.token)
    channel = await channels.create(hub, who, "dev", is_private=False)
    return team.id, channel.id, who.user_id


def _unpublished(tx: Tx) -> list[int]:
    return [outbox_id for outbox_id, *_ in tx.unpublished(2**62, 100_000)]


async def test_a_commit_stands_while_redis_is_down_and_the_relay_publishes_it_later(
    tmp_path: Path, redis_server: RedisServer, redis_prefix: str
) -> None:
    hub = build_hub(Settings(data_dir=tmp_path))
    relay = OutboxRelay(hub, grace_s=0.05)
    try:
        team_id, channel_id, user_id = await _setup(hub)
        await relay.run_once()  # trims what setup published
        await hub.bus.close()
        hub.bus = RedisBus(f"redis://127.0.0.1:{free_port()}/0", prefix=redis_prefix)

        def join(tx: Tx, log: EventLog) -> tuple[int, list[int]]:
            # A join also sends a notice on the member's own stream, through the outbox too.
            event = {"type": "member_joined_channel", "user": user_id, "channel": channel_id}
            log.channel_event(team_id, channel_id, event)
            return log.published[0].seq, [p.outbox_id for p in log.published]

        with capture_logs() as logs:
            seq, outbox_ids = await hub.commit(team_id, join)
        assert [entry["event"] for entry in logs] == ["bus_publish_failed"]
        assert hub.published_outbox.get("main", []) == []
        assert await hub.read(team_id, _unpublished) == outbox_ids
        assert len(outbox_ids) == 2

        # Redis is back: the relay publishes the event and the notice once they are older than
        # the grace period.
        await hub.bus.close()
        hub.bus = RedisBus(redis_server.url, prefix=redis_prefix)
        async with (
            open_buses(redis_server.url, redis_prefix, 1) as (gateway,),
            client(redis_server.url) as redis,
        ):
            received: Received = []
            gateway.subscribe(channel_id, collect(received))
            gateway.subscribe(user_id, collect(received))
            await wait_subscribers(redis, gateway, channel_id, 1)
            await wait_subscribers(redis, gateway, user_id, 1)
            await asyncio.sleep(0.1)
            assert await relay.run_once() == 2
            await until(lambda: len(received) == 2, within_s=5.0)
            assert received[0][:2] == (channel_id, seq)
            stream, notice_seq, notice = received[1]
            assert (stream, notice_seq) == (user_id, 0)
            assert orjson.loads(notice) == {
                "type": "hubbub_member_joined",
                "channel": channel_id,
                "user": user_id,
                "after": seq - 1,
                "team": team_id,
            }
            assert await hub.read(team_id, _unpublished) == []
    finally:
        await hub.bus.close()
        await hub.shards.close()
