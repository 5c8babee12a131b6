"""The private parts of other libraries that hubbub relies on, each checked by what it does.

pyproject.toml bounds these libraries from above; uv.lock pins them. Before a bound moves
(`make upgrade` past it), these tests say in their failure which upgrade broke which of our
assumptions, where otherwise delivery or the outbound address guard would misbehave silently:
- realtime/socket.py subclasses uvicorn's sans-I/O WebSocket protocol, swaps two of its
  attributes for lighter ones, hooks its handshake and flow control, and writes frames to its
  transport directly;
- http_protocol.py subclasses uvicorn's httptools protocol, counting the head in its parser
  callbacks and answering 431 through its answer to a parse error;
- outbound/guarded.py replaces httpx's private connection pool to put the address guard under
  every connection.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn
import websockets
from websockets.asyncio.client import connect

from hubbub.app import SERVER_OPTIONS
from hubbub.domain.addresses import IPAddress
from hubbub.outbound.guarded import GuardedClient
from hubbub.outbound.port import Refused
from hubbub.realtime.socket import EXTENSION, Flag, Inbox, RtmProtocol, text_frame
from tests.support.servers import free_socket
from tests.support.waiting import until
from tests.support.web_target import Target


def uvicorn_changed(what: str) -> str:
    return (
        f"uvicorn {uvicorn.__version__} (websockets {websockets.__version__}) changed {what}, "
        "which realtime/socket.py relies on: adapt RtmProtocol before allowing this version "
        "in pyproject.toml"
    )


def httpx_changed(what: str) -> str:
    return (
        f"httpx {httpx.__version__} changed {what}, which outbound/guarded.py relies on: "
        "outbound requests may bypass the address guard. Adapt _GuardedTransport before "
        "allowing this version in pyproject.toml"
    )


class RecordingInbox(Inbox):
    """Our Inbox, counting the client's frames that uvicorn's protocol puts in it."""

    def __init__(self) -> None:
        super().__init__()
        self.puts = 0

    def put_nowait(self, item: Any) -> None:
        self.puts += 1
        super().put_nowait(item)


class Probe:
    """An ASGI app that accepts one socket and records what it sees of RtmProtocol."""

    def __init__(self) -> None:
        self.protocol: RtmProtocol | None = None
        self.accepted = asyncio.Event()
        self.received: list[str] = []
        self.done = asyncio.Event()
        self.writable_calls = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        assert (await receive())["type"] == "websocket.connect"
        protocol = scope["extensions"].get(EXTENSION)
        await send({"type": "websocket.accept"})
        if isinstance(protocol, RtmProtocol) and isinstance(protocol.queue, Inbox):
            self.protocol = protocol
            protocol.queue = RecordingInbox()  # type: ignore[assignment]
            protocol.on_writable = self._writable
        self.accepted.set()
        try:
            while (message := await receive())["type"] == "websocket.receive":
                self.received.append(message["text"])
        finally:
            self.done.set()

    def _writable(self) -> None:
        self.writable_calls += 1


@contextlib.asynccontextmanager
async def serving(app: Probe) -> AsyncIterator[str]:
    sock = free_socket()
    config = uvicorn.Config(app, **{**SERVER_OPTIONS, "loop": "asyncio"})
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:

        def started() -> bool:
            assert not task.done(), "uvicorn did not start"
            return bool(server.started)

        await until(started, within_s=15, what="uvicorn to start")
        yield f"ws://127.0.0.1:{sock.getsockname()[1]}/"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
        sock.close()


async def test_uvicorn_protocol_carries_rtm_sockets() -> None:
    probe = Probe()
    async with serving(probe) as url, connect(url) as client:
        await asyncio.wait_for(probe.accepted.wait(), 5)
        protocol = probe.protocol
        assert protocol is not None, uvicorn_changed("handle_connect (the ASGI scope extension)")

        # The handshake's objects are dropped once it is done (memory per idle socket).
        assert protocol.request is None and protocol.scope["headers"] == [], uvicorn_changed(
            "send() on websocket.accept"
        )
        assert protocol.open, uvicorn_changed("handshake_complete / close_sent / disconnected")

        # The client's frames go through the Inbox that replaces asyncio.Queue.
        await client.send("from the client")
        await asyncio.sleep(0.05)
        assert probe.received == ["from the client"]
        assert isinstance(protocol.queue, RecordingInbox) and protocol.queue.puts == 1, (
            uvicorn_changed("where the protocol queues a client's frames (self.queue)")
        )

        # Flow control reaches the Flag that replaces asyncio.Event, and on_writable.
        assert isinstance(protocol.writable, Flag)
        protocol.pause_writing()
        assert protocol.paused, uvicorn_changed("pause_writing (self.writable)")
        protocol.resume_writing()
        assert not protocol.paused and probe.writable_calls == 1, uvicorn_changed(
            "resume_writing (self.writable)"
        )

        # Many frames, one write to the transport, each arriving whole and in order.
        texts = [b"one", b"two" * 100, b"three" * 20_000]
        protocol.write_frames(b"".join(text_frame(t) for t in texts))
        got = [await asyncio.wait_for(client.recv(), 5) for _ in range(3)]
        assert got == ["one", "two" * 100, "three" * 20_000], uvicorn_changed("self.transport")

        await client.close()
        await asyncio.wait_for(probe.done.wait(), 5)
        assert not protocol.open, uvicorn_changed("close_sent / disconnected")


async def test_uvicorn_http_protocol_caps_a_requests_head() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await Probe()(scope, receive, send)
            return
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async with serving(app) as url:  # type: ignore[arg-type]
        port = int(url.rsplit(":", 1)[1].strip("/"))

        async def exchange(request: bytes) -> bytes:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(request)
            answer = await asyncio.wait_for(reader.read(1000), 5)
            writer.close()
            return answer

        small = await exchange(b"GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 1000 + b"\r\n\r\n")
        assert small.startswith(b"HTTP/1.1 204 "), uvicorn_changed("HttpToolsProtocol's callbacks")
        big = await exchange(b"GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 100_000 + b"\r\n\r\n")
        assert big.startswith(b"HTTP/1.1 431 "), uvicorn_changed(
            "HttpToolsProtocol.on_header / send_400_response"
        )


@pytest.fixture
def page() -> Any:
    with Target("127.0.0.1") as target:
        yield target


async def test_httpx_pool_is_the_guarded_one(page: Target) -> None:
    # Where httpx keeps the pool it builds, which _GuardedTransport replaces with its own.
    plain = httpx.AsyncHTTPTransport()
    assert "_pool" in vars(plain), httpx_changed("AsyncHTTPTransport._pool")
    await plain.aclose()

    # Every connection asks the policy first; one that went around our pool would not.
    asked: list[str] = []

    def refuse_all(ip: IPAddress) -> str:
        asked.append(str(ip))
        return "refused_by_test"

    client = GuardedClient(policy=refuse_all)
    refusal = None
    try:
        await client.request("GET", page.url("/og"))
    except Refused as exc:
        refusal = exc.args[0]
    finally:
        await client.close()
    assert asked == ["127.0.0.1"] and refusal == "address_refused_by_test", httpx_changed(
        "how AsyncHTTPTransport connects"
    )
