"""The RTM gateway over real sockets: slack_sdk's RTMClient and raw WebSocket clients."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.rtm_v2 import RTMClient
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.support.rtm import Event, Rtm, history_ts, new_channel, of_type, rtm, text_is
from tests.support.servers import (
    Server,
    Workspace,
    make_workspace,
    module_server,
    module_workspace,
    threaded_server,
)

server = module_server("rtm")
workspace = module_workspace()


# -- rtm.connect and the ticket ---------------------------------------------------------------


def test_connect_answers_slacks_shape(server: Server, workspace: Workspace) -> None:
    answer = server.client(workspace.alice.token).rtm_connect()
    assert answer["url"].startswith(server.url.replace("http://", "ws://") + "/rtm?ticket=")
    assert answer["self"] == {"id": workspace.alice.user_id, "name": "alice"}
    assert answer["team"] == {"id": workspace.team_id, "name": "Acme", "domain": "acme"}
    with pytest.raises(SlackApiError) as err:
        server.client(workspace.alice.token).rtm_connect(resume="not a cursor")
    assert err.value.response["error"] == "invalid_cursor"


def test_ticket_is_single_use(server: Server, workspace: Workspace) -> None:
    url = server.client(workspace.bob.token).rtm_connect()["url"]
    with connect(url) as first:
        assert json.loads(first.recv(timeout=5))["type"] == "hello"
        with connect(url) as second:
            assert json.loads(second.recv(timeout=5)) == {
                "type": "error",
                "error": {"code": 1, "msg": "Socket URL has expired"},
            }
            with pytest.raises(ConnectionClosed):
                second.recv(timeout=5)
    with connect(url.split("?")[0] + "?ticket=made-up") as forged:
        assert json.loads(forged.recv(timeout=5))["error"]["code"] == 1


def test_slack_sdk_rtm_client_gets_hello_and_messages(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    channel = new_channel(alice, workspace.bot.user_id)
    client = RTMClient(token=workspace.bot.token, base_url=server.api_url, ping_interval=30)
    hello, got = threading.Event(), threading.Event()
    received: list[Event] = []

    @client.on("hello")
    def on_hello(_client: RTMClient, _event: Event) -> None:
        hello.set()

    @client.on("message")
    def on_message(_client: RTMClient, event: Event) -> None:
        received.append(event)
        if event.get("text") == "hello bot":
            got.set()

    client.connect()  # type: ignore[no-untyped-call]
    try:
        assert hello.wait(10)
        posted = alice.chat_postMessage(channel=channel, text="hello bot")
        assert got.wait(10)
    finally:
        client.close()
    [event] = [e for e in received if e.get("text") == "hello bot"]
    assert event["ts"] == posted["ts"]
    assert event["channel"] == channel
    assert event["user"] == workspace.alice.user_id


# -- delivery: every event once, in the log's order ------------------------------------------


def test_two_clients_get_every_message_once_in_history_order(
    server: Server, workspace: Workspace
) -> None:
    alice = server.client(workspace.alice.token)
    channel = new_channel(alice, workspace.bob.user_id, workspace.carol.user_id)
    posters = [server.client(m.token) for m in (workspace.alice, workspace.bob, workspace.carol)]
    total = 1000

    def post(n: int) -> str:
        ts: str = posters[n % 3].chat_postMessage(channel=channel, text=f"m{n}")["ts"]
        return ts

    with rtm(server, workspace.bob.token) as bob, rtm(server, workspace.carol.token) as carol:
        with ThreadPoolExecutor(4) as pool:
            posted = set(pool.map(post, range(total)))
        alice.chat_postMessage(channel=channel, text="the end")
        streams = []
        for client in (bob, carol):
            seen = client.until(text_is("the end"), timeout=30)
            streams.append([e["ts"] for e in seen if e.get("channel") == channel and "ts" in e])
    expected = [ts for ts in history_ts(alice, channel) if ts in posted]
    assert len(expected) == total
    for got in streams:
        got = [ts for ts in got if ts in posted]
        assert got == expected


def test_resume_replays_exactly_what_was_missed(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    channel = new_channel(alice, workspace.bob.user_id)
    with rtm(server, workspace.bob.token) as bob:
        for n in range(5):
            alice.chat_postMessage(channel=channel, text=f"before {n}")
        bob.until(text_is("before 4"))
        cursor = bob.cursor
        last = int(bob.positions[channel].partition(":")[2])
    missed = [alice.chat_postMessage(channel=channel, text=f"missed {n}")["ts"] for n in range(5)]
    alice.reactions_add(channel=channel, timestamp=missed[0], name="eyes")
    with rtm(server, workspace.bob.token, resume=cursor) as bob:
        live = alice.chat_postMessage(channel=channel, text="live")["ts"]
        seen = [e for e in bob.until(text_is("live")) if e.get("hubbub_cursor")]
    in_channel = [e for e in seen if e["hubbub_cursor"].startswith(channel + ":")]
    seqs = [int(e["hubbub_cursor"].partition(":")[2]) for e in in_channel]
    assert seqs == list(range(last + 1, last + 1 + len(seqs)))
    assert [e["ts"] for e in in_channel if e["type"] == "message"] == [*missed, live]
    assert [e["type"] for e in in_channel] == ["message"] * 5 + ["reaction_added", "message"]


def test_a_resume_longer_than_the_send_queue_is_paced_not_dropped(
    server: Server, workspace: Workspace
) -> None:
    alice = server.client(workspace.alice.token)
    channel = new_channel(alice, workspace.bob.user_id)
    with rtm(server, workspace.bob.token) as bob:
        cursor = bob.cursor
    total = 1500  # the send queue holds 1,000 frames

    def post(n: int) -> str:
        ts: str = alice.chat_postMessage(channel=channel, text=f"m{n}")["ts"]
        return ts

    with ThreadPoolExecutor(4) as pool:
        posted = set(pool.map(post, range(total)))
    with rtm(server, workspace.bob.token, resume=cursor) as bob:
        alice.chat_postMessage(channel=channel, text="live")
        seen = bob.until(text_is("live"), timeout=30)
    got = [e["ts"] for e in seen if e.get("ts") in posted]
    assert got == [ts for ts in history_ts(alice, channel) if ts in posted]
    assert not [e for e in seen if e.get("type") == "goodbye"]


def test_resume_with_a_cursor_ahead_of_the_log_asks_for_resync(
    server: Server, workspace: Workspace
) -> None:
    cursor = f"{workspace.team_id}:999999"
    url = server.client(workspace.carol.token).rtm_connect(resume=cursor)["url"]
    with connect(url) as socket:
        client = Rtm(socket)
        assert client.recv()["type"] == "hello"
        resync = client.recv()
        assert resync["type"] == "resync_required"
        assert workspace.team_id + ":" in resync["hubbub_cursor"]


# -- membership: private channels, joins and leaves ------------------------------------------


def test_private_channel_events_never_reach_non_members(
    server: Server, workspace: Workspace
) -> None:
    alice = server.client(workspace.alice.token)
    public = new_channel(alice, workspace.bob.user_id, workspace.carol.user_id)
    with rtm(server, workspace.carol.token) as carol, rtm(server, workspace.bob.token) as bob:
        secret = new_channel(alice, workspace.bob.user_id, private=True)
        alice.chat_postMessage(channel=secret, text="secret 1")
        alice.conversations_setTopic(channel=secret, topic="hush")
        bob.until(text_is("secret 1"))
        alice.conversations_kick(channel=secret, user=workspace.bob.user_id)
        kicked = bob.until(lambda e: e.get("type") == "member_left_channel")
        assert kicked[-1]["user"] == workspace.bob.user_id
        alice.chat_postMessage(channel=secret, text="secret 2")
        alice.chat_postMessage(channel=public, text="sentinel")
        after_kick = bob.until(text_is("sentinel"))
        carol_saw = carol.until(text_is("sentinel"))
    assert secret not in json.dumps(carol.frames)
    assert not [e for e in after_kick if e.get("channel") == secret]
    assert [e for e in carol_saw if e.get("text") == "sentinel"]


def test_a_joined_channel_starts_flowing_live(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    bob_web = server.client(workspace.bob.token)
    channel = new_channel(alice)
    secret = new_channel(alice, private=True)
    with rtm(server, workspace.bob.token) as bob:
        alice.chat_postMessage(channel=channel, text="before join")
        bob_web.conversations_join(channel=channel)
        joined = bob.until(lambda e: e.get("type") == "member_joined_channel")
        assert joined[-1]["channel"] == channel
        alice.chat_postMessage(channel=channel, text="after join")
        bob.until(text_is("after join"))
        alice.conversations_invite(channel=secret, users=workspace.bob.user_id)
        alice.chat_postMessage(channel=secret, text="welcome")
        bob.until(text_is("welcome"))
        bob_web.conversations_leave(channel=channel)
        bob.until(lambda e: e.get("type") == "member_left_channel")
        alice.chat_postMessage(channel=channel, text="after leave")
        alice.chat_postMessage(channel=secret, text="sentinel")
        tail = bob.until(text_is("sentinel"))
    texts = [e.get("text") for e in bob.frames]
    assert "before join" not in texts
    assert not [e for e in tail if e.get("text") == "after leave"]
    assert texts.count("after join") == 1


# -- frames from the client ------------------------------------------------------------------


def test_ping_is_answered_with_pong(server: Server, workspace: Workspace) -> None:
    with rtm(server, workspace.bob.token) as bob:
        bob.send({"id": 7, "type": "ping", "time": 1234, "note": "x"})
        [pong] = bob.until(lambda e: e.get("type") == "pong")[-1:]
    assert pong == {"type": "pong", "reply_to": 7, "time": 1234, "note": "x"}


def test_message_frames_post_and_ack(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    channel = new_channel(alice, workspace.bob.user_id)
    secret = new_channel(alice, private=True)
    with rtm(server, workspace.bob.token) as bob, rtm(server, workspace.alice.token) as watcher:
        bob.send({"id": 1, "type": "message", "channel": channel, "text": "over the socket"})
        ack = bob.until(lambda e: e.get("reply_to") == 1)[-1]
        assert ack == {"ok": True, "reply_to": 1, "ts": ack["ts"], "text": "over the socket"}
        watcher.until(text_is("over the socket"))
        bob.send({"id": 2, "type": "message", "channel": secret, "text": "sneak"})
        refused = bob.until(lambda e: e.get("reply_to") == 2)[-1]
        assert refused == {
            "ok": False,
            "reply_to": 2,
            "error": {"code": 2, "msg": "channel_not_found"},
        }
        alice.chat_postMessage(channel=channel, text="sentinel")
        watcher.until(text_is("sentinel"))
    assert history_ts(alice, channel).count(ack["ts"]) == 1
    assert "sneak" not in json.dumps(watcher.frames)
    assert "sneak" not in json.dumps(alice.conversations_history(channel=secret)["messages"])


def test_bad_frames_get_errors(server: Server, workspace: Workspace) -> None:
    with rtm(server, workspace.bob.token) as bob:
        bob.send("not json")
        assert bob.recv()["type"] == "error"
        bob.send({"id": 3, "type": "no_such_thing"})
        assert bob.recv() == {
            "ok": False,
            "reply_to": 3,
            "error": {"code": 3, "msg": "unsupported_type"},
        }
        bob.send({"id": 4, "type": "ping"})
        assert bob.recv()["reply_to"] == 4


# Frames whose fields have the wrong types: each gets an error naming the field, and the socket
# goes on (a presence_sub whose ids held a list once closed it with 1006).
WRONGLY_TYPED = [
    ({"id": 10, "type": "presence_sub", "ids": [["U1"]]}, 10, "invalid_ids"),
    ({"id": 11, "type": "presence_sub", "ids": [{"a": 1}]}, 11, "invalid_ids"),
    ({"id": 12, "type": "presence_sub", "ids": {"U1": 1}}, 12, "invalid_ids"),
    ({"id": 13, "type": "presence_query", "ids": [None, 5]}, 13, "invalid_ids"),
    ({"id": 14, "type": "presence_query", "ids": "U1"}, 14, "invalid_ids"),
    ({"id": 15, "type": "typing", "channel": ["C1"]}, 15, "invalid_channel"),
    ({"id": 16, "type": "message", "channel": "C1", "text": {"t": 1}}, 16, "invalid_text"),
    ({"id": 17, "type": "message", "channel": 7, "text": "x"}, 17, "invalid_channel"),
    ({"id": "18", "type": "ping"}, None, "invalid_id"),
    ({"id": True, "type": "ping"}, None, "invalid_id"),
    ({"id": -1, "type": "ping"}, None, "invalid_id"),
    ({"id": 2**60, "type": "ping"}, None, "invalid_id"),
    ({"id": 19, "type": ["ping"]}, None, "invalid_type"),
]


def test_wrongly_typed_frames_get_errors_and_the_socket_stays(
    server: Server, workspace: Workspace
) -> None:
    with rtm(server, workspace.bob.token) as bob:
        for sent, reply_to, msg in WRONGLY_TYPED:
            bob.send(sent)
            answer = bob.recv()
            assert answer["error"] == {"code": 1, "msg": msg}, sent
            assert answer.get("reply_to") == reply_to, sent
        bob.send({"id": 99, "type": "ping"})
        assert bob.recv() == {"type": "pong", "reply_to": 99}


def test_oversize_frame_closes_the_socket(server: Server, workspace: Workspace) -> None:
    with rtm(server, workspace.bob.token) as bob:
        bob.send({"id": 1, "type": "ping", "pad": "x" * 17_000})
        assert bob.recv()["error"]["msg"] == "message_too_long"
        with pytest.raises(ConnectionClosed):
            bob.recv()


def test_typing_reaches_the_others_once_per_three_seconds(
    server: Server, workspace: Workspace
) -> None:
    alice = server.client(workspace.alice.token)
    channel = new_channel(alice, workspace.bob.user_id)
    with rtm(server, workspace.bob.token) as bob, rtm(server, workspace.alice.token) as watcher:
        bob.send({"id": 1, "type": "typing", "channel": channel})
        bob.send({"id": 2, "type": "typing", "channel": channel})
        typing = watcher.until(lambda e: e.get("type") == "user_typing")[-1]
        assert typing == {"type": "user_typing", "channel": channel, "user": workspace.bob.user_id}
        alice.chat_postMessage(channel=channel, text="sentinel")
        watcher.until(text_is("sentinel"))
        bob.until(text_is("sentinel"))
    assert [e["type"] for e in watcher.frames].count("user_typing") == 1
    assert not [e for e in bob.frames if e.get("type") == "user_typing"]
    with rtm(server, workspace.carol.token) as carol:
        carol.send({"type": "typing", "channel": channel})  # not a member: nothing happens
        assert not [e for e in carol.quiet(0.2) if e.get("type") == "user_typing"]


def test_typing_on_two_sockets_is_told_once(server: Server, workspace: Workspace) -> None:
    """Once per three seconds per person and channel, not per socket: a person with the app
    open on two devices is one person typing."""
    alice = server.client(workspace.alice.token)
    channel = new_channel(alice, workspace.bob.user_id)
    with (
        rtm(server, workspace.bob.token) as phone,
        rtm(server, workspace.bob.token) as laptop,
        rtm(server, workspace.alice.token) as watcher,
    ):
        phone.send({"id": 1, "type": "typing", "channel": channel})
        watcher.until(lambda e: e.get("type") == "user_typing")
        laptop.send({"id": 2, "type": "typing", "channel": channel})
        laptop.sync()  # the server has read the frame, and done what it does with it
        alice.chat_postMessage(channel=channel, text="sentinel")
        watcher.until(text_is("sentinel"))
    assert [e["type"] for e in watcher.frames].count("user_typing") == 1


def test_typing_in_a_room_past_large_room_members_is_told_to_nobody(tmp_path: Path) -> None:
    with threaded_server(tmp_path, large_room_members=2) as big:
        ws = make_workspace(tmp_path)
        alice = big.client(ws.alice.token)
        pair = new_channel(alice, ws.bob.user_id)
        trio = new_channel(alice, ws.bob.user_id, ws.carol.user_id)
        with rtm(big, ws.bob.token) as bob, rtm(big, ws.alice.token) as watcher:
            bob.send({"id": 1, "type": "typing", "channel": trio})
            bob.send({"id": 2, "type": "typing", "channel": pair})
            told = watcher.until(lambda e: e.get("type") == "user_typing")[-1]
            alice.chat_postMessage(channel=trio, text="sentinel")
            watcher.until(text_is("sentinel"))
        assert told["channel"] == pair
        assert [e for e in watcher.frames if e.get("type") == "user_typing"] == [told]


def test_joins_and_leaves_in_a_large_room_are_events_without_messages(tmp_path: Path) -> None:
    """Past large_room_members, a join is one event: no `channel_join` message, which would be
    one more frame to every member's sockets; the newcomer has read what came before."""
    with threaded_server(tmp_path, large_room_members=2) as big:
        ws = make_workspace(tmp_path)
        alice = big.client(ws.alice.token)
        channel = new_channel(alice)
        alice.chat_postMessage(channel=channel, text="before")
        with rtm(big, ws.alice.token) as watcher:
            alice.conversations_invite(channel=channel, users=ws.bob.user_id)  # 2: small
            alice.conversations_invite(channel=channel, users=ws.carol.user_id)  # 3: large
            big.client(ws.carol.token).conversations_leave(channel=channel)
            watcher.until(of_type("member_left_channel", user=ws.carol.user_id))
        subtypes = [
            (m.get("subtype"), m.get("user"))
            for m in alice.conversations_history(channel=channel)["messages"]
        ]
        # Newest first: no message for carol's join or leave.
        assert subtypes == [
            ("channel_join", ws.bob.user_id),
            (None, ws.alice.user_id),
            ("channel_join", ws.alice.user_id),
        ]
        events = [
            (e["type"], e["user"])
            for e in watcher.frames
            if e.get("type") in ("member_joined_channel", "member_left_channel")
        ]
        assert events == [
            ("member_joined_channel", ws.bob.user_id),
            ("member_joined_channel", ws.carol.user_id),
            ("member_left_channel", ws.carol.user_id),
        ]
        big.client(ws.carol.token).conversations_join(channel=channel)
        info = big.client(ws.carol.token).conversations_info(channel=channel)["channel"]
        assert (
            info["last_read"] == alice.conversations_history(channel=channel)["messages"][0]["ts"]
        )


