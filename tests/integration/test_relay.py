"""The outbox relay publishes what was committed but never published, and trims the outbox."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import orjson

from hubbub.app import build_hub
from hubbub.config import Settings
from hubbub.jobs.relay import OutboxRelay
from hubbub.services import channels, membership, workspaces
from hubbub.services.auth import authenticate
from hubbub.services.follow_up import Logged
from hubbub.services.hub import EventLog, Hub
from hubbub.store.tx import Tx
from tests.support.servers import settings_for


async def _setup(hub: Hub) -> tuple[str, str]:
    team = await workspaces.create_workspace(hub, "Acme", "acme")
    account = await workspaces.create_user(hub, "acme", email="a@acme.test", name="a")
    who = await authenticate(hub, account.token)
    channel = await channels.create(hub, who, "dev", is_private=False)
    return team.id, channel.id


def _outbox_size(tx: Tx) -> int:
    return len(tx.unpublished(2**62, 100_000))


def _orphans(team_id: str, channel_id: str, count: int) -> Callable[[Tx], list[int]]:
    """A crash between commit and publish: the events are logged, nobody published them."""

    def unit(tx: Tx) -> list[int]:
        log = EventLog(tx)
        for _ in range(count):
            log.channel_event(team_id, channel_id, {"type": "test_event", "channel": channel_id})
        return [p.seq for p in log.published]

    return unit


async def test_relay_publishes_a_commit_nobody_published(tmp_path: Path) -> None:
    hub = build_hub(settings_for(tmp_path))
    try:
        team_id, channel_id = await _setup(hub)
        relay = OutboxRelay(hub, grace_s=0.05)
        await relay.run_once()  # trims what setup published
        assert await hub.read(team_id, _outbox_size) == 0

        [seq], _shard = await hub.shards.write(team_id, _orphans(team_id, channel_id, 1))
        received: list[tuple[str, int]] = []
        hub.bus.subscribe(channel_id, lambda stream, s, _data: received.append((stream, s)))

        assert await relay.run_once() == 0  # younger than the grace period: left alone
        await asyncio.sleep(0.1)
        assert await relay.run_once() == 1
        assert received == [(channel_id, seq)]
        assert await hub.read(team_id, _outbox_size) == 0
        assert await relay.run_once() == 0
        assert received == [(channel_id, seq)]
    finally:
        await hub.close()


async def test_relay_does_not_republish_what_this_process_published(tmp_path: Path) -> None:
    hub = build_hub(settings_for(tmp_path))
    try:
        team_id, channel_id = await _setup(hub)
        received: list[int] = []
        hub.bus.subscribe(channel_id, lambda _stream, s, _data: received.append(s))
        account = await workspaces.create_user(hub, "acme", email="b@acme.test", name="b")
        who = await authenticate(hub, account.token)
        await membership.join(hub, who, channel_id)
        assert received, "the join was published at commit"
        published = list(received)
        await asyncio.sleep(0.1)
        relay = OutboxRelay(hub, grace_s=0.05)
        assert await relay.run_once() == 0
        assert received == published
        assert await hub.read(team_id, _outbox_size) == 0
    finally:
        await hub.close()


async def test_relays_of_many_processes_publish_each_stale_row_once(postgres_url: str) -> None:
    """Two processes' relays over one PostgreSQL database, at the same moment: each stale row
    is claimed by one of them (FOR UPDATE SKIP LOCKED), and published by that one alone."""
    settings = Settings(database_url=postgres_url)
    hubs = [build_hub(settings), build_hub(settings)]
    try:
        team_id, channel_id = await _setup(hubs[0])
        relays = [OutboxRelay(hub, grace_s=0.05, batch=100) for hub in hubs]
        await relays[0].run_once()  # trims what setup published
        heard: list[list[int]] = [[], []]
        for hub, got in zip(hubs, heard, strict=True):
            hub.bus.subscribe(channel_id, lambda _stream, seq, _data, got=got: got.append(seq))
        for _ in range(20):
            await hubs[0].shards.write(team_id, _orphans(team_id, channel_id, 50))
        await asyncio.sleep(0.1)
        while sum(await asyncio.gather(*(r.run_once() for r in relays))):
            pass
        assert heard[0] and heard[1], "both relays took a share"
        assert sorted(heard[0] + heard[1]) == sorted(set(heard[0] + heard[1]))
        assert len(heard[0] + heard[1]) == 1000
        assert await hubs[0].read(team_id, _outbox_size) == 0
    finally:
        for hub in hubs:
            await hub.close()


async def test_relay_publishes_a_join_notice_nobody_published(hub: Hub) -> None:
    """A join's notice to the member's own stream is in no log; its outbox row carries it, so a
    crash between commit and publish loses it no more than the join itself. Nothing follows a
    notice up."""
    team_id, channel_id = await _setup(hub)
    followed: list[tuple[str, int]] = []

    async def reactor(_hub: Hub, logged: Logged) -> None:
        followed.append((logged.stream, logged.seq))

    relay = OutboxRelay(hub, grace_s=0.05, reactors=[reactor])
    await relay.run_once()  # trims what setup published
    followed.clear()

    def join(tx: Tx) -> int:
        log = EventLog(tx)
        event = {"type": "member_joined_channel", "user": "U0NEW", "channel": channel_id}
        log.channel_event(team_id, channel_id, event)
        return log.published[0].seq

    seq, _shard = await hub.shards.write(team_id, join)
    received: list[tuple[str, int, bytes]] = []
    for stream in (channel_id, "U0NEW"):
        hub.bus.subscribe(stream, lambda st, s, data: received.append((st, s, data)))
    await asyncio.sleep(0.1)
    assert await relay.run_once() == 2
    assert [(stream, s) for stream, s, _ in received] == [(channel_id, seq), ("U0NEW", 0)]
    assert orjson.loads(received[1][2]) == {
        "type": "hubbub_member_joined",
        "channel": channel_id,
        "user": "U0NEW",
        "after": seq - 1,
        "team": team_id,
    }
    assert followed == [(channel_id, seq)]
    assert await hub.read(team_id, _outbox_size) == 0
