"""pins.add, pins.remove and pins.list over slack_sdk."""

from __future__ import annotations

import uuid

from slack_sdk import WebClient

from tests.support.checks import error_of, events
from tests.support.servers import (
    Server,
    Workspace,
    module_server,
    module_workspace,
)

server = module_server("pins")
workspace = module_workspace()


def new_channel(client: WebClient, *others: WebClient) -> str:
    channel: str = client.conversations_create(name="p-" + uuid.uuid4().hex[:12])["channel"]["id"]
    for other in others:
        other.conversations_join(channel=channel)
    return channel


def test_pin_shows_in_history_and_logs_pin_added(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    bob = server.client(workspace.bob.token)
    channel = new_channel(alice, bob)
    ts = bob.chat_postMessage(channel=channel, text="read me")["ts"]
    assert alice.pins_add(channel=channel, timestamp=ts).data == {"ok": True}
    page = alice.conversations_history(channel=channel)
    assert page["pin_count"] == 1
    assert page["messages"][0]["pinned_to"] == [channel]
    added = events(server, workspace.team_id, channel)[-1]
    assert added["type"] == "pin_added"
    assert added["user"] == workspace.alice.user_id
    assert added["channel_id"] == channel
    assert added["item_user"] == workspace.bob.user_id
    assert added["pin_count"] == 1
    assert added["event_ts"]
    item = added["item"]
    assert (item["type"], item["channel"], item["created_by"]) == (
        "message",
        channel,
        added["user"],
    )
    assert (item["message"]["ts"], item["message"]["pinned_to"]) == (ts, [channel])
    assert added["pinned_info"] == {
        "channel": channel,
        "pinned_by": workspace.alice.user_id,
        "pinned_ts": item["created"],
    }


def test_pin_errors_write_nothing(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    carol = server.client(workspace.carol.token)
    channel = new_channel(alice)
    ts = alice.chat_postMessage(channel=channel, text="x")["ts"]
    alice.pins_add(channel=channel, timestamp=ts)
    before = events(server, workspace.team_id, channel)
    add = alice.pins_add
    assert error_of(add, channel=channel, timestamp=ts) == "already_pinned"
    assert error_of(add, channel=channel, timestamp="1.000001") == "message_not_found"
    assert error_of(add, channel=channel, timestamp="soon") == "bad_timestamp"
    assert error_of(add, channel=channel, timestamp="") == "no_item_specified"
    assert error_of(add, channel="CNOSUCHCHAN", timestamp=ts) == "channel_not_found"
    assert error_of(carol.pins_add, channel=channel, timestamp=ts) == "not_in_channel"
    assert events(server, workspace.team_id, channel) == before
    assert alice.conversations_history(channel=channel)["pin_count"] == 1


def test_remove(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    bob = server.client(workspace.bob.token)
    channel = new_channel(alice, bob)
    first = alice.chat_postMessage(channel=channel, text="one")["ts"]
    second = alice.chat_postMessage(channel=channel, text="two")["ts"]
    alice.pins_add(channel=channel, timestamp=first)
    alice.pins_add(channel=channel, timestamp=second)
    before = events(server, workspace.team_id, channel)
    assert error_of(bob.pins_remove, channel=channel, timestamp="1.000001") == "message_not_found"
    bob.pins_remove(channel=channel, timestamp=first)  # any member may un-pin
    assert error_of(bob.pins_remove, channel=channel, timestamp=first) == "no_pin"
    logged = events(server, workspace.team_id, channel)
    [removed] = logged[len(before) :]
    assert removed["type"] == "pin_removed"
    assert removed["user"] == workspace.bob.user_id
    assert removed["channel_id"] == channel
    assert removed["item"]["message"]["ts"] == first
    assert removed["item"]["created_by"] == workspace.alice.user_id
    assert removed["pin_count"] == 1
    assert removed["has_pins"] is True
    page = alice.conversations_history(channel=channel)
    assert page["pin_count"] == 1
    pinned = {m["ts"]: m.get("pinned_to") for m in page["messages"]}
    assert pinned[first] is None
    assert pinned[second] == [channel]
    alice.pins_remove(channel=channel, timestamp=second)
    assert events(server, workspace.team_id, channel)[-1]["has_pins"] is False


def test_list(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    bob = server.client(workspace.bob.token)
    channel = new_channel(alice)
    older = alice.chat_postMessage(channel=channel, text="older")["ts"]
    newer = alice.chat_postMessage(channel=channel, text="newer")["ts"]
    alice.pins_add(channel=channel, timestamp=older)
    alice.pins_add(channel=channel, timestamp=newer)
    alice.reactions_add(channel=channel, timestamp=newer, name="pushpin")
    items = bob.pins_list(channel=channel)["items"]  # a public channel: non-members may look
    assert [i["message"]["ts"] for i in items] == [newer, older]
    item = items[0]
    assert set(item) == {"type", "created", "created_by", "channel", "message"}
    assert (item["type"], item["channel"], item["created_by"]) == (
        "message",
        channel,
        workspace.alice.user_id,
    )
    assert isinstance(item["created"], int)
    assert item["message"]["pinned_to"] == [channel]
    assert item["message"]["reactions"][0]["name"] == "pushpin"
    assert item["message"]["permalink"] == (
        f"{server.url}/archives/{channel}/p{newer.replace('.', '')}"
    )
    assert error_of(bob.pins_list, channel="CNOSUCHCHAN") == "channel_not_found"
    # Deleting a pinned message takes its pin with it.
    alice.chat_delete(channel=channel, ts=newer)
    assert [i["message"]["ts"] for i in alice.pins_list(channel=channel)["items"]] == [older]
    assert alice.conversations_history(channel=channel)["pin_count"] == 1