def test_ephemeral_messages_and_new_dms_reach_only_their_people(
    server: Server, workspace: Workspace
) -> None:
    alice = server.client(workspace.alice.token)
    channel = new_channel(alice, workspace.bob.user_id, workspace.carol.user_id)
    with rtm(server, workspace.bob.token) as bob, rtm(server, workspace.carol.token) as carol:
        alice.chat_postEphemeral(channel=channel, user=workspace.bob.user_id, text="psst")
        dm = alice.conversations_open(users=workspace.bob.user_id)["channel"]["id"]
        alice.chat_postMessage(channel=dm, text="direct")
        alice.chat_postMessage(channel=channel, text="sentinel")
        bob.until(text_is("sentinel"))
        carol.until(text_is("sentinel"))
        if not [e for e in bob.frames if e.get("text") == "direct"]:
            bob.until(text_is("direct"))
    [psst] = [e for e in bob.frames if e.get("text") == "psst"]
    assert psst["is_ephemeral"] is True
    assert "hubbub_cursor" not in psst
    # The DM reaches bob as a message in it (its notification may come before or after).
    assert any(
        e["type"] == "message" and e.get("text") == "direct"
        for e in bob.frames
        if e.get("channel") == dm
    )
    assert "psst" not in json.dumps(carol.frames)
    assert dm not in json.dumps(carol.frames)
    assert "hubbub_member_joined" not in json.dumps(bob.frames)


