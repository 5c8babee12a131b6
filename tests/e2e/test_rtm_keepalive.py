"""The sockets' WebSocket keepalive (Settings.ws_ping_interval_s, ws_ping_timeout_s): the server
pings each socket at its interval, keeps one that answers, and closes one that does not, whose
person then goes away. Spoken at the frame level (websockets' sans-I/O client), so that the test
sees each ping and decides whether to answer it."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.uri import parse_uri

from tests.support.servers import Running, make_workspace, threaded_app
from tests.support.waiting import wait_for


class RawSocket:
    """An RTM socket whose pings are counted, and answered only if asked to."""

    def __init__(self, url: str, *, answer_pings: bool) -> None:
        uri = parse_uri(url)
        self.protocol = ClientProtocol(uri)
        self.sock = socket.create_connection((uri.host, uri.port), timeout=5)
        self.answer_pings = answer_pings
        self.pings = 0
        self.texts: list[str] = []
        self.protocol.send_request(self.protocol.connect())
        self._send()

    def _send(self) -> None:
        data = b"".join(self.protocol.data_to_send())
        if data:
            self.sock.sendall(data)

    def read(self, timeout_s: float = 0.2) -> None:
        """Takes what arrives within timeout_s; a ping is answered (websockets queues its pong)
        only when answer_pings."""
        self.sock.settimeout(timeout_s)
        try:
            data = self.sock.recv(65536)
        except TimeoutError:
            return
        if not data:
            self.protocol.receive_eof()
            return
        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if isinstance(event, Frame) and event.opcode == Opcode.PING:
                self.pings += 1
            elif isinstance(event, Frame) and event.opcode == Opcode.TEXT:
                self.texts.append(bytes(event.data).decode())
        if self.answer_pings:
            self._send()
        else:
            self.protocol.data_to_send()  # the queued pongs are dropped, never sent

    def until(self, done: Callable[[], bool], what: str) -> None:
        """Reads until done() holds (at most 15 s)."""

        def read_then_check() -> bool:
            self.read()
            return done()

        wait_for(read_then_check, 15, what)

    @property
    def closed(self) -> bool:
        return self.protocol.close_rcvd is not None or self.protocol.state is State.CLOSED


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    """A server that pings every 0.2 s and waits 0.5 s for each pong."""
    with threaded_app(tmp_path / "data", ws_ping_interval_s=0.2, ws_ping_timeout_s=0.5) as app:
        yield app


def _connected(running: Running, token: str, *, answer_pings: bool) -> RawSocket:
    raw = RawSocket(running.server.client(token).rtm_connect()["url"], answer_pings=answer_pings)
    raw.until(lambda: bool(raw.texts), "hello")
    assert '"type":"hello"' in raw.texts[0]
    return raw


def test_the_server_pings_each_socket_at_its_interval_and_keeps_one_that_answers(
    running: Running,
) -> None:
    workspace = make_workspace(running.server.data_dir)
    raw = _connected(running, workspace.bob.token, answer_pings=True)
    try:
        raw.until(lambda: raw.pings >= 5, "five pings")
        assert not raw.closed
    finally:
        raw.sock.close()


def test_a_socket_that_answers_no_ping_is_closed_and_its_person_goes_away(
    running: Running,
) -> None:
    workspace = make_workspace(running.server.data_dir)
    alice = running.server.client(workspace.alice.token)
    raw = _connected(running, workspace.bob.token, answer_pings=False)
    try:
        assert alice.users_getPresence(user=workspace.bob.user_id)["presence"] == "active"
        raw.until(lambda: raw.closed, "the socket closed by the server")
        assert raw.pings >= 1
        wait_for(
            lambda: alice.users_getPresence(user=workspace.bob.user_id)["presence"] == "away",
            15,
            "bob away",
        )
        assert alice.api_test()["ok"]
    finally:
        raw.sock.close()
