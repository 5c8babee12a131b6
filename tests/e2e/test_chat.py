"""chat.postMessage, meMessage, update, delete and getPermalink through the official slack_sdk."""

from __future__ import annotations

import uuid
from typing import Any

from slack_sdk import WebClient

from tests.support.checks import error_of, events
from tests.support.servers import (
    Server,
    Workspace,
    module_server,
    module_workspace,
    run_admin,
)

# One server and workspace for the module: every test makes its own channels.


server = module_server("chat")
workspace = module_workspace()


def new_channel(client: WebClient, *others: WebClient) -> str:
    channel: str = client.conversations_create(name="c-" + uuid.uuid4().hex[:12])["channel"]["id"]
    for other in others:
        other.conversations_join(channel=channel)
    return channel


def history(client: WebClient, channel: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = client.conversations_history(channel=channel)["messages"]
    return messages


# -- chat.postMessage ------------------------------------------------------------------------


def test_post_answers_slack_shape_and_logs_the_event(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    channel = new_channel(alice)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    posted = alice.chat_postMessage(channel=channel, text="hi", blocks=blocks)
    assert posted["channel"] == channel
    msg = posted["message"]
    assert msg["type"] == "message"
    assert msg["user"] == workspace.alice.user_id
    assert msg["team"] == workspace.team_id
    assert msg["ts"] == posted["ts"]
    # Slack fills in the block_id an app left out.
    [block] = msg["blocks"]
    assert block == {**blocks[0], "block_id": block["block_id"]} and block["block_id"]
    assert history(alice, channel)[0]["ts"] == posted["ts"]
    [event] = [e for e in events(server, workspace.team_id, channel) if e.get("ts") == posted["ts"]]
    assert event["type"] == "message"
    assert event["channel"] == channel
    assert event["channel_type"] == "channel"
    assert event["event_ts"] == posted["ts"]
    assert event["text"] == "hi"


def test_post_accepts_slack_presentation_args(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    bot = server.client(workspace.bot.token)
    channel = new_channel(alice, bot)
    by_person = alice.chat_postMessage(
        channel=channel, text="me", as_user=True, username="ignored", icon_emoji=":x:", mrkdwn=True
    )
    assert "username" not in by_person["message"]
    by_bot = bot.chat_postMessage(
        channel=channel,
        text="beep",
        username="Deploy bot",
        icon_emoji=":rocket:",
        unfurl_links=False,
        link_names=True,
    )
    assert by_bot["message"]["bot_id"] == workspace.bot_id
    assert by_bot["message"]["user"] == workspace.bot.user_id
    assert by_bot["message"]["username"] == "Deploy bot"
    assert by_bot["message"]["icons"] == {"emoji": ":rocket:"}
    assert history(alice, channel)[0]["username"] == "Deploy bot"


def test_a_bot_must_be_a_member_to_post(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    bot = server.client(workspace.bot.token)
    channel = new_channel(alice)
    before = events(server, workspace.team_id, channel)
    assert error_of(bot.chat_postMessage, channel=channel, text="hi") == "not_in_channel"
    assert events(server, workspace.team_id, channel) == before


def test_post_errors_write_nothing(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    bob = server.client(workspace.bob.token)
    channel = new_channel(alice)
    alice.chat_postMessage(channel=channel, text="first")
    before_history, before_events = (
        history(alice, channel),
        events(server, workspace.team_id, channel),
    )
    post = alice.chat_postMessage
    assert error_of(post, channel=channel, text="") == "no_text"
    assert error_of(post, channel=channel, text="   ") == "no_text"
    assert error_of(post, channel=channel, text="x" * 40_001) == "msg_too_long"
    assert (
        error_of(post, channel=channel, text="x", blocks=[{"text": "no type"}]) == "invalid_blocks"
    )
    assert error_of(post, channel=channel, text="x", blocks="[not json") == "invalid_blocks"
    assert error_of(post, channel=channel, text="x", blocks='{"type": "x"}') == "invalid_blocks"
    assert error_of(post, channel="CNOSUCHCHAN", text="x") == "channel_not_found"
    assert error_of(post, channel=channel, text="x", thread_ts="1.000001") == "thread_not_found"
    assert error_of(bob.chat_postMessage, channel=channel, text="x") == "not_in_channel"
    private = alice.conversations_create(name="p-" + uuid.uuid4().hex[:8], is_private=True)
    assert error_of(bob.chat_postMessage, channel=private["channel"]["id"], text="x") == (
        "channel_not_found"
    )
    assert history(alice, channel) == before_history
    assert events(server, workspace.team_id, channel) == before_events
    # The limit is inclusive: exactly 40,000 characters is still a message.
    assert post(channel=channel, text="y" * 40_000)["message"]["text"] == "y" * 40_000


def test_post_to_an_archived_channel_is_refused(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    channel = new_channel(alice)
    team = workspace.team_id
    run_admin(
        server.data_dir,
        lambda hub: hub.commit(
            team, lambda tx, _log: tx.update_channel(team, channel, is_archived=True)
        ),
    )
    assert error_of(alice.chat_postMessage, channel=channel, text="x") == "is_archived"
    assert error_of(alice.chat_meMessage, channel=channel, text="x") == "is_archived"


def test_client_msg_id_makes_a_retry_return_the_first_message(
    server: Server, workspace: Workspace
) -> None:
    alice = server.client(workspace.alice.token)
    channel = new_channel(alice)
    key = str(uuid.uuid4())
    first = alice.chat_postMessage(channel=channel, text="once", client_msg_id=key)
    again = alice.chat_postMessage(channel=channel, text="once", client_msg_id=key)
    assert again["ts"] == first["ts"]
    assert first["message"]["client_msg_id"] == key
    assert [m["text"] for m in history(alice, channel)].count("once") == 1
    posts = [e for e in events(server, workspace.team_id, channel) if e.get("text") == "once"]
    assert len(posts) == 1


def test_me_message(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    channel = new_channel(alice)
    answer = alice.chat_meMessage(channel=channel, text="waves")
    assert answer["channel"] == channel
    assert set(answer.data) == {"ok", "channel", "ts"}
    top = history(alice, channel)[0]
    assert (top["subtype"], top["text"], top["ts"]) == ("me_message", "waves", answer["ts"])
    assert error_of(alice.chat_meMessage, channel=channel, text="") == "no_text"


def test_me_message_in_a_thread(server: Server, workspace: Workspace) -> None:
    """hubbub's extension: chat.meMessage takes thread_ts, checked as chat.postMessage's."""
    alice = server.client(workspace.alice.token)
    channel = new_channel(alice)
    parent = alice.chat_postMessage(channel=channel, text="standup")["ts"]
    answer = alice.chat_meMessage(channel=channel, text="waves", thread_ts=parent)
    assert set(answer.data) == {"ok", "channel", "ts"}
    # A reply's ts names its parent's thread, as for chat.postMessage.
    again = alice.chat_meMessage(channel=channel, text="nods", thread_ts=answer["ts"])
    replies = alice.conversations_replies(channel=channel, ts=parent)["messages"]
    assert [(m["subtype"], m["text"], m["thread_ts"]) for m in replies[1:]] == [
        ("me_message", "waves", parent),
        ("me_message", "nods", parent),
    ]
    assert [m["ts"] for m in replies[1:]] == [answer["ts"], again["ts"]]
    # Replies, not the channel's messages: the parent counts them.
    top = {m["ts"]: m for m in history(alice, channel)}
    assert answer["ts"] not in top and again["ts"] not in top
    assert top[parent]["reply_count"] == 2
    before = history(alice, channel), events(server, workspace.team_id, channel)
    me = alice.chat_meMessage
    for bad in ("1.000001", "garbage", "1.2.3"):
        assert error_of(me, channel=channel, text="x", thread_ts=bad) == "thread_not_found"
        assert error_of(alice.chat_postMessage, channel=channel, text="x", thread_ts=bad) == (
            "thread_not_found"
        )
    assert (history(alice, channel), events(server, workspace.team_id, channel)) == before


# -- chat.getPermalink -----------------------------------------------------------------------


def test_permalink(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    bob = server.client(workspace.bob.token)
    channel = new_channel(alice)
    parent = alice.chat_postMessage(channel=channel, text="top")["ts"]
    reply = alice.chat_postMessage(channel=channel, text="re", thread_ts=parent)["ts"]
    link = bob.chat_getPermalink(channel=channel, message_ts=parent)
    assert link["channel"] == channel
    assert link["permalink"] == f"{server.url}/archives/{channel}/p{parent.replace('.', '')}"
    threaded = alice.chat_getPermalink(channel=channel, message_ts=reply)["permalink"]
    assert threaded == (
        f"{server.url}/archives/{channel}/p{reply.replace('.', '')}"
        f"?thread_ts={parent}&cid={channel}"
    )
    get = alice.chat_getPermalink
    assert error_of(get, channel=channel, message_ts="1.000001") == "message_not_found"
    assert error_of(get, channel=channel, message_ts="nope") == "message_not_found"
    assert error_of(get, channel="CNOSUCHCHAN", message_ts=parent) == "channel_not_found"


# -- chat.update -----------------------------------------------------------------------------


def test_update_edits_and_logs_message_changed(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    channel = new_channel(alice)
    ts = alice.chat_postMessage(channel=channel, text="draft")["ts"]
    answer = alice.chat_update(channel=channel, ts=ts, text="final")
    assert (answer["channel"], answer["ts"], answer["text"]) == (channel, ts, "final")
    assert answer["message"]["text"] == "final"
    edited = answer["message"]["edited"]
    assert edited["user"] == workspace.alice.user_id
    assert edited["ts"] > ts
    top = history(alice, channel)[0]
    assert (top["ts"], top["text"], top["edited"]) == (ts, "final", edited)
    logged = events(server, workspace.team_id, channel)
    [changed] = [e for e in logged if e.get("subtype") == "message_changed"]
    assert changed["type"] == "message"
    assert changed["subtype"] == "message_changed"
    assert changed["hidden"] is True
    assert changed["channel"] == channel
    assert changed["message"]["text"] == "final"
    assert changed["message"]["edited"] == edited
    assert changed["previous_message"]["text"] == "draft"
    assert changed["previous_message"]["ts"] == ts


def test_update_keeps_blocks_unless_told_to_drop_them(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    channel = new_channel(alice)
    blocks = [{"type": "divider"}]
    first = alice.chat_postMessage(channel=channel, text="a", blocks=blocks)
    ts = first["ts"]
    kept = alice.chat_update(channel=channel, ts=ts, text="b")["message"]
    assert kept["blocks"] == first["message"]["blocks"]
    dropped = alice.chat_update(channel=channel, ts=ts, text="c", blocks=[])["message"]
    assert "blocks" not in dropped
    assert "blocks" not in history(alice, channel)[0]


def test_update_errors_write_nothing(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    bob = server.client(workspace.bob.token)
    channel = new_channel(alice, bob)
    ts = alice.chat_postMessage(channel=channel, text="mine")["ts"]
    before_history, before_events = (
        history(alice, channel),
        events(server, workspace.team_id, channel),
    )
    update = alice.chat_update
    assert error_of(bob.chat_update, channel=channel, ts=ts, text="x") == "cant_update_message"
    assert error_of(update, channel=channel, ts="1.000001", text="x") == "message_not_found"
    assert error_of(update, channel=channel, ts="garbage", text="x") == "message_not_found"
    assert error_of(update, channel=channel, ts=ts, text="") == "no_text"
    assert error_of(update, channel=channel, ts=ts, text="x" * 40_001) == "msg_too_long"
    assert error_of(update, channel=channel, ts=ts, blocks=[{"no": "type"}]) == "invalid_blocks"
    assert error_of(update, channel="CNOSUCHCHAN", ts=ts, text="x") == "channel_not_found"
    join = history(alice, channel)[-1]
    assert join["subtype"] == "channel_join"
    assert error_of(update, channel=channel, ts=join["ts"], text="x") == "cant_update_message"
    assert history(alice, channel) == before_history
    assert events(server, workspace.team_id, channel) == before_events


# -- chat.delete -----------------------------------------------------------------------------


def test_delete_by_author_logs_message_deleted(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    channel = new_channel(alice)
    ts = alice.chat_postMessage(channel=channel, text="oops")["ts"]
    answer = alice.chat_delete(channel=channel, ts=ts)
    assert (answer["channel"], answer["ts"]) == (channel, ts)
    assert ts not in [m["ts"] for m in history(alice, channel)]
    [deleted] = [
        e
        for e in events(server, workspace.team_id, channel)
        if e.get("subtype") == "message_deleted"
    ]
    assert deleted["type"] == "message"
    assert deleted["hidden"] is True
    assert deleted["channel"] == channel
    assert deleted["deleted_ts"] == ts
    assert deleted["previous_message"]["text"] == "oops"
    assert error_of(alice.chat_delete, channel=channel, ts=ts) == "message_not_found"


def test_who_may_delete(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)  # a workspace admin
    bob = server.client(workspace.bob.token)
    carol = server.client(workspace.carol.token)
    bot = server.client(workspace.bot.token)
    channel = new_channel(alice, bob, carol, bot)
    by_bob = bob.chat_postMessage(channel=channel, text="bob's")["ts"]
    by_bot = bot.chat_postMessage(channel=channel, text="bot's")["ts"]
    before = events(server, workspace.team_id, channel)
    assert error_of(carol.chat_delete, channel=channel, ts=by_bob) == "cant_delete_message"
    assert error_of(bot.chat_delete, channel=channel, ts=by_bob) == "cant_delete_message"
    assert error_of(bob.chat_delete, channel=channel, ts="1.000001") == "message_not_found"
    assert events(server, workspace.team_id, channel) == before
    alice.chat_delete(channel=channel, ts=by_bob)
    bot.chat_delete(channel=channel, ts=by_bot)
    left = {m["ts"] for m in history(alice, channel)}
    assert by_bob not in left
    assert by_bot not in left
