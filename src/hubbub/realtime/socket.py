"""RTM sockets: uvicorn's sans-I/O WebSocket protocol, plus one write for many frames.

Through ASGI every frame takes its own trip (`websocket.send` → framing → `transport.write`),
and at a thousand sockets per message the writes are the bound (docs/benchmarks.md: 45% of the
server's time in `transport.write`). The handshake, the frames a client sends, pings and the
closing handshake stay with uvicorn and ASGI; what this adds is an ASGI extension,
`hubbub.socket`, through which the gateway writes everything queued for a socket as text frames
in one `transport.write`, and hears when a paused socket can take more. A frame every socket of
a conversation gets is framed once (`text_frame`) and the same bytes are written to each.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Callable
from typing import Any

from uvicorn._types import ASGIReceiveEvent, ASGISendEvent
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.http11 import Request

EXTENSION = "hubbub.socket"
_FIN_TEXT = 0x81


def text_frame(payload: bytes) -> bytes:
    """One unmasked, unfragmented text frame (RFC 6455 §5.2), as a server sends it: made once
    per gateway for an event every socket gets, not once per socket.

    Never compressed (app.SERVER_OPTIONS does not offer permessage-deflate: its zlib state
    per socket would cost more memory than our small frames would save on the wire).
    """
    size = len(payload)
    if size < 126:
        return bytes((_FIN_TEXT, size)) + payload
    if size < 1 << 16:
        return struct.pack("!BBH", _FIN_TEXT, 126, size) + payload
    return struct.pack("!BBQ", _FIN_TEXT, 127, size) + payload


def payload_at(frame: bytes) -> int:
    """Where the payload of a frame that text_frame made begins."""
    size = frame[1]
    return 2 if size < 126 else 4 if size == 126 else 10


class Inbox:
    """The little of asyncio.Queue that uvicorn's protocol uses for the client's frames
    (put_nowait, get, empty), without its four deques: ~3 KB less per idle socket."""

    __slots__ = ("_items", "_waiter")

    def __init__(self) -> None:
        self._items: list[ASGIReceiveEvent] = []
        self._waiter: asyncio.Future[None] | None = None

    def put_nowait(self, item: ASGIReceiveEvent) -> None:
        self._items.append(item)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def empty(self) -> bool:
        return not self._items

    async def get(self) -> ASGIReceiveEvent:
        # One reader only: the application's receive loop.
        while not self._items:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._items.pop(0)


class Flag:
    """asyncio.Event's interface without a deque per instance: ~0.7 KB less per socket."""

    __slots__ = ("_waiters", "on")

    def __init__(self) -> None:
        # An attribute, not only is_set(): read for every frame written (RtmProtocol.paused).
        self.on = True
        self._waiters: list[asyncio.Future[None]] = []

    def is_set(self) -> bool:
        return self.on

    def set(self) -> None:
        self.on = True
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def clear(self) -> None:
        self.on = False

    async def wait(self) -> None:
        if not self.on:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            await waiter


class RtmProtocol(WebSocketsSansIOProtocol):
    """Pass as uvicorn's `ws` protocol class (app.SERVER_OPTIONS)."""

    # Called when a socket that was paused (its buffer over the high-water mark) drains.
    on_writable: Callable[[], None] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Lighter stand-ins with the same interface, for what every socket keeps while idle.
        self.queue = Inbox()  # type: ignore[assignment]
        self.writable = Flag()  # type: ignore[assignment]

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        scope: Any = getattr(self, "scope", None)
        if scope is not None:
            scope["extensions"][EXTENSION] = self

    async def send(self, message: ASGISendEvent) -> None:
        await super().send(message)
        if message["type"] == "websocket.accept":
            # The handshake's request, response and headers are not needed once it is done,
            # and would stay for the life of the socket: ~5 KB. The request's headers are
            # emptied in place because websockets' parser keeps the request object itself.
            self.request.headers.clear()
            self.request = self.response = None  # type: ignore[assignment]
            self.scope["headers"] = []

    def resume_writing(self) -> None:
        super().resume_writing()
        if self.on_writable is not None:
            self.on_writable()

    @property
    def open(self) -> bool:
        """Accepted, and no close sent or received: frames may go out."""
        return self.handshake_complete and not self.close_sent and not self.disconnected

    @property
    def paused(self) -> bool:
        return not self.writable.on  # type: ignore[attr-defined]

    def write_frames(self, frames: bytes) -> None:
        """Sends frames that text_frame made, in one write."""
        if frames and self.open and not self.transport.is_closing():
            self.transport.write(frames)
