"""Joins across processes: a socket on one process follows a conversation its person joined
through another, also when the join's notice did not reach it, and never because of a notice
that comes after they left.

The notice (`hubbub_member_joined`, seq 0) is in no log, so no gap shows its loss. Its outbox
row makes the committer's failure to publish good (tests/integration/test_relay.py); these tests
cover the other side: a gateway whose bus connection dropped reads what its sessions' people
joined meanwhile, and a notice only says where to look.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson
from redis import Redis
from websockets.sync.client import connect

from hubbub.bus.redis import RedisBus
from hubbub.config import Settings
from hubbub.jobs.relay import OutboxRelay
from hubbub.services import membership
from hubbub.services.auth import authenticate
from hubbub.services.hub import Hub
from tests.e2e.test_cluster import _cluster
from tests.support.rtm import Rtm, new_channel, text_is
from tests.support.servers import Workspace, run_admin
from tests.support.services import PrivateRedis


def _invite_unheard(ws: Workspace, channel: str, user_id: str, settings: Settings) -> None:
    """Invites someone from a process on a bus of its own, whose relay then follows up and
    trims the outbox: the join is committed and its notice reached no gateway, as when a
    gateway's bus connection is down at the moment of the join."""

    async def work(hub: Hub) -> None:
        who = await authenticate(hub, ws.alice.token)
        await membership.invite(hub, who, channel, [user_id])
        await OutboxRelay(hub).run_once()

    run_admin(Path(), work, settings)


def _channel_texts(rtm: Rtm, channel: str) -> list[str]:
    return [e["text"] for e in rtm.frames if e.get("type") == "message" and e["channel"] == channel]


def test_a_gateway_back_on_its_bus_follows_what_its_people_joined_meanwhile(
    tmp_path: Path, postgres_url: str, private_redis: PrivateRedis, redis_prefix: str
) -> None:
    with _cluster(tmp_path, postgres_url, private_redis.url, redis_prefix) as (a, b, ws):
        alice = a.server.client(ws.alice.token)
        channel = new_channel(alice, private=True)
        alice.chat_postMessage(channel=channel, text="before bob")
        with connect(b.server.client(ws.bob.token).rtm_connect()["url"], max_size=None) as sock:
            bob = Rtm(sock)
            assert bob.recv()["type"] == "hello"
            _invite_unheard(ws, channel, ws.bob.user_id, Settings(database_url=postgres_url))
            alice.chat_postMessage(channel=channel, text="unheard")
            bob.quiet(0.5)
            assert _channel_texts(bob, channel) == [], "the notice was lost: nothing followed"

            # Redis drops every subscriber: B subscribes again, and reads who joined what.
            with Redis.from_url(private_redis.url) as redis:
                redis.client_kill_filter(_type="pubsub")
            bob.until(text_is("unheard"), timeout=15)
            alice.chat_postMessage(channel=channel, text="heard")
            bob.until(text_is("heard"))
        joined = [e["user"] for e in bob.frames if e.get("type") == "member_joined_channel"]
        assert joined == [ws.bob.user_id]
        # From the join on, once each, in order; nothing said before it.
        assert _channel_texts(bob, channel)[1:] == ["unheard", "heard"]
        assert "before bob" not in _channel_texts(bob, channel)


def test_a_join_notice_told_after_the_leave_replays_nothing(
    tmp_path: Path, postgres_url: str, private_redis: PrivateRedis, redis_prefix: str
) -> None:
    """A notice may come late (the relay publishes one the committer could not, a second or
    more after): by then its person may have left. Neither the socket that saw the leave nor
    one opened after it goes back over the conversation."""
    with _cluster(tmp_path, postgres_url, private_redis.url, redis_prefix) as (a, b, ws):
        alice = a.server.client(ws.alice.token)
        channel = new_channel(alice, ws.bob.user_id, private=True)
        elsewhere = new_channel(alice, ws.bob.user_id)
        alice.chat_postMessage(channel=channel, text="while a member")
        with connect(b.server.client(ws.bob.token).rtm_connect()["url"]) as sock:
            throughout = Rtm(sock)
            assert throughout.recv()["type"] == "hello"
            a.server.client(ws.bob.token).conversations_leave(channel=channel)
            throughout.until(lambda e: e.get("type") == "member_left_channel")
            with connect(b.server.client(ws.bob.token).rtm_connect()["url"]) as sock2:
                after = Rtm(sock2)
                assert after.recv()["type"] == "hello"
                stale = {
                    "type": "hubbub_member_joined",
                    "channel": channel,
                    "user": ws.bob.user_id,
                    "after": 0,
                    "team": ws.team_id,
                }
                asyncio.run(_publish(private_redis.url, redis_prefix, ws.bob.user_id, stale))
                alice.chat_postMessage(channel=channel, text="after the leave")
                alice.chat_postMessage(channel=elsewhere, text="barrier")
                after.until(text_is("barrier"))
                throughout.until(text_is("barrier"))
                after.quiet(0.3)
                throughout.quiet(0.3)
        assert not [e for e in after.frames if e.get("channel") == channel]
        left_at = next(
            i for i, e in enumerate(throughout.frames) if e.get("type") == "member_left_channel"
        )
        assert not [e for e in throughout.frames[left_at + 1 :] if e.get("channel") == channel]
        assert "while a member" not in _channel_texts(throughout, channel)


async def _publish(url: str, prefix: str, stream: str, notice: dict[str, object]) -> None:
    bus = RedisBus(url, prefix=prefix)
    try:
        await bus.publish(stream, 0, orjson.dumps(notice))
    finally:
        await bus.close()
