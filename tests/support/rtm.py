"""A raw RTM client for tests, and small helpers around it."""

from __future__ import annotations

import contextlib
import itertools
import json
import socket
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlparse

from slack_sdk import WebClient
from websockets.sync.client import ClientConnection, connect

from tests.support.checks import walk_history
from tests.support.servers import Server
from tests.support.waiting import receive_until

Event = dict[str, Any]
_ids = itertools.count(1_000_000)


class Rtm:
    """A raw RTM client: keeps every frame, and the resume cursor a client would keep."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.frames: list[Event] = []
        self.positions: dict[str, str] = {}

    def recv(self, timeout: float = 5) -> Event:
        event: Event = json.loads(self.socket.recv(timeout=timeout))
        self.frames.append(event)
        for part in str(event.get("hubbub_cursor", "")).split(","):
            if part:
                self.positions[part.partition(":")[0]] = part
        return event

    def until(self, done: Callable[[Event], bool], timeout: float = 10) -> list[Event]:
        """Frames up to and including the first that satisfies done."""
        return receive_until(self.recv, done, timeout)

    def quiet(self, wait: float = 0.3) -> list[Event]:
        """Frames that arrive within wait seconds."""
        seen: list[Event] = []
        with contextlib.suppress(TimeoutError):
            while True:
                seen.append(self.recv(wait))
        return seen

    def send(self, body: Event | str) -> None:
        self.socket.send(body if isinstance(body, str) else json.dumps(body))

    def sync(self) -> list[Event]:
        """Frames before the answer to a ping: everything the server queued for this socket
        before it read the ping."""
        ping = next(_ids)
        self.send({"id": ping, "type": "ping"})
        return self.until(lambda e: e.get("type") == "pong" and e.get("reply_to") == ping)[:-1]

    @property
    def cursor(self) -> str:
        return ",".join(self.positions.values())


def narrow_socket(url: str) -> socket.socket:
    """A connection to a socket URL's server with a 4 KiB receive window: once its client stops
    reading, the server's buffers fill soon (the tests of slow consumers)."""
    address = urlparse(url)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((address.hostname, address.port))
    return sock


@contextlib.contextmanager
def rtm(server: Server, token: str, resume: str | None = None, **args: Any) -> Iterator[Rtm]:
    url = server.client(token).rtm_connect(resume=resume, **args)["url"]
    with connect(url, max_size=None) as socket:
        client = Rtm(socket)
        assert client.recv()["type"] == "hello"
        yield client


def new_channel(owner: WebClient, *user_ids: str, private: bool = False) -> str:
    name = "rtm-" + uuid.uuid4().hex[:10]
    channel: str = owner.conversations_create(name=name, is_private=private)["channel"]["id"]
    if user_ids:
        owner.conversations_invite(channel=channel, users=",".join(user_ids))
    return channel


def text_is(text: str) -> Callable[[Event], bool]:
    return lambda e: e.get("type") == "message" and e.get("text") == text


def of_type(kind: str, **fields: Any) -> Callable[[Event], bool]:
    return lambda e: e.get("type") == kind and all(e.get(k) == v for k, v in fields.items())


def history_ts(client: WebClient, channel: str) -> list[str]:
    """Every top-level message's ts, oldest first, as conversations.history has them."""
    return [m["ts"] for m in walk_history(client, channel, limit=999)][::-1]