def test_a_resume_replays_a_conversation_left_meanwhile_up_to_the_leave(
    server: Server, workspace: Workspace
) -> None:
    alice = server.client(workspace.alice.token)
    secret = new_channel(alice, workspace.bob.user_id, private=True)
    never = new_channel(alice, private=True)  # bob was never in it
    with rtm(server, workspace.bob.token) as bob:
        cursor = bob.cursor
    before = alice.chat_postMessage(channel=secret, text="before the kick")["ts"]
    alice.conversations_kick(channel=secret, user=workspace.bob.user_id)
    alice.chat_postMessage(channel=secret, text="after the kick")
    alice.chat_postMessage(channel=never, text="never for bob")
    # A forged position for a channel bob never belonged to gains him nothing.
    forged = f"{cursor},{never}:0"
    public = new_channel(alice, workspace.bob.user_id)
    with rtm(server, workspace.bob.token, resume=forged) as bob:
        alice.chat_postMessage(channel=secret, text="live after the kick")
        alice.chat_postMessage(channel=public, text="sentinel")
        seen = bob.until(text_is("sentinel"))
    in_secret = [e for e in seen if e.get("channel") == secret]
    # The missed message, the kick's own system message, then bob's leave, and nothing after.
    assert [(e["type"], e.get("subtype")) for e in in_secret] == [
        ("message", None),
        ("message", "channel_leave"),
        ("member_left_channel", None),
    ]
    assert in_secret[0]["ts"] == before
    assert in_secret[-1]["user"] == workspace.bob.user_id
    assert never not in json.dumps(seen)


