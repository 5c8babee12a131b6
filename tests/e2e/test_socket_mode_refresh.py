"""Socket Mode: what was sent on a connection that closes (the client going, or hubbub's
refresh) and not acked comes at once on the app's other connection, with slack_sdk's
SocketModeClient holding two; not after the ack timeout and the delivery's next try."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from slack_sdk import WebClient
from slack_sdk.socket_mode import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from websockets.sync.client import ClientConnection, connect

from hubbub.services.apps import NewApp
from tests.support.apps import BOT_SCOPES, make_app
from tests.support.servers import Server, Workspace, make_workspace, threaded_server
from tests.support.waiting import wait_for

# Nothing comes again by itself for a long while: anything within WAIT_S is the redelivery on
# the other connection.
SLOW = {
    "socket_mode_ack_timeout_s": 60.0,
    "events_retry_delays_s": [60.0, 60.0, 60.0],
    "allow_private_outbound": True,
}
WAIT_S = 20.0


class Listener:
    """A SocketModeClient's listener: records the envelopes about `text`, acks only if told."""

    def __init__(self, text: str, *, acks: bool) -> None:
        self.text, self.acks = text, acks
        self.got: list[SocketModeRequest] = []
        self.lock = threading.Lock()

    def __call__(self, client: SocketModeClient, request: SocketModeRequest) -> None:
        event = request.payload.get("event", {})
        if event.get("text") != self.text:
            client.send_socket_mode_response(SocketModeResponse(request.envelope_id))
            return
        with self.lock:
            self.got.append(request)
        if self.acks:
            client.send_socket_mode_response(SocketModeResponse(request.envelope_id))


def _client(server: Server, app: NewApp, listener: Listener) -> SocketModeClient:
    client = SocketModeClient(
        app_token=app.app_token, web_client=WebClient(base_url=server.api_url)
    )
    client.socket_mode_request_listeners.append(listener)
    client.connect()
    wait_for(client.is_connected, timeout=WAIT_S)
    return client


def _app(server: Server, name: str) -> NewApp:
    return make_app(server.data_dir, name=name, socket_mode=True, scopes=BOT_SCOPES)


def _joined(server: Server, workspace: Workspace, app: NewApp, name: str) -> str:
    """A new channel the app's bot joins. Its own join is an event for the app: joined with
    no socket open, its delivery waits out the 60-s ack timeout, and holds the server's stop."""
    alice = server.client(workspace.alice.token)
    channel: str = alice.conversations_create(name=name.lower())["channel"]["id"]
    server.client(app.bot_token).conversations_join(channel=channel)
    return channel


def _disconnect(raw: ClientConnection) -> str:
    """The reason of the next `disconnect` frame on a raw socket."""
    while True:
        frame = orjson.loads(raw.recv(timeout=WAIT_S))
        if frame.get("type") == "disconnect":
            reason: str = frame["reason"]
            return reason


@pytest.fixture
def slow(tmp_path: Path) -> Iterator[tuple[Server, Workspace]]:
    with threaded_server(tmp_path / "data", **SLOW) as srv:
        yield srv, make_workspace(srv.data_dir)


def test_a_client_that_goes_leaves_its_unacked_envelopes_to_the_other_at_once(
    slow: tuple[Server, Workspace],
) -> None:
    server, workspace = slow
    app = _app(server, "Twice")
    silent, acking = Listener("handover", acks=False), Listener("handover", acks=True)
    first = _client(server, app, silent)
    second: SocketModeClient | None = None
    try:
        channel = _joined(server, workspace, app, "Twice")
        server.client(workspace.alice.token).chat_postMessage(channel=channel, text="handover")
        [sent] = wait_for(lambda: silent.got, timeout=WAIT_S)  # the only connection then
        second = _client(server, app, acking)
        first.close()
        [again] = wait_for(lambda: acking.got, timeout=WAIT_S)
        assert again.envelope_id == sent.envelope_id
        assert again.payload["event_id"] == sent.payload["event_id"]
        assert (sent.retry_attempt, again.retry_attempt) == (0, 1)
        assert again.retry_reason == "connection_closed"
    finally:
        first.close()
        if second is not None:
            second.close()


def test_a_refreshed_connection_leaves_its_unacked_envelopes_to_the_other_at_once(
    tmp_path: Path,
) -> None:
    with threaded_server(tmp_path / "data", socket_mode_lifetime_s=6.0, **SLOW) as server:
        workspace = make_workspace(server.data_dir)
        app = _app(server, "Refreshed")
        channel = _joined(server, workspace, app, "Refreshed")
        acking = Listener("refreshed", acks=True)
        url = server.client().apps_connections_open(app_token=app.app_token)["url"]
        with connect(url, open_timeout=5) as raw:  # the one refreshed: it never acks
            assert orjson.loads(raw.recv(timeout=5))["type"] == "hello"
            alice = server.client(workspace.alice.token)
            alice.chat_postMessage(channel=channel, text="refreshed")
            while True:
                sent = orjson.loads(raw.recv(timeout=5))
                if sent.get("payload", {}).get("event", {}).get("text") == "refreshed":
                    break
            # The other connection opens once this one is warned, so that its own refresh
            # comes well after this one's.
            assert _disconnect(raw) == "warning"
            client = _client(server, app, acking)
            try:
                assert _disconnect(raw) == "refresh_requested"
                [again] = wait_for(lambda: acking.got, timeout=WAIT_S)
                assert again.envelope_id == sent["envelope_id"]
                assert again.retry_attempt == 1 and again.retry_reason == "connection_closed"
            finally:
                client.close()
