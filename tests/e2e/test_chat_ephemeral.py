"""chat.postEphemeral: shown to one member, never stored, never in the channel's event log."""

from __future__ import annotations

import json
import uuid
from typing import Any

from slack_sdk import WebClient

from hubbub.services import auth, messages, posting
from hubbub.services.hub import Hub
from tests.support.checks import error_of
from tests.support.servers import (
    Server,
    Workspace,
    module_server,
    module_workspace,
    run_admin,
)

server = module_server("ephemeral")
workspace = module_workspace()


def new_channel(client: WebClient, *others: WebClient) -> str:
    channel: str = client.conversations_create(name="e-" + uuid.uuid4().hex[:12])["channel"]["id"]
    for other in others:
        other.conversations_join(channel=channel)
    return channel


def log_of(server: Server, team: str, channel: str) -> list[tuple[int, str, bytes]]:
    return run_admin(
        server.data_dir,
        lambda hub: hub.read(team, lambda tx: tx.events_after(team, channel, 0, 1000)),
    )


def test_ephemeral_is_answered_but_not_stored(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    bob = server.client(workspace.bob.token)
    channel = new_channel(alice, bob)
    before_history = alice.conversations_history(channel=channel)["messages"]
    before_log = log_of(server, workspace.team_id, channel)
    answer = alice.chat_postEphemeral(
        channel=channel,
        user=workspace.bob.user_id,
        text="only you",
        blocks=[{"type": "divider"}],
        icon_emoji=":ghost:",
        username="whisper",
    )
    assert set(answer.data) == {"ok", "message_ts"}
    assert answer["message_ts"].count(".") == 1
    assert bob.conversations_history(channel=channel)["messages"] == before_history
    assert log_of(server, workspace.team_id, channel) == before_log


def test_ephemeral_errors(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    carol = server.client(workspace.carol.token)
    bot = server.client(workspace.bot.token)
    channel = new_channel(alice)
    post = alice.chat_postEphemeral
    bob = workspace.bob.user_id
    assert error_of(post, channel=channel, user=bob, text="x") == "user_not_in_channel"
    assert error_of(post, channel=channel, user="UNOSUCHUSER", text="x") == "user_not_in_channel"
    assert error_of(post, channel=channel, user=workspace.alice.user_id, text="") == "no_text"
    me = workspace.alice.user_id
    assert error_of(post, channel=channel, user=me, text="x" * 40_001) == "msg_too_long"
    assert error_of(post, channel=channel, user=me, blocks=[{"a": 1}]) == "invalid_blocks"
    assert error_of(post, channel="CNOSUCHCHAN", user=me, text="x") == "channel_not_found"
    assert error_of(carol.chat_postEphemeral, channel=channel, user=me, text="x") == (
        "not_in_channel"
    )
    assert error_of(bot.chat_postEphemeral, channel=channel, user=me, text="x") == (
        "not_in_channel"
    )


def test_ephemeral_is_published_to_the_recipients_stream(
    server: Server, workspace: Workspace
) -> None:
    alice = server.client(workspace.alice.token)
    bot = server.client(workspace.bot.token)
    channel = new_channel(alice, bot)
    seen: list[tuple[str, int, dict[str, Any]]] = []

    async def work(hub: Hub) -> str:
        hub.bus.subscribe(
            workspace.alice.user_id,
            lambda stream, seq, data: seen.append((stream, seq, json.loads(data))),
        )
        who = await auth.authenticate(hub, workspace.bot.token)
        return await posting.post_ephemeral(
            hub, who, channel, workspace.alice.user_id, text="psst", thread_ts=None
        )

    ts = run_admin(server.data_dir, work)
    [(stream, seq, event)] = seen
    assert stream == messages.user_stream(workspace.alice.user_id)
    assert seq == messages.EPHEMERAL_SEQ
    assert event["type"] == "message"
    assert event["is_ephemeral"] is True
    assert (event["channel"], event["text"], event["ts"]) == (channel, "psst", ts)
    assert event["user"] == workspace.bot.user_id
    assert event["bot_id"] == workspace.bot_id
