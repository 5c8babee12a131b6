"""Socket Mode: apps.connections.open, hello, envelopes and acks, several connections, redelivery
of what is not acked, and a slack_bolt app (sync and async) answering over it."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from websockets.sync.client import ClientConnection, connect

from tests.support.apps import (
    BOT_SCOPES,
    async_bolt_app,
    async_bolt_socket_mode,
    bolt_app,
    bolt_socket_mode,
    make_app,
)
from tests.support.servers import (
    Server,
    Workspace,
    make_workspace,
    module_server,
    module_workspace,
    threaded_server,
)
from tests.support.waiting import receive_until, until, wait_for

FAST = {
    "socket_mode_ack_timeout_s": 0.5,
    "events_retry_delays_s": [0.0, 0.2, 0.2],
    "allow_private_outbound": True,
}


server = module_server("socket", **FAST)
workspace = module_workspace()


def channel_for(server: Server, workspace: Workspace, name: str, *tokens: str) -> str:
    alice = server.client(workspace.alice.token)
    channel: str = alice.conversations_create(name=name)["channel"]["id"]
    for token in tokens:
        server.client(token).conversations_join(channel=channel)
    return channel


def open_socket(server: Server, app_token: str) -> ClientConnection:
    url = server.client().apps_connections_open(app_token=app_token)["url"]
    return connect(url, open_timeout=5)


def json_frames(ws: ClientConnection) -> Callable[[float], dict[str, Any]]:
    def recv(timeout: float) -> dict[str, Any]:
        body: dict[str, Any] = orjson.loads(ws.recv(timeout=timeout))
        return body

    return recv


def frames_until(ws: ClientConnection, kind: str, timeout: float = 5.0) -> dict[str, Any]:
    """The next frame of this type; others are passed over."""
    return receive_until(json_frames(ws), lambda body: body.get("type") == kind, timeout)[-1]


def envelope_of(ws: ClientConnection, text: str, timeout: float = 5.0) -> dict[str, Any]:
    """The next envelope about a message of this text; others are acked and passed over."""

    def about_it(body: dict[str, Any]) -> bool:
        if body.get("type") != "events_api":
            return False
        if body["payload"]["event"].get("text") == text:
            return True
        # Acked as passed over, or it would come again and again.
        ws.send(orjson.dumps({"envelope_id": body["envelope_id"]}).decode())
        return False

    return receive_until(json_frames(ws), about_it, timeout)[-1]


def test_hello_envelopes_acks_and_round_robin(tmp_path: Path) -> None:
    # Its own server, patient for acks: they are sent at once, but on a busy machine can come
    # later than FAST's 0.5 s, and a retry takes a turn of the round robin too.
    patient = {**FAST, "socket_mode_ack_timeout_s": 10.0}
    with threaded_server(tmp_path / "data", **patient) as server:
        workspace = make_workspace(server.data_dir)
        app = make_app(server.data_dir, name="Raw", socket_mode=True, scopes=BOT_SCOPES)
        channel = channel_for(server, workspace, "raw-socket", app.bot_token)
        with contextlib.ExitStack() as sockets:
            first = sockets.enter_context(open_socket(server, app.app_token))
            hello = orjson.loads(first.recv(timeout=5))
            assert hello["type"] == "hello" and hello["num_connections"] == 1
            assert hello["connection_info"] == {"app_id": app.app.id}
            assert set(hello["debug_info"]) >= {"host", "approximate_connection_time"}
            second = sockets.enter_context(open_socket(server, app.app_token))
            assert orjson.loads(second.recv(timeout=5))["num_connections"] == 2
            # An expired or reused ticket is refused.
            url = server.client().apps_connections_open(app_token=app.app_token)["url"]
            with connect(url, open_timeout=5):
                pass
            with connect(url, open_timeout=5) as reused:
                assert orjson.loads(reused.recv(timeout=5))["type"] == "error"

            alice = server.client(workspace.alice.token)
            for i in range(6):
                alice.chat_postMessage(channel=channel, text=f"m{i}")
            got: dict[int, list[dict[str, Any]]] = {0: [], 1: []}
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline:
                for n, ws in enumerate((first, second)):
                    try:
                        envelope = orjson.loads(ws.recv(timeout=0.05))
                    except TimeoutError:
                        continue
                    ws.send(orjson.dumps({"envelope_id": envelope["envelope_id"]}).decode())
                    if envelope["payload"]["event"].get("text", "").startswith("m"):
                        got[n].append(envelope)
            texts = sorted(e["payload"]["event"]["text"] for e in got[0] + got[1])
            assert texts == [f"m{i}" for i in range(6)], "each envelope to one connection, once"
            assert len(got[0]) == len(got[1]) == 3, "in turn"
            envelopes = got[0] + got[1]
            envelope = envelopes[0]
            assert envelope["type"] == "events_api"
            assert envelope["accepts_response_payload"] is False
            assert envelope["retry_attempt"] == 0
            body = envelope["payload"]
            assert body["type"] == "event_callback" and body["api_app_id"] == app.app.id
            assert body["event"]["type"] == "message" and body["event"]["channel"] == channel
            assert body["event_id"].startswith("Ev")
            assert body["authorizations"][0]["user_id"] == app.app.bot_user_id


def test_an_envelope_not_acked_comes_again(server: Server, workspace: Workspace) -> None:
    app = make_app(server.data_dir, name="Slow", socket_mode=True, scopes=BOT_SCOPES)
    channel = channel_for(server, workspace, "slow-socket", app.bot_token)
    with open_socket(server, app.app_token) as ws:
        frames_until(ws, "hello")
        server.client(workspace.alice.token).chat_postMessage(channel=channel, text="again")
        one = envelope_of(ws, "again")
        two = envelope_of(ws, "again")  # not acked: sent again
        assert two["payload"]["event_id"] == one["payload"]["event_id"]
        assert (one["retry_attempt"], two["retry_attempt"]) == (0, 1)
        assert two["retry_reason"] == "timeout"
        ws.send(orjson.dumps({"envelope_id": two["envelope_id"]}).decode())
        with pytest.raises(TimeoutError):
            envelope_of(ws, "again", timeout=1.5)


def test_no_connection_then_one_gets_what_waited(server: Server, workspace: Workspace) -> None:
    app = make_app(server.data_dir, name="Late", socket_mode=True, scopes=BOT_SCOPES)
    channel = channel_for(server, workspace, "late-socket", app.bot_token)
    server.client(workspace.alice.token).chat_postMessage(channel=channel, text="while away")
    time.sleep(0.6)
    with open_socket(server, app.app_token) as ws:
        frames_until(ws, "hello")
        envelope = envelope_of(ws, "while away", timeout=8)
        assert envelope["retry_attempt"] >= 1


def test_refresh_sends_warning_then_refresh_requested(tmp_path: Path) -> None:
    with threaded_server(tmp_path / "data", socket_mode_lifetime_s=1.0, **FAST) as srv:
        make_workspace(srv.data_dir)
        app = make_app(srv.data_dir, name="Refresh", socket_mode=True, scopes=BOT_SCOPES)
        with open_socket(srv, app.app_token) as ws:
            frames_until(ws, "hello")
            assert frames_until(ws, "disconnect")["reason"] == "warning"
            assert frames_until(ws, "disconnect")["reason"] == "refresh_requested"


def test_bolt_app_over_socket_mode(server: Server, workspace: Workspace) -> None:
    made = make_app(
        server.data_dir,
        name="Bolt Sync",
        socket_mode=True,
        scopes=BOT_SCOPES,
        commands=["/weather"],
    )
    channel = channel_for(server, workspace, "bolt-sync", made.bot_token)
    app = bolt_app(server, made)

    @app.message("hello")
    def hello(message: dict[str, Any], say: Any) -> None:
        say(text=f"hi <@{message['user']}>", thread_ts=message["ts"])

    @app.event("app_mention")
    def mention(event: dict[str, Any], say: Any) -> None:
        say(text="you called?", thread_ts=event["ts"])

    @app.command("/weather")
    def weather(ack: Any, respond: Any, command: dict[str, Any]) -> None:
        ack(text=f"looking up {command['text']}")
        respond(response_type="in_channel", text=f"sunny in {command['text']}")

    with bolt_socket_mode(app, made.app_token):
        alice = server.client(workspace.alice.token)
        asked = alice.chat_postMessage(channel=channel, text="hello there")["ts"]
        called = alice.chat_postMessage(channel=channel, text=f"<@{made.app.bot_user_id}> ping")[
            "ts"
        ]

        def replies(ts: str) -> list[dict[str, Any]]:
            found = alice.conversations_replies(channel=channel, ts=ts)["messages"]
            return [m for m in found if m.get("bot_id") == made.app.bot_id]

        assert wait_for(lambda: replies(asked))[0]["text"] == f"hi <@{workspace.alice.user_id}>"
        assert wait_for(lambda: replies(called))[0]["text"] == "you called?"
        answer = alice.api_call(
            "chat.command", json={"channel": channel, "command": "/weather", "text": "Paris"}
        )
        assert answer["ok"] is True
        assert answer["response"]["text"] == "looking up Paris"

        def in_channel() -> list[dict[str, Any]]:
            found = alice.conversations_history(channel=channel)["messages"]
            return [m for m in found if m["text"] == "sunny in Paris"]

        assert wait_for(in_channel)[0]["bot_id"] == made.app.bot_id


def test_async_bolt_app_over_socket_mode(server: Server, workspace: Workspace) -> None:
    made = make_app(server.data_dir, name="Bolt Async", socket_mode=True, scopes=BOT_SCOPES)
    channel = channel_for(server, workspace, "bolt-async", made.bot_token)
    alice = server.client(workspace.alice.token)

    async def main() -> str:
        app = async_bolt_app(server, made)

        @app.message("hello")
        async def hello(message: dict[str, Any], say: Any) -> None:
            await say(text="async hi", thread_ts=message["ts"])

        async with async_bolt_socket_mode(app, made.app_token):
            ts: str = (
                await asyncio.to_thread(alice.chat_postMessage, channel=channel, text="hello")
            )["ts"]

            def answers() -> list[str]:
                found = alice.conversations_replies(channel=channel, ts=ts)["messages"]
                return [m["text"] for m in found if m.get("bot_id")]

            return (await until(lambda: asyncio.to_thread(answers), what="an answer"))[0]

    assert asyncio.run(main()) == "async hi"
