"""Gap filling through each real bus: events committed elsewhere, then published to a gateway's
feed out of order, twice, or not at all. What reaches the sessions is every event once, in
order, the missing ones read from the log.

The in-process bus never reorders nor loses by itself, and Redis rarely does: the test publishes
through them as a faulty publisher would (docs/architecture.md §3, "Gaps, duplicates").
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hubbub.app import build_hub
from hubbub.bus.port import Bus
from hubbub.bus.redis import RedisBus
from hubbub.realtime.frames import logged_frame
from hubbub.realtime.gateway import Gateway
from hubbub.services import channels, posting, realtime, workspaces
from hubbub.services.auth import authenticate
from hubbub.services.hub import Hub
from tests.support.servers import settings_for
from tests.support.services import RedisServer
from tests.support.waiting import until


class Recorder:
    """Stands for the gateway's local sessions: keeps what the feed fans out to them."""

    def __init__(self, team_id: str) -> None:
        self.team_id = team_id
        self.logged: list[tuple[int, bytes]] = []
        self.ephemeral_seen: list[bytes] = []

    def log_team(self, _stream: str) -> str:
        return self.team_id

    def push(self, _stream: str, seq: int, wire: bytes) -> None:
        self.logged.append((seq, wire))

    def ephemeral(self, _stream: str, data: bytes, _wire: bytes) -> None:
        self.ephemeral_seen.append(data)


class CountingGateway(Gateway):
    """The real gateway, counting its reads of the log."""

    reads = 0

    async def read_log(
        self, team_id: str, stream: str, after: int, limit: int = 500
    ) -> list[tuple[int, bytes]]:
        self.reads += 1
        return await super().read_log(team_id, stream, after, limit)


@contextlib.asynccontextmanager
async def buses(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[tuple[Hub, Bus]]:
    """The gateway's hub on the bus under test, and the bus a publisher elsewhere uses."""
    if kind == "memory":
        hub = build_hub(settings_for(tmp_path))
        try:
            yield hub, hub.bus
        finally:
            await hub.close()
        return
    redis: RedisServer = request.getfixturevalue("redis_server")
    prefix: str = request.getfixturevalue("redis_prefix")
    hub = build_hub(settings_for(tmp_path, redis_url=redis.url, redis_prefix=prefix))
    publisher = RedisBus(redis.url, prefix=prefix)
    try:
        yield hub, publisher
    finally:
        await publisher.close()
        await hub.close()


@pytest.mark.parametrize("kind", ["memory", "redis"])
async def test_what_the_bus_drops_or_reorders_is_filled_from_the_log_once_in_order(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # Another process commits; its own bus reaches nobody here, as if every publish was lost.
    writer = build_hub(settings_for(tmp_path))
    try:
        team = await workspaces.create_workspace(writer, "Acme", "acme")
        account = await workspaces.create_user(writer, "acme", email="a@acme.test", name="a")
        who = await authenticate(writer, account.token)
        channel = (await channels.create(writer, who, "dev", is_private=False)).id
        head = (await realtime.events_after(writer, team.id, channel, 0, 1000))[-1][0]

        async with buses(kind, tmp_path, request) as (hub, bus):
            gateway = CountingGateway(hub, send_queue=1000, resume_max_events=10_000)
            sessions = Recorder(team.id)
            gateway.attach(sessions, channel, head)  # type: ignore[arg-type]
            feed = gateway.feeds[channel]

            # Once an ephemeral event comes through, the subscription is live (and on Redis its
            # confirmation's catch-up has run): from then on, only the bus brings events.
            async def live() -> bool:
                if not sessions.ephemeral_seen:
                    await bus.publish(channel, 0, b'{"type":"user_typing"}')
                return bool(sessions.ephemeral_seen)

            await until(live, interval=0.02, what="an ephemeral event through the bus")
            await until(lambda: feed.sequencer._filling is None)
            reads = gateway.reads

            for n in range(8):
                await posting.post(writer, who, channel, posting.Draft.checked(f"message {n}"))
            logged = await realtime.events_after(writer, team.id, channel, head, 1000)
            assert [seq for seq, _ in logged] == list(range(head + 1, head + 9))
            event = dict(logged)

            # Reordered (2 before 1), doubled (2 and 4 twice), lost (3, 6 and 7); 8 comes last.
            for k in (2, 1, 2, 4, 5, 4, 8):
                await bus.publish(channel, head + k, event[head + k])
            await until(lambda: len(sessions.logged) >= 8 and feed.sequencer._filling is None)
            # Late arrivals of what was read from the log are dropped.
            for k in (3, 6, 7, 1):
                await bus.publish(channel, head + k, event[head + k])
            await bus.publish(channel, 0, b'{"type":"user_typing","last":true}')
            await until(lambda: b"last" in sessions.ephemeral_seen[-1])

            assert sessions.logged == [
                (seq, logged_frame(channel, seq, data)) for seq, data in logged
            ]
            assert gateway.reads > reads  # the lost ones came from the log
            feed.close()
    finally:
        await writer.close()
