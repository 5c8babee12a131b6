"""RTM sockets: uvicorn's sans-I/O WebSocket protocol, plus one write for many frames.

Through ASGI every frame takes its own trip (`websocket.send` → framing → `transport.write`),
and at a thousand sockets per message the writes are the bound (docs/benchmarks.md: 45% of the
server's time in `transport.write`). The handshake, the frames a client sends, pings and the
closing handshake stay with uvicorn and ASGI; what this adds is an ASGI extension,
`hubbub.socket`, through which the gateway writes everything queued for a socket as text frames
in one `transport.write`, and hears when a paused socket can take more.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.http11 import Request

EXTENSION = "hubbub.socket"
_FIN_TEXT = 0x81


def text_frame(payload: bytes) -> bytes:
    """One unmasked, unfragmented text frame (RFC 6455 §5.2), as a server sends it.

    Never compressed: with permessage-deflate agreed, an uncompressed message (RSV1 clear) is
    still valid (RFC 7692 §6), and our frames are small.
    """
    size = len(payload)
    if size < 126:
        return bytes((_FIN_TEXT, size)) + payload
    if size < 1 << 16:
        return struct.pack("!BBH", _FIN_TEXT, 126, size) + payload
    return struct.pack("!BBQ", _FIN_TEXT, 127, size) + payload


class RtmProtocol(WebSocketsSansIOProtocol):
    """Pass as uvicorn's `ws` protocol class (app.SERVER_OPTIONS)."""

    # Called when a socket that was paused (its buffer over the high-water mark) drains.
    on_writable: Callable[[], None] | None = None

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        scope: Any = getattr(self, "scope", None)
        if scope is not None:
            scope["extensions"][EXTENSION] = self

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
        return not self.writable.is_set()

    def write_texts(self, payloads: list[bytes]) -> None:
        """Sends each payload as one text message, all in one write."""
        if payloads and self.open and not self.transport.is_closing():
            self.transport.write(b"".join([text_frame(p) for p in payloads]))
