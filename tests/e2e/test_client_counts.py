"""client.counts over slack_sdk: unread and mention counts of each of the caller's conversations."""

from __future__ import annotations

import uuid
from typing import Any

from slack_sdk import WebClient

from hubbub.api.registry import TIER_3
from hubbub.api.routes import method_table
from tests.support.servers import Server, Workspace, module_server, module_workspace

server = module_server("counts")
workspace = module_workspace()

KEYS = {"id", "last_read", "latest", "updated", "has_unreads", "mention_count", "unread_count"}


def counts(client: WebClient) -> dict[str, Any]:
    answer = client.api_call("client.counts").data
    assert isinstance(answer, dict) and answer["ok"] is True
    assert set(answer) == {"ok", "channels", "mpims", "ims", "threads"}
    assert answer["threads"] == {"has_unreads": False, "mention_count": 0}
    return answer


def entry(client: WebClient, channel: str, group: str = "channels") -> dict[str, Any] | None:
    answer = counts(client)
    found = {e["id"]: e for e in answer[group]}
    for other in {"channels", "mpims", "ims"} - {group}:
        assert channel not in {e["id"] for e in answer[other]}
    if channel in found:
        assert set(found[channel]) == KEYS
    return found.get(channel)


def numbers(client: WebClient, channel: str, group: str = "channels") -> tuple[int, int, bool]:
    found = entry(client, channel, group)
    assert found is not None, f"{channel} not in {group}"
    return found["unread_count"], found["mention_count"], found["has_unreads"]


def fresh_channel(ws: Workspace, srv: Server, *, private: bool = False) -> str:
    """Alice's new channel with Bob in it, read up to now by both."""
    alice, bob = srv.client(ws.alice.token), srv.client(ws.bob.token)
    name = "n-" + uuid.uuid4().hex[:10]
    channel: str = alice.conversations_create(name=name, is_private=private)["channel"]["id"]
    alice.conversations_invite(channel=channel, users=ws.bob.user_id)
    read_all(alice, channel)
    read_all(bob, channel)
    return channel


def read_all(client: WebClient, channel: str) -> None:
    latest = client.conversations_history(channel=channel, limit=1)["messages"][0]["ts"]
    client.conversations_mark(channel=channel, ts=latest)


def post(client: WebClient, channel: str, text: str, **args: Any) -> str:
    ts: str = client.chat_postMessage(channel=channel, text=text, **args)["ts"]
    return ts


def test_unreads_and_mentions_before_and_after_marks(server: Server, workspace: Workspace) -> None:
    alice, bob = server.client(workspace.alice.token), server.client(workspace.bob.token)
    me = workspace.alice.user_id
    channel = fresh_channel(workspace, server)
    assert numbers(alice, channel) == (0, 0, False)

    first = post(bob, channel, "plain")
    second = post(bob, channel, f"look <@{me}>")
    post(alice, channel, f"my own, even naming <@{me}> and <!here>")
    post(bob, channel, "<!here|here> all")
    post(bob, channel, f"<@{me}|alice> with a label")
    post(bob, channel, f"<@{workspace.carol.user_id}> not you")
    last = post(bob, channel, "<!channel> and <!everyone>")
    found = entry(alice, channel)
    assert found is not None
    assert (found["unread_count"], found["mention_count"], found["has_unreads"]) == (6, 4, True)
    assert found["latest"] == found["updated"] == last
    assert found["last_read"] < first

    alice.conversations_mark(channel=channel, ts=second)
    assert numbers(alice, channel) == (4, 3, True)
    alice.conversations_mark(channel=channel, ts=last)
    found = entry(alice, channel)
    assert found is not None and found["last_read"] == last
    assert (found["unread_count"], found["mention_count"], found["has_unreads"]) == (0, 0, False)
    # Marking back (mark as unread) counts again from there.
    alice.conversations_mark(channel=channel, ts=first)
    assert numbers(alice, channel) == (5, 4, True)
    # Bob wrote them all but alice's one, which he has not read.
    assert numbers(bob, channel) == (1, 1, True)


def test_thread_replies_count_only_when_shown_in_the_channel(
    server: Server, workspace: Workspace
) -> None:
    alice, bob = server.client(workspace.alice.token), server.client(workspace.bob.token)
    me = workspace.alice.user_id
    channel = fresh_channel(workspace, server)
    parent = post(alice, channel, "a thread")
    post(bob, channel, f"reply <@{me}>", thread_ts=parent)
    assert numbers(alice, channel) == (0, 0, False)
    post(bob, channel, f"broadcast <@{me}>", thread_ts=parent, reply_broadcast=True)
    assert numbers(alice, channel) == (1, 1, True)


