"""conversations.mark tells every RTM session of the person who marked, and nobody else."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from tests.support.checks import error_of, read_log
from tests.support.rtm import Event, new_channel, of_type, rtm
from tests.support.servers import Server, Workspace, module_server, module_workspace

server = module_server("marked")
workspace = module_workspace()

MARKED = ("channel_marked", "group_marked", "im_marked")


def marks(frames: list[Event]) -> list[Event]:
    return [f for f in frames if f.get("type") in MARKED]


def post(client: WebClient, channel: str, text: str) -> str:
    ts: str = client.chat_postMessage(channel=channel, text=text)["ts"]
    return ts


def _counts(unread: int, mentions: int) -> dict[str, Any]:
    return {
        "unread_count": unread,
        "unread_count_display": unread,
        "num_mentions": mentions,
        "num_mentions_display": mentions,
        "mention_count": mentions,
        "mention_count_display": mentions,
    }


def test_both_sessions_of_the_marker_hear_it_and_nobody_else(
    server: Server, workspace: Workspace
) -> None:
    alice, bob = server.client(workspace.alice.token), server.client(workspace.bob.token)
    channel = new_channel(alice, workspace.bob.user_id)
    first = post(bob, channel, "one")
    post(bob, channel, f"two <@{workspace.alice.user_id}>")
    post(bob, channel, "three")
    with (
        rtm(server, workspace.alice.token) as tab1,
        rtm(server, workspace.alice.token) as tab2,
        rtm(server, workspace.bob.token) as bobs,
    ):
        for socket in (tab1, tab2, bobs):
            socket.sync()
        alice.conversations_mark(channel=channel, ts=first)
        for tab in (tab1, tab2):
            [event] = marks(tab.until(of_type("channel_marked")))
            assert set(event) == {"type", "channel", "ts", "event_ts", *_counts(0, 0)}
            assert event == {
                "type": "channel_marked",
                "channel": channel,
                "ts": first,
                "event_ts": event["event_ts"],
                **_counts(2, 1),
            }
            assert event["event_ts"] > first
        assert marks(bobs.sync()) == []


def _marked_once(server: Server, token: str, client: WebClient, channel: str) -> Event:
    with rtm(server, token) as socket:
        socket.sync()
        latest = client.conversations_history(channel=channel, limit=1)["messages"][0]["ts"]
        client.conversations_mark(channel=channel, ts=latest)
        [event] = marks(socket.until(lambda e: e.get("type") in MARKED))
        assert event["ts"] == latest
        return event


def test_each_kind_of_conversation_has_its_event(server: Server, workspace: Workspace) -> None:
    alice, bob = server.client(workspace.alice.token), server.client(workspace.bob.token)
    token = workspace.alice.token
    private = new_channel(alice, workspace.bob.user_id, private=True)
    post(bob, private, "secret")
    assert _marked_once(server, token, alice, private)["type"] == "group_marked"

    mpim = alice.conversations_open(users=f"{workspace.bob.user_id},{workspace.carol.user_id}")
    mpim_id = mpim["channel"]["id"]
    post(bob, mpim_id, "all three of us")
    assert _marked_once(server, token, alice, mpim_id)["type"] == "group_marked"

    dm = bob.conversations_open(users=workspace.alice.user_id)["channel"]["id"]
    post(bob, dm, "psst")
    post(bob, dm, "hello?")
    first = bob.conversations_history(channel=dm, limit=2)["messages"][1]["ts"]
    with rtm(server, token) as socket:
        socket.sync()
        alice.conversations_mark(channel=dm, ts=first)
        [event] = marks(socket.until(of_type("im_marked")))
    # In a DM every unread message counts as a mention.
    assert {k: event[k] for k in _counts(0, 0)} == _counts(1, 1)
    assert event["channel"] == dm


def test_marks_are_not_logged(server: Server, workspace: Workspace) -> None:
    """Ephemeral: neither the channel's log nor a resume replays them."""
    alice, bob = server.client(workspace.alice.token), server.client(workspace.bob.token)
    channel = new_channel(alice, workspace.bob.user_id)
    ts = post(bob, channel, "read me")
    with rtm(server, workspace.alice.token) as socket:
        socket.sync()
        alice.conversations_mark(channel=channel, ts=ts)
        [event] = marks(socket.until(of_type("channel_marked")))
        assert "hubbub_cursor" not in event
        cursor = socket.cursor
    logged = read_log(server.data_dir, workspace.team_id, channel)
    assert not [e for e in logged if e.type in MARKED]
    alice.conversations_mark(channel=channel, ts=ts)  # while no session is open
    with rtm(server, workspace.alice.token, resume=cursor) as again:
        assert marks(again.sync()) == []


def test_a_refused_mark_tells_nobody(server: Server, workspace: Workspace) -> None:
    alice, carol = server.client(workspace.alice.token), server.client(workspace.carol.token)
    channel = new_channel(alice)
    ts = post(alice, channel, "carol is not here")
    with rtm(server, workspace.carol.token) as socket:
        socket.sync()
        assert error_of(carol.conversations_mark, channel=channel, ts=ts) == "not_in_channel"
        assert marks(socket.sync()) == []
