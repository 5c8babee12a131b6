"""Socket Mode across processes (PostgreSQL and Redis): an app's socket held by process B gets
the envelopes of events posted on A and of slash commands run on A, and its acks reach whichever
process waits for them; with sockets on both, each envelope reaches one of them."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import orjson
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from hubbub.config import Settings
from hubbub.services import apps
from tests.e2e.test_cluster import _cluster, _socket_on
from tests.e2e.test_socket_mode import frames_until
from tests.support.servers import Workspace, run_admin
from tests.support.services import RedisServer
from tests.support.waiting import wait_for


def _socket_app(
    tmp_path: Path,
    ws: Workspace,
    postgres_url: str,
    redis_server: RedisServer,
    redis_prefix: str,
    name: str,
) -> apps.NewApp:
    """A Socket Mode app hearing messages in channels, with a /where command, made through
    `hubbub admin` on the cluster's database and Redis."""
    settings = Settings(
        database_url=postgres_url, redis_url=redis_server.url, redis_prefix=redis_prefix
    )
    return run_admin(
        tmp_path / "admin",
        lambda hub: apps.create_app(
            hub,
            ws.domain,
            name=name,
            events=["message.channels"],
            scopes=["chat:write", "channels:join"],
            socket_mode=True,
            commands=["/where"],
        ),
        settings,
    )


def test_a_socket_on_one_process_serves_events_and_commands_of_another(
    tmp_path: Path, postgres_url: str, redis_server: RedisServer, redis_prefix: str
) -> None:
    more = {"socket_mode_ack_timeout_s": "2"}
    with _cluster(tmp_path, postgres_url, redis_server.url, redis_prefix, **more) as (a, b, ws):
        made = _socket_app(tmp_path, ws, postgres_url, redis_server, redis_prefix, "Clustered")
        alice = a.server.client(ws.alice.token)
        channel: str = alice.conversations_create(name="cluster-socket")["channel"]["id"]
        a.server.client(made.bot_token).conversations_join(channel=channel)
        url = a.server.client().apps_connections_open(app_token=made.app_token)["url"]
        with connect(_socket_on(url, b)) as sock:
            assert frames_until(sock, "hello", 10.0)["connection_info"] == {"app_id": made.app.id}
            alice.chat_postMessage(channel=channel, text="from a")
            while True:
                envelope = frames_until(sock, "events_api", 10.0)
                sock.send(orjson.dumps({"envelope_id": envelope["envelope_id"]}).decode())
                if envelope["payload"]["event"].get("text") == "from a":
                    break
            assert envelope["retry_attempt"] == 0

            def ack_command() -> None:
                command = frames_until(sock, "slash_commands", 10.0)
                assert command["accepts_response_payload"] is True
                assert command["payload"]["command"] == "/where"
                ack = {"envelope_id": command["envelope_id"], "payload": {"text": "on b"}}
                sock.send(orjson.dumps(ack).decode())

            acker = threading.Thread(target=ack_command)
            acker.start()
            answer = alice.api_call(
                "chat.command", json={"channel": channel, "command": "/where", "text": ""}
            )
            acker.join(10)
            assert answer["response"] == {"text": "on b"}
            # Acked once: not sent again.
            time.sleep(2.5)
            sock.send(b"{}".decode())
            try:
                extra = orjson.loads(sock.recv(timeout=0.5))
            except TimeoutError:
                extra = None
            assert extra is None or extra["payload"]["event"].get("text") != "from a"


class Collector:
    """Reads one socket in a thread: every envelope it gets, acked at once, except the first
    try of an event whose text is `unacked`."""

    def __init__(self, sock: ClientConnection) -> None:
        self.sock, self.got = sock, list[dict[str, Any]]()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        while True:
            try:
                body: dict[str, Any] = orjson.loads(self.sock.recv(timeout=30))
            except (TimeoutError, ConnectionClosed):
                return
            if body.get("type") != "events_api":
                continue
            self.got.append(body)
            first_unacked = body["retry_attempt"] == 0 and _text(body) == "unacked"
            if not first_unacked:
                self.sock.send(orjson.dumps({"envelope_id": body["envelope_id"]}).decode())


def _text(envelope: dict[str, Any]) -> Any:
    return envelope["payload"]["event"].get("text")


def test_with_sockets_on_two_processes_each_envelope_reaches_one_of_them(
    tmp_path: Path, postgres_url: str, redis_server: RedisServer, redis_prefix: str
) -> None:
    more = {"socket_mode_ack_timeout_s": "1"}
    with _cluster(tmp_path, postgres_url, redis_server.url, redis_prefix, **more) as (a, b, ws):
        made = _socket_app(tmp_path, ws, postgres_url, redis_server, redis_prefix, "Twice held")
        alice = a.server.client(ws.alice.token)
        channel: str = alice.conversations_create(name="two-sockets")["channel"]["id"]
        a.server.client(made.bot_token).conversations_join(channel=channel)
        opener = a.server.client()
        on_a = opener.apps_connections_open(app_token=made.app_token)["url"]
        on_b = _socket_on(opener.apps_connections_open(app_token=made.app_token)["url"], b)
        with connect(on_a) as sock_a, connect(on_b) as sock_b:
            for sock in (sock_a, sock_b):
                hello = frames_until(sock, "hello", 10.0)
                assert hello["connection_info"] == {"app_id": made.app.id}
            readers = [Collector(sock_a), Collector(sock_b)]
            texts = [f"once {i}" for i in range(12)]
            for text in [*texts, "unacked"]:
                alice.chat_postMessage(channel=channel, text=text)

            def envelopes() -> list[dict[str, Any]]:
                return [e for r in readers for e in r.got]

            def all_heard() -> bool:
                tries = [e for e in envelopes() if _text(e) == "unacked"]
                return len(tries) >= 2 and {_text(e) for e in envelopes()} >= set(texts)

            def heard() -> str:
                return f"every text, unacked twice: {sorted(str(_text(e)) for e in envelopes())}"

            wait_for(all_heard, timeout=20, what=heard)
            time.sleep(1.5)  # past the ack timeout: a duplicate or a third try would be here
            got = envelopes()
            # Both processes hear every envelope; only the one whose claim wins sends it. An
            # ack later than the timeout (a busy machine) makes a retry, a new envelope: legal.
            ids = [e["envelope_id"] for e in got]
            assert len(ids) == len(set(ids)), "each envelope to one socket of the two, once"
            first = sorted(_text(e) for e in got if _text(e) in texts and e["retry_attempt"] == 0)
            assert first == sorted(texts), "every event's first try reached one socket"
            tries = [e for e in got if _text(e) == "unacked"]
            # Sorted: envelopes() lists socket A's before B's, and either may get either try.
            attempts = sorted(e["retry_attempt"] for e in tries)
            assert attempts == [0, 1], "unacked: sent again, once"
            assert tries[0]["envelope_id"] != tries[1]["envelope_id"]
            assert tries[0]["payload"]["event_id"] == tries[1]["payload"]["event_id"]