def test_deleted_messages_do_not_count(server: Server, workspace: Workspace) -> None:
    alice, bob = server.client(workspace.alice.token), server.client(workspace.bob.token)
    me = workspace.alice.user_id
    channel = fresh_channel(workspace, server)
    gone = post(bob, channel, f"oops <@{me}>")
    kept = post(bob, channel, "kept")
    parent = post(bob, channel, f"a parent <@{me}>")
    post(alice, channel, "my reply keeps it as a tombstone", thread_ts=parent)
    assert numbers(alice, channel) == (3, 2, True)
    bob.chat_delete(channel=channel, ts=gone)
    bob.chat_delete(channel=channel, ts=parent)
    found = entry(alice, channel)
    assert found is not None
    assert (found["unread_count"], found["mention_count"]) == (1, 0)
    assert found["latest"] == kept


def test_private_channels_are_listed_with_channels(server: Server, workspace: Workspace) -> None:
    alice, bob = server.client(workspace.alice.token), server.client(workspace.bob.token)
    channel = fresh_channel(workspace, server, private=True)
    post(bob, channel, f"<@{workspace.alice.user_id}> secret")
    assert numbers(alice, channel) == (1, 1, True)
    # Carol is no member: it is not hers to count.
    assert entry(server.client(workspace.carol.token), channel) is None


def test_every_unread_message_of_a_dm_counts_as_a_mention(
    server: Server, workspace: Workspace
) -> None:
    alice, carol = server.client(workspace.alice.token), server.client(workspace.carol.token)
    dm = carol.conversations_open(users=workspace.alice.user_id)["channel"]["id"]
    read_all_or_nothing(alice, dm)
    post(carol, dm, "hi")
    post(carol, dm, "are you there?")
    post(alice, dm, "mine does not count")
    assert numbers(alice, dm, "ims") == (2, 2, True)
    assert numbers(carol, dm, "ims") == (1, 1, True)
    read_all(alice, dm)
    assert numbers(alice, dm, "ims") == (0, 0, False)


def read_all_or_nothing(client: WebClient, channel: str) -> None:
    """Marks a conversation read if it holds any message yet."""
    found = client.conversations_history(channel=channel, limit=1)["messages"]
    if found:
        client.conversations_mark(channel=channel, ts=found[0]["ts"])


def test_group_dms_count_mentions_as_channels_do(server: Server, workspace: Workspace) -> None:
    alice, bob = server.client(workspace.alice.token), server.client(workspace.bob.token)
    others = f"{workspace.bob.user_id},{workspace.carol.user_id}"
    mpim = alice.conversations_open(users=others)["channel"]["id"]
    read_all_or_nothing(alice, mpim)
    post(bob, mpim, "plain")
    post(bob, mpim, f"<@{workspace.alice.user_id}> you")
    assert numbers(alice, mpim, "mpims") == (2, 1, True)


def test_a_channel_left_or_archived_is_not_counted(server: Server, workspace: Workspace) -> None:
    alice, bob = server.client(workspace.alice.token), server.client(workspace.bob.token)
    left = fresh_channel(workspace, server)
    post(bob, left, "after you went")
    assert entry(alice, left) is not None
    alice.conversations_leave(channel=left)
    post(bob, left, f"<@{workspace.alice.user_id}> come back")
    assert entry(alice, left) is None
    assert numbers(bob, left) == (1, 0, True)  # alice's leave, which bob has not read

    archived = fresh_channel(workspace, server)
    post(bob, archived, "last words")
    alice.conversations_archive(channel=archived)
    assert entry(alice, archived) is None


def test_a_member_of_many_conversations_gets_them_all(server: Server, workspace: Workspace) -> None:
    carol = server.client(workspace.carol.token)
    made = [
        carol.conversations_create(name="many-" + uuid.uuid4().hex[:10])["channel"]["id"]
        for _ in range(30)
    ]
    listed = {e["id"] for e in counts(carol)["channels"]}
    assert set(made) <= listed


def test_tier() -> None:
    assert method_table()["client.counts"].tier == TIER_3


def test_a_newcomer_has_read_what_came_before_the_join(
    server: Server, workspace: Workspace
) -> None:
    alice = server.client(workspace.alice.token)
    carol = server.client(workspace.carol.token)
    channel = alice.conversations_create(name=f"old-{uuid.uuid4().hex[:8]}")["channel"]["id"]
    for i in range(5):
        alice.chat_postMessage(channel=channel, text=f"history {i} <!channel>")
    carol.conversations_join(channel=channel)
    assert numbers(carol, channel) == (0, 0, False)
    assert carol.conversations_info(channel=channel)["channel"]["unread_count"] == 0
    alice.chat_postMessage(channel=channel, text="news")
    assert numbers(carol, channel) == (1, 0, True)
