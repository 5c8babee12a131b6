"""The fan-out ceiling: a bare uvloop server writing the same frame bytes to every socket.

No WebSocket library and no framework: asyncio protocols, a minimal handshake, and for each
message one `transport.write` of one prebuilt frame per socket, one loop turn per message (so one
write per message per socket, as a gateway that does not join frames would do). What the same
client measures against it is the most deliveries/s this machine gives a Python server.

Run as `python -m hubbub_bench.fanceiling --port PORT`; it listens on 127.0.0.1 only.
`GET /ws` upgrades (and gets `{"type":"hello"}`); `GET /fire?first=I&count=P&size=S` broadcasts
P messages with ids I.. padded to S bytes, then answers 200.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import cast
from urllib.parse import parse_qs, urlsplit

import uvloop

from hubbub.descriptors import raise_open_files
from hubbub_bench.wire import header_value, server_frame, upgrade_response

HELLO = server_frame(b'{"type":"hello"}')
MAX_HEAD = 8192


def message_frame(msg_id: int, size: int) -> bytes:
    """A message event of about size bytes, carrying its id and the time it was built."""
    body = b'{"type":"message","channel":"CBENCH","user":"UBENCH","text":"fanout %d %.6f"' % (
        msg_id,
        time.time(),
    )
    pad = max(0, size - len(body) - len(b',"pad":""}'))
    return server_frame(body + b',"pad":"' + b"x" * pad + b'"}')


class Server:
    def __init__(self) -> None:
        self.sockets: set[asyncio.Transport] = set()
        self.firing = False

    async def fire(self, first: int, count: int, size: int) -> None:
        for msg_id in range(first, first + count):
            data = message_frame(msg_id, size)
            for transport in tuple(self.sockets):
                transport.write(data)
            await asyncio.sleep(0)


class Conn(asyncio.Protocol):
    def __init__(self, server: Server) -> None:
        self.server = server
        self.head = b""
        self.transport: asyncio.Transport | None = None
        self.upgraded = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def connection_lost(self, exc: Exception | None) -> None:
        if self.transport is not None:
            self.server.sockets.discard(self.transport)

    def data_received(self, data: bytes) -> None:
        if self.upgraded or self.transport is None:
            return  # client frames (closes) are ignored
        self.head += data
        end = self.head.find(b"\r\n\r\n")
        if end < 0:
            if len(self.head) > MAX_HEAD:
                self.transport.close()
            return
        head = self.head[:end]
        target = head.split(b" ", 2)[1].decode("latin-1") if b" " in head else "/"
        url = urlsplit(target)
        if url.path == "/ws":
            key = header_value(head, b"Sec-WebSocket-Key") or ""
            self.transport.write(upgrade_response(key) + HELLO)
            self.upgraded = True
            self.server.sockets.add(self.transport)
        elif url.path == "/fire":
            query = {k: int(v[0]) for k, v in parse_qs(url.query).items()}
            asyncio.get_running_loop().create_task(self._fire(query))
        else:
            self.transport.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            self.transport.close()

    async def _fire(self, query: dict[str, int]) -> None:
        await self.server.fire(query.get("first", 0), query.get("count", 1), query.get("size", 0))
        if self.transport is not None:
            self.transport.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            self.transport.close()


async def serve(port: int) -> None:
    server = Server()
    loop = asyncio.get_running_loop()
    listener = await loop.create_server(lambda: Conn(server), "127.0.0.1", port, backlog=4096)
    async with listener:
        await listener.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m hubbub_bench.fanceiling")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    raise_open_files()
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(serve(args.port))


if __name__ == "__main__":
    main()
