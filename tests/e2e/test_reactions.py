"""reactions.add, reactions.remove, reactions.get and reactions.list over slack_sdk."""

from __future__ import annotations

import uuid
from typing import Any

from slack_sdk import WebClient

from hubbub.services import emoji
from tests.support.checks import error_of, events
from tests.support.servers import (
    Server,
    Workspace,
    module_server,
    module_workspace,
)

server = module_server("reactions")
workspace = module_workspace()


def new_channel(client: WebClient, *others: WebClient, private: bool = False) -> str:
    name = "r-" + uuid.uuid4().hex[:12]
    channel: str = client.conversations_create(name=name, is_private=private)["channel"]["id"]
    for other in others:
        other.conversations_join(channel=channel)
    return channel


def shown(client: WebClient, channel: str, ts: str) -> dict[str, Any]:
    found = client.conversations_history(channel=channel, latest=ts, inclusive=True, limit=1)
    message: dict[str, Any] = found["messages"][0]
    assert message["ts"] == ts
    return message


def test_add_shows_on_the_message_and_logs_reaction_added(
    server: Server, workspace: Workspace
) -> None:
    alice = server.client(workspace.alice.token)
    bob = server.client(workspace.bob.token)
    channel = new_channel(alice, bob)
    ts = bob.chat_postMessage(channel=channel, text="ship it?")["ts"]
    assert alice.reactions_add(channel=channel, timestamp=ts, name=":+1:").data == {"ok": True}
    bob.reactions_add(channel=channel, timestamp=ts, name="+1")
    bob.reactions_add(channel=channel, timestamp=ts, name="tada")
    alice.reactions_add(channel=channel, timestamp=ts, name="thumbsup::skin-tone-2")
    assert shown(alice, channel, ts)["reactions"] == [
        {"name": "+1", "users": [workspace.alice.user_id, workspace.bob.user_id], "count": 2},
        {"name": "tada", "users": [workspace.bob.user_id], "count": 1},
        {"name": "thumbsup::skin-tone-2", "users": [workspace.alice.user_id], "count": 1},
    ]
    logged = events(server, workspace.team_id, channel)
    first = next(e for e in logged if e["type"].startswith("reaction_"))
    assert first["type"] == "reaction_added"
    assert first["user"] == workspace.alice.user_id
    assert first["reaction"] == "+1"
    assert first["item_user"] == workspace.bob.user_id
    assert first["item"] == {"type": "message", "channel": channel, "ts": ts}
    assert first["event_ts"]


