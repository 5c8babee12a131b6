"""What a client draws a message from, as conversations.history and conversations.replies
give it: reactions (name, users, count), thread counters, edits and pins."""

from __future__ import annotations

import uuid

from tests.support.servers import Server, Workspace, module_server, module_workspace

server = module_server("fields")
workspace = module_workspace()


def test_history_and_replies_carry_what_a_client_shows(
    server: Server, workspace: Workspace
) -> None:
    alice, bob = server.client(workspace.alice.token), server.client(workspace.bob.token)
    carol = server.client(workspace.carol.token)
    a, b, c = workspace.alice.user_id, workspace.bob.user_id, workspace.carol.user_id
    channel = alice.conversations_create(name="f-" + uuid.uuid4().hex[:10])["channel"]["id"]
    bob.conversations_join(channel=channel)
    carol.conversations_join(channel=channel)
    parent = alice.chat_postMessage(channel=channel, text="first")["ts"]
    edited = alice.chat_update(channel=channel, ts=parent, text="first, edited")["message"]
    first_reply = bob.chat_postMessage(channel=channel, text="r1", thread_ts=parent)["ts"]
    last_reply = carol.chat_postMessage(channel=channel, text="r2", thread_ts=parent)["ts"]
    bob.chat_update(channel=channel, ts=first_reply, text="r1, edited")
    for client in (bob, carol):
        client.reactions_add(channel=channel, timestamp=parent, name="tada")
    bob.reactions_add(channel=channel, timestamp=parent, name="eyes")
    carol.reactions_add(channel=channel, timestamp=first_reply, name="+1")
    alice.pins_add(channel=channel, timestamp=parent)
    alice.pins_add(channel=channel, timestamp=first_reply)

    history = alice.conversations_history(channel=channel)["messages"]
    [top] = [m for m in history if m["ts"] == parent]
    assert top["text"] == "first, edited"
    assert top["edited"] == {"user": a, "ts": edited["edited"]["ts"]}
    assert top["thread_ts"] == parent
    assert (top["reply_count"], top["reply_users_count"]) == (2, 2)
    assert top["reply_users"] == [b, c]
    assert top["latest_reply"] == last_reply
    assert top["reactions"] == [
        {"name": "tada", "users": [b, c], "count": 2},
        {"name": "eyes", "users": [b], "count": 1},
    ]
    assert top["pinned_to"] == [channel]

    thread = alice.conversations_replies(channel=channel, ts=parent)["messages"]
    assert [m["ts"] for m in thread] == [parent, first_reply, last_reply]
    assert thread[0] == top
    reply = thread[1]
    assert reply["thread_ts"] == parent and reply["parent_user_id"] == a
    assert reply["edited"]["user"] == b and reply["text"] == "r1, edited"
    assert reply["reactions"] == [{"name": "+1", "users": [c], "count": 1}]
    assert reply["pinned_to"] == [channel]
    assert "reply_count" not in reply
    assert "reactions" not in thread[2] and "edited" not in thread[2]
