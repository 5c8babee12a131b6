"""Threads: replies, broadcasts, the parent's counters, and what deleting does to them."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.support.checks import events
from tests.support.servers import (
    Server,
    Workspace,
    module_server,
    module_workspace,
)

server = module_server("threads")
workspace = module_workspace()


@pytest.fixture
def clients(server: Server, workspace: Workspace) -> tuple[WebClient, WebClient, WebClient]:
    return (
        server.client(workspace.alice.token),
        server.client(workspace.bob.token),
        server.client(workspace.carol.token),
    )


def new_channel(client: WebClient, *others: WebClient) -> str:
    channel: str = client.conversations_create(name="t-" + uuid.uuid4().hex[:12])["channel"]["id"]
    for other in others:
        other.conversations_join(channel=channel)
    return channel


def top_level(client: WebClient, channel: str) -> dict[str, dict[str, Any]]:
    return {m["ts"]: m for m in client.conversations_history(channel=channel)["messages"]}


def thread(client: WebClient, channel: str, ts: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.conversations_replies(channel=channel, ts=ts)["messages"]
    return found


def test_replies_count_on_the_parent(
    server: Server, workspace: Workspace, clients: tuple[WebClient, WebClient, WebClient]
) -> None:
    alice, bob, carol = clients
    channel = new_channel(alice, bob, carol)
    parent = alice.chat_postMessage(channel=channel, text="question")["ts"]
    r1 = bob.chat_postMessage(channel=channel, text="a", thread_ts=parent)
    r2 = carol.chat_postMessage(channel=channel, text="b", thread_ts=parent)["ts"]
    # A reply's ts names its thread too.
    r3 = bob.chat_postMessage(channel=channel, text="c", thread_ts=r1["ts"])["ts"]
    assert r1["message"]["thread_ts"] == parent
    assert r1["message"]["parent_user_id"] == workspace.alice.user_id
    shown = top_level(alice, channel)
    assert {r1["ts"], r2, r3}.isdisjoint(shown)
    head = shown[parent]
    assert head["thread_ts"] == parent
    assert head["reply_count"] == 3
    assert head["reply_users_count"] == 2
    assert head["reply_users"] == [workspace.bob.user_id, workspace.carol.user_id]
    assert head["latest_reply"] == r3
    assert [m["ts"] for m in thread(alice, channel, parent)] == [parent, r1["ts"], r2, r3]
    logged = [e for e in events(server, workspace.team_id, channel) if e.get("thread_ts")]
    assert [e["ts"] for e in logged] == [r1["ts"], r2, r3]
    assert all(e["thread_ts"] == parent for e in logged)


def test_reply_broadcast_shows_in_the_channel_too(
    server: Server, workspace: Workspace, clients: tuple[WebClient, WebClient, WebClient]
) -> None:
    alice, bob, _ = clients
    channel = new_channel(alice, bob)
    parent = alice.chat_postMessage(channel=channel, text="plan")["ts"]
    loud = bob.chat_postMessage(
        channel=channel, text="done", thread_ts=parent, reply_broadcast=True
    )
    assert loud["message"]["subtype"] == "thread_broadcast"
    shown = top_level(alice, channel)
    assert shown[loud["ts"]]["subtype"] == "thread_broadcast"
    assert shown[loud["ts"]]["thread_ts"] == parent
    assert shown[parent]["reply_count"] == 1
    assert [m["ts"] for m in thread(alice, channel, parent)] == [parent, loud["ts"]]
    # Without a thread there is nothing to broadcast from: a plain message.
    plain = bob.chat_postMessage(channel=channel, text="x", reply_broadcast=True)["message"]
    assert "subtype" not in plain
    assert "thread_ts" not in plain


def test_reply_to_a_missing_thread_writes_nothing(
    server: Server, workspace: Workspace, clients: tuple[WebClient, WebClient, WebClient]
) -> None:
    alice, _, _ = clients
    channel = new_channel(alice)
    before = events(server, workspace.team_id, channel)
    for bad in ("1.000001", "garbage"):
        with pytest.raises(SlackApiError) as err:
            alice.chat_postMessage(channel=channel, text="x", thread_ts=bad)
        assert err.value.response["error"] == "thread_not_found"
    assert events(server, workspace.team_id, channel) == before


def test_deleting_replies_fixes_the_parent(
    server: Server, workspace: Workspace, clients: tuple[WebClient, WebClient, WebClient]
) -> None:
    alice, bob, carol = clients
    channel = new_channel(alice, bob, carol)
    parent = alice.chat_postMessage(channel=channel, text="q")["ts"]
    by_bob = bob.chat_postMessage(channel=channel, text="1", thread_ts=parent)["ts"]
    by_carol = carol.chat_postMessage(channel=channel, text="2", thread_ts=parent)["ts"]
    carol.chat_delete(channel=channel, ts=by_carol)
    head = top_level(alice, channel)[parent]
    assert head["reply_count"] == 1
    assert head["reply_users"] == [workspace.bob.user_id]
    assert head["reply_users_count"] == 1
    assert head["latest_reply"] == by_bob
    bob.chat_delete(channel=channel, ts=by_bob)
    head = top_level(alice, channel)[parent]
    assert head["reply_count"] == 0
    assert head["reply_users"] == []
    assert "latest_reply" not in head
    assert [m["ts"] for m in thread(alice, channel, parent)] == [parent]


def test_deleting_a_broadcast_reply_fixes_both_views(
    server: Server, workspace: Workspace, clients: tuple[WebClient, WebClient, WebClient]
) -> None:
    alice, bob, _ = clients
    channel = new_channel(alice, bob)
    parent = alice.chat_postMessage(channel=channel, text="q")["ts"]
    loud = bob.chat_postMessage(channel=channel, text="a", thread_ts=parent, reply_broadcast=True)
    bob.chat_delete(channel=channel, ts=loud["ts"])
    shown = top_level(alice, channel)
    assert loud["ts"] not in shown
    assert shown[parent]["reply_count"] == 0


def test_a_deleted_parent_leaves_a_tombstone_until_its_last_reply_goes(
    server: Server, workspace: Workspace, clients: tuple[WebClient, WebClient, WebClient]
) -> None:
    alice, bob, _ = clients
    channel = new_channel(alice, bob)
    parent = alice.chat_postMessage(channel=channel, text="secret")["ts"]
    alice.reactions_add(channel=channel, timestamp=parent, name="eyes")
    alice.pins_add(channel=channel, timestamp=parent)
    reply = bob.chat_postMessage(channel=channel, text="re", thread_ts=parent)["ts"]
    alice.chat_delete(channel=channel, ts=parent)
    tomb = top_level(alice, channel)[parent]
    assert tomb["subtype"] == "tombstone"
    assert tomb["text"] == "This message was deleted."
    assert tomb["reply_count"] == 1
    assert "reactions" not in tomb
    assert "pinned_to" not in tomb
    assert [m["ts"] for m in thread(bob, channel, parent)] == [parent, reply]
    changed = [e for e in events(server, workspace.team_id, channel) if e.get("subtype")]
    assert changed[-1]["subtype"] == "message_changed"
    assert changed[-1]["message"]["subtype"] == "tombstone"
    assert changed[-1]["previous_message"]["text"] == "secret"
    with pytest.raises(SlackApiError) as err:
        alice.chat_delete(channel=channel, ts=parent)
    assert err.value.response["error"] == "message_not_found"
    bob.chat_delete(channel=channel, ts=reply)
    assert parent not in top_level(alice, channel)
    gone = [e for e in events(server, workspace.team_id, channel) if e.get("deleted_ts")]
    assert [e["deleted_ts"] for e in gone] == [reply, parent]
