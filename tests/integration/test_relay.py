"""The outbox relay publishes what was committed but never published, and trims the outbox."""

from __future__ import annotations

import asyncio
from pathlib import Path

from hubbub.app import build_hub
from hubbub.jobs.relay import OutboxRelay
from hubbub.services import channels, membership, workspaces
from hubbub.services.auth import authenticate
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


async def test_relay_publishes_a_commit_nobody_published(tmp_path: Path) -> None:
    hub = build_hub(settings_for(tmp_path))
    try:
        team_id, channel_id = await _setup(hub)
        relay = OutboxRelay(hub, grace_s=0.05)
        await relay.run_once()  # trims what setup published
        assert await hub.read(team_id, _outbox_size) == 0

        # A crash between commit and publish: the event is logged, nobody published it.
        def orphan(tx: Tx) -> int:
            log = EventLog(tx)
            log.channel_event(team_id, channel_id, {"type": "test_event", "channel": channel_id})
            return log.published[0].seq

        seq, _shard = await hub.shards.write(team_id, orphan)
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
