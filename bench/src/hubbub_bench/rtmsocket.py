"""One RTM socket of a load client (fanclient, roomclient): the handshake, frames split off as
they arrive, pings answered, the hello told apart; what a frame means is the subclass's. Spoken
with wire.py's few functions rather than a WebSocket library, so that a client of thousands of
sockets is not what limits a run."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import cast

from hubbub_bench.wire import (
    OP_CLOSE,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    ProtocolError,
    client_frame,
    split_frames,
)

HELLO = b'{"type":"hello"'


class RtmSocket(asyncio.Protocol):
    # The time a frame is stamped with: a process's own clock by default; one that other
    # processes compare against (post -> receive across processes) uses the wall's.
    clock: Callable[[], float] = staticmethod(time.perf_counter)

    def __init__(self, index: int, request: bytes) -> None:
        self.index, self.request = index, request
        self.buf = b""
        self.open = False
        self.transport: asyncio.Transport | None = None
        self.hello: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    # -- what the subclass says ---------------------------------------------------------------

    def on_hello(self, payload: bytes) -> None:
        """The hello frame, before the hello future is done."""

    def on_frame(self, payload: bytes, now: float) -> None:
        """Every text frame after the hello."""
        raise NotImplementedError

    def on_close_frame(self, payload: bytes) -> None:
        """The server's close frame."""
        if self.transport is not None:
            self.transport.close()  # its goodbye: connection_lost follows

    def on_error(self, why: str) -> None:
        """What went wrong after the hello."""
        raise NotImplementedError

    # -- asyncio.Protocol ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.transport.write(self.request)
        self.request = b""

    def data_received(self, data: bytes) -> None:
        now = self.clock()
        buf = self.buf + data if self.buf else data
        if not self.open:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                self.buf = buf
                return
            if b" 101 " not in buf[: buf.find(b"\r\n")]:
                self.fail(f"no upgrade: {buf[:80]!r}")
                return
            self.open = True
            buf = buf[end + 4 :]
        try:
            frames, used = split_frames(buf)
        except ProtocolError as exc:
            self.fail(str(exc))
            return
        self.buf = buf[used:]
        for opcode, payload in frames:
            if opcode == OP_TEXT:
                if not self.hello.done() and payload.startswith(HELLO):
                    self.on_hello(payload)
                    self.hello.set_result(None)
                else:
                    self.on_frame(payload, now)
            elif opcode == OP_PING and self.transport is not None:
                self.transport.write(client_frame(payload, OP_PONG))
            elif opcode == OP_CLOSE:
                self.on_close_frame(payload)

    def fail(self, why: str) -> None:
        if not self.hello.done():
            self.hello.set_exception(ConnectionError(why))
        else:
            self.on_error(why)
        if self.transport is not None:
            self.transport.close()

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(client_frame(b"\x03\xe8", OP_CLOSE))
            self.transport.close()