def test_a_resume_starts_a_channel_joined_meanwhile_at_the_join_not_its_second(
    server: Server, workspace: Workspace
) -> None:
    """bob, away, is invited to a private channel a moment after something was said in it:
    his resume starts the channel at his join. It started at the first event logged in the
    second of the join (members keep it in seconds), and replayed what was said before him
    in that second (`hubbub chaos`, seed 106)."""
    alice = server.client(workspace.alice.token)
    with rtm(server, workspace.bob.token) as bob:
        cursor = bob.cursor
    # Said and joined in one second: tried until they are, so the test is never vacuous.
    for _ in range(20):
        secret = new_channel(alice, private=True)
        said = alice.chat_postMessage(channel=secret, text="said just before bob")["ts"]
        alice.conversations_invite(channel=secret, users=workspace.bob.user_id)
        joined = history_ts(alice, secret)[-1]  # bob's channel_join
        if said.split(".")[0] == joined.split(".")[0]:
            break
    else:
        raise AssertionError("never said and joined in one second")
    with rtm(server, workspace.bob.token, resume=cursor) as bob:
        alice.chat_postMessage(channel=secret, text="sentinel")
        seen = bob.until(text_is("sentinel"))
    in_secret = [e for e in seen if e.get("channel") == secret]
    assert "said just before bob" not in json.dumps(seen)
    assert [(e["type"], e.get("subtype"), e.get("user")) for e in in_secret] == [
        ("message", "channel_join", workspace.bob.user_id),
        ("member_joined_channel", None, workspace.bob.user_id),
        ("message", None, workspace.alice.user_id),
    ]
    assert in_secret[0]["ts"] == joined


def test_a_forged_position_from_before_a_left_channel_was_joined_replays_nothing(
    server: Server, workspace: Workspace
) -> None:
    """A resume replays a left conversation only from a position at which the person was in it:
    a cursor rewound to before their join would show a private channel's earlier history."""
    alice = server.client(workspace.alice.token)
    secret = new_channel(alice, private=True)
    alice.chat_postMessage(channel=secret, text="said before bob joined")
    alice.conversations_invite(channel=secret, users=workspace.bob.user_id)
    with rtm(server, workspace.bob.token) as bob:
        cursor = bob.cursor
    alice.conversations_kick(channel=secret, user=workspace.bob.user_id)
    public = new_channel(alice, workspace.bob.user_id)
    kept = [p for p in cursor.split(",") if not p.startswith(secret + ":")]
    forged = ",".join([*kept, f"{secret}:0"])
    with rtm(server, workspace.bob.token, resume=forged) as bob:
        alice.chat_postMessage(channel=public, text="sentinel")
        seen = bob.until(text_is("sentinel"))
    assert "said before bob joined" not in json.dumps(seen)
    assert not [e for e in seen if e.get("channel") == secret]