def test_add_errors_write_nothing(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    bot = server.client(workspace.bot.token)
    channel = new_channel(alice)
    ts = alice.chat_postMessage(channel=channel, text="hi")["ts"]
    alice.reactions_add(channel=channel, timestamp=ts, name="wave")
    before_message, before_log = (
        shown(alice, channel, ts),
        events(server, workspace.team_id, channel),
    )
    add = alice.reactions_add
    assert error_of(add, channel=channel, timestamp=ts, name="wave") == "already_reacted"
    assert error_of(add, channel=channel, timestamp=ts, name=":wave:") == "already_reacted"
    for bad in ("", "Big Smile", "a:b", "::", "x" * 120, "no_such_emoji", "wave::skin-tone-9"):
        assert error_of(add, channel=channel, timestamp=ts, name=bad) == "invalid_name"
    assert error_of(add, channel=channel, timestamp="1.000001", name="x") == "message_not_found"
    assert error_of(add, channel=channel, timestamp="nope", name="x") == "bad_timestamp"
    assert error_of(add, channel="CNOSUCHCHAN", timestamp=ts, name="x") == "channel_not_found"
    assert error_of(add, channel=channel, timestamp="", name="x") == "no_item_specified"
    assert error_of(bot.reactions_add, channel=channel, timestamp=ts, name="x") == "not_in_channel"
    assert shown(alice, channel, ts) == before_message
    assert events(server, workspace.team_id, channel) == before_log


def test_reaction_limits(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    bob = server.client(workspace.bob.token)
    carol = server.client(workspace.carol.token)
    channel = new_channel(alice, bob, carol)
    ts = alice.chat_postMessage(channel=channel, text="react away")["ts"]
    names = sorted(emoji.known_names())[:51]
    for who, chunk in ((alice, names[:23]), (bob, names[23:46]), (carol, names[46:50])):
        for name in chunk:
            who.reactions_add(channel=channel, timestamp=ts, name=name)
    # One person may add 23 names to a message; a message may hold 50 distinct names.
    assert error_of(alice.reactions_add, channel=channel, timestamp=ts, name=names[49]) == (
        "too_many_reactions"
    )
    assert error_of(carol.reactions_add, channel=channel, timestamp=ts, name=names[50]) == (
        "too_many_emoji"
    )
    carol.reactions_add(channel=channel, timestamp=ts, name=names[0])  # an existing name still fits
    assert len(shown(alice, channel, ts)["reactions"]) == 50


def test_remove(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    bob = server.client(workspace.bob.token)
    channel = new_channel(alice, bob)
    ts = alice.chat_postMessage(channel=channel, text="hm")["ts"]
    alice.reactions_add(channel=channel, timestamp=ts, name="eyes")
    before = events(server, workspace.team_id, channel)
    remove = bob.reactions_remove
    assert error_of(remove, channel=channel, timestamp=ts, name="eyes") == "no_reaction"
    assert error_of(remove, channel=channel, timestamp="1.000001", name="eyes") == (
        "message_not_found"
    )
    assert error_of(remove, channel=channel, timestamp=ts, name="Not Valid") == "invalid_name"
    assert events(server, workspace.team_id, channel) == before
    assert alice.reactions_remove(channel=channel, timestamp=ts, name=":eyes:")["ok"] is True
    assert "reactions" not in shown(alice, channel, ts)
    removed = events(server, workspace.team_id, channel)[-1]
    assert removed["type"] == "reaction_removed"
    assert removed["user"] == workspace.alice.user_id
    assert removed["reaction"] == "eyes"
    assert removed["item_user"] == workspace.alice.user_id
    assert removed["item"] == {"type": "message", "channel": channel, "ts": ts}


def test_get(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    bob = server.client(workspace.bob.token)
    channel = new_channel(alice)
    parent = alice.chat_postMessage(channel=channel, text="top")["ts"]
    reply = alice.chat_postMessage(channel=channel, text="in thread", thread_ts=parent)["ts"]
    alice.reactions_add(channel=channel, timestamp=reply, name="heart")
    # bob is not a member; the channel is public, so he may read it.
    got = bob.reactions_get(channel=channel, timestamp=reply, full=True)
    assert got["type"] == "message"
    assert got["channel"] == channel
    message = got["message"]
    assert (message["ts"], message["text"], message["thread_ts"]) == (reply, "in thread", parent)
    assert message["reactions"] == [
        {"name": "heart", "users": [workspace.alice.user_id], "count": 1}
    ]
    assert message["permalink"].startswith(f"{server.url}/archives/{channel}/p")
    assert "reactions" not in alice.reactions_get(channel=channel, timestamp=parent)["message"]
    get = alice.reactions_get
    assert error_of(get, channel=channel, timestamp="1.000001") == "message_not_found"
    assert error_of(get, channel=channel) == "no_item_specified"
    secret = new_channel(alice, private=True)
    hidden = alice.chat_postMessage(channel=secret, text="s")["ts"]
    assert error_of(bob.reactions_get, channel=secret, timestamp=hidden) == "channel_not_found"


def test_list_pages_through_the_callers_reactions(server: Server, workspace: Workspace) -> None:
    carol = server.client(workspace.carol.token)
    bob = server.client(workspace.bob.token)
    channel = new_channel(carol)
    assert server.client(workspace.bot.token).reactions_list()["items"] == []
    secret = new_channel(carol, private=True)
    posted = [carol.chat_postMessage(channel=channel, text=f"m{i}")["ts"] for i in range(3)]
    for ts in posted:
        carol.reactions_add(channel=channel, timestamp=ts, name="star")
    carol.reactions_add(channel=channel, timestamp=posted[0], name="fire")
    hidden = carol.chat_postMessage(channel=secret, text="private")["ts"]
    carol.reactions_add(channel=secret, timestamp=hidden, name="lock")

    seen: list[tuple[str, str]] = []
    cursor = None
    pages = 0
    while True:
        page = carol.reactions_list(limit=2, cursor=cursor)
        pages += 1
        for item in page["items"]:
            assert item["type"] == "message"
            assert item["channel"] == item["message"]["permalink"].split("/")[-2]
            seen.append((item["channel"], item["message"]["text"]))
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    # Each message once, by the caller's newest reaction on it, newest first (m0 got a second
    # name last), on every page. (Other tests of this module reacted earlier as carol too:
    # those come after.)
    assert seen[:4] == [(secret, "private"), (channel, "m0"), (channel, "m2"), (channel, "m1")]
    assert len(seen) == len(set(seen))
    assert pages >= 2
    others_view = bob.reactions_list(user=workspace.carol.user_id)["items"]
    assert [i["message"]["text"] for i in others_view][:3] == ["m0", "m2", "m1"]
    assert secret not in {i["channel"] for i in others_view}
    assert error_of(bob.reactions_list, user="UNOSUCHUSER") == "user_not_found"
    assert error_of(bob.reactions_list, cursor="not-a-cursor") == "invalid_cursor"
