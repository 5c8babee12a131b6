"""A client process of `hubbub bench room`: a slice of the room's members, one RTM socket each.

Run as `python -m hubbub_bench.roomclient ...` by `room.py`, several at once (one process
holds at most its open-files limit of sockets, and one event loop's share of the receiving).
Each socket is opened as a real client does: `rtm.connect` on the deployment's shared port,
then the socket URL it answers, which names the gateway the balancer chose
(services/gateways.py). Sockets are bound to `--address` (a loopback address of its own,
127.0.0.2...), so that each address's ephemeral ports hold only its processes' sockets.

Every socket keeps its resume cursor (hello's, moved on by each event's `hubbub_cursor`). When
the server closes one (its gateway killed), it waits a random pause of up to `--jitter`
seconds, then `rtm.connect(resume=cursor)` and a new socket, trying again with backoff until
it gets a hello; the time from the drop to that hello is noted.

Talks with room.py by lines: stdout is JSON, one object a line (`connected` once all sockets
are open, then an answer per command); stdin takes `status`, `report N` (the receipts of ids
below N) and `quit`.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import socket
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import orjson
import uvloop

from hubbub.descriptors import raise_open_files
from hubbub_bench.roomtally import (
    Receipts,
    format_cursor,
    parse_cursor,
    parse_post,
    position,
)
from hubbub_bench.rtmsocket import RtmSocket
from hubbub_bench.wire import (
    new_key,
    upgrade_request,
)

RESYNC = b'{"type":"resync_required"'
CURSOR_FIELD = b'"hubbub_cursor":"'  # hello's and resync_required's whole cursor
HELLO_TIMEOUT_S = 60.0
RETRY_S = (0.5, 8.0)  # first pause after a failed reconnect, longest
# Linux: bind() to an address takes no port until connect(), which then picks one free for the
# whole 4-tuple, not one free on that address for every destination.
IP_BIND_ADDRESS_NO_PORT = getattr(socket, "IP_BIND_ADDRESS_NO_PORT", 24)


def cursor_in(payload: bytes) -> dict[bytes, bytes]:
    """The whole cursor a hello or resync_required frame carries, as stream -> seq."""
    k = payload.find(CURSOR_FIELD)
    if k < 0:
        return {}
    start = k + len(CURSOR_FIELD)
    return parse_cursor(payload[start : payload.find(b'"', start)])


class Conn(RtmSocket):
    """One member's socket: frames to the client's accounting, stamped with the wall clock
    (the poster is another process)."""

    clock = staticmethod(time.time)

    def __init__(self, index: int, client: Client, request: bytes) -> None:
        super().__init__(index, request)
        self.client = client
        self.closing = False  # closed by us

    def on_hello(self, payload: bytes) -> None:
        self.client.hello(self.index, payload)

    def on_frame(self, payload: bytes, now: float) -> None:
        self.client.frame(self.index, payload, now)

    def on_error(self, why: str) -> None:
        self.client.errors.append(why)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.hello.done():
            self.hello.set_exception(ConnectionError(f"closed before hello: {exc}"))
        elif not self.closing:
            self.client.dropped(self.index)
        self.open = False

    def close(self) -> None:
        self.closing = True
        super().close()


class Client:
    def __init__(self, args: argparse.Namespace, http: aiohttp.ClientSession) -> None:
        self.args, self.http = args, http
        self.tokens: list[str] = args.token_list
        n = len(self.tokens)
        self.receipts = Receipts(n, args.ids)
        self.conns: list[Conn | None] = [None] * n
        self.cursors: list[dict[bytes, bytes]] = [{} for _ in range(n)]
        self.errors: list[str] = []
        self.other_frames = 0
        self.resyncs = 0
        self.drops = 0
        self.reconnecting: set[int] = set()
        self.dropped_at: dict[int, float] = {}
        self.back_s: list[float] = []  # drop -> hello of each socket that came back
        self.last_back_at = 0.0
        self.failed_reconnects = 0
        self.failure_kinds: dict[str, int] = {}  # failed reconnects by exception
        self.tasks: set[asyncio.Task[None]] = set()
        self.quitting = False

    # -- frames ---------------------------------------------------------------------------

    def hello(self, index: int, payload: bytes) -> None:
        # A resumed session's hello names where it started: what we had, for the streams we
        # had; ours is kept for any it leaves out.
        self.cursors[index].update(cursor_in(payload))

    def frame(self, index: int, payload: bytes, now: float) -> None:
        if payload.startswith(RESYNC):
            self.resyncs += 1
            self.cursors[index] = cursor_in(payload)
            return
        where = position(payload)
        if where is not None:
            self.cursors[index][where[0]] = where[1]
        post = parse_post(payload)
        if post is not None and where is not None:
            self.receipts.got(index, post[0], int(where[1]), post[1], now)
        else:
            self.other_frames += 1

    # -- sockets --------------------------------------------------------------------------

    async def rtm_connect(self, index: int, resume: str | None) -> str:
        body: dict[str, Any] = {"resume": resume} if resume else {}
        headers = {"Authorization": f"Bearer {self.tokens[index]}"}
        headers["Content-Type"] = "application/json"
        url = f"{self.args.url}/api/rtm.connect"
        async with self.http.post(url, data=orjson.dumps(body), headers=headers) as resp:
            raw = await resp.read()
        answer = orjson.loads(raw)
        if resp.status != 200 or answer.get("ok") is not True:
            raise RuntimeError(f"rtm.connect: {resp.status} {raw[:200]!r}")
        return str(answer["url"])

    async def open(self, index: int, ws_url: str) -> Conn:
        url = urlsplit(ws_url)
        host, port = url.hostname or "", url.port or 80
        if not host.startswith("127."):
            raise SystemExit("the room client only connects to loopback addresses")
        path = url.path + ("?" + url.query if url.query else "")
        request = upgrade_request(host, port, path, new_key())
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
            sock.bind((self.args.address, 0))
            sock.setblocking(False)
            loop = asyncio.get_running_loop()
            await loop.sock_connect(sock, (host, port))
            _, conn = await loop.create_connection(lambda: Conn(index, self, request), sock=sock)
        except BaseException:
            sock.close()
            raise
        try:
            await asyncio.wait_for(conn.hello, HELLO_TIMEOUT_S)
        except BaseException:
            conn.close()  # a hello after we gave up must not make a second live socket
            raise
        self.conns[index] = conn
        return conn

    async def connect(self, index: int) -> None:
        await self.open(index, await self.rtm_connect(index, None))

    def dropped(self, index: int) -> None:
        if self.quitting:
            return
        self.drops += 1
        self.conns[index] = None
        self.dropped_at[index] = time.time()
        self.reconnecting.add(index)
        task = asyncio.get_running_loop().create_task(self.reconnect(index))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def reconnect(self, index: int) -> None:
        """Back with the cursor after a random pause (so a dead gateway's clients do not all
        come at once), and again with backoff until a hello."""
        await asyncio.sleep(random.uniform(0.0, self.args.jitter))
        pause = RETRY_S[0]
        while not self.quitting:
            try:
                resume = format_cursor(self.cursors[index]) or None
                await self.open(index, await self.rtm_connect(index, resume))
            except (OSError, RuntimeError, TimeoutError, aiohttp.ClientError) as exc:
                self.failed_reconnects += 1
                kind = type(exc).__name__
                self.failure_kinds[kind] = self.failure_kinds.get(kind, 0) + 1
                if len(self.errors) < 20:
                    self.errors.append(f"reconnect {index}: {type(exc).__name__}: {exc}"[:200])
                await asyncio.sleep(random.uniform(pause / 2, pause))
                pause = min(pause * 2, RETRY_S[1])
                continue
            now = time.time()
            self.back_s.append(now - self.dropped_at.pop(index))
            self.last_back_at = max(self.last_back_at, now)
            self.reconnecting.discard(index)
            return

    # -- commands -------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        return {
            "event": "status",
            "received": self.receipts.received,
            "open": sum(1 for c in self.conns if c is not None and c.open),
            "reconnecting": len(self.reconnecting),
            "drops": self.drops,
            "last_back_at": self.last_back_at,
        }

    def report(self, upto: int) -> dict[str, Any]:
        back = sorted(self.back_s)
        return {
            "event": "report",
            **self.receipts.report(upto),
            "drops": self.drops,
            "back": len(back),
            "back_s": [round(b, 3) for b in back],
            "failed_reconnects": self.failed_reconnects,
            "failure_kinds": self.failure_kinds,
            "resyncs": self.resyncs,
            "other_frames": self.other_frames,
            "errors": self.errors[:5],
            "error_count": len(self.errors),
        }


def emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(orjson.dumps(obj).decode() + "\n")
    sys.stdout.flush()


async def connect_all(client: Client) -> dict[str, Any]:
    gate = asyncio.Semaphore(client.args.connect_concurrency)
    failed: list[str] = []

    async def one(index: int) -> None:
        async with gate:
            for attempt in range(3):
                try:
                    await client.connect(index)
                    return
                except (OSError, RuntimeError, TimeoutError, aiohttp.ClientError) as exc:
                    if attempt == 2:
                        failed.append(f"{type(exc).__name__}: {exc}"[:200])
                    await asyncio.sleep(0.5)

    started = time.time()
    await asyncio.gather(*(one(i) for i in range(len(client.tokens))))
    return {
        "event": "connected",
        "started_at": started,
        "done_at": time.time(),
        "connected": sum(1 for c in client.conns if c is not None),
        "failed": len(failed),
        "failures": failed[:5],
    }


async def commands(client: Client) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := (await reader.readline()).decode().split():
        if line[0] == "status":
            emit(client.status())
        elif line[0] == "report":
            emit(client.report(int(line[1])))
        elif line[0] == "quit":
            break


async def run(args: argparse.Namespace) -> None:
    soft, hard = raise_open_files()
    # The pool bounds this process's rtm.connects in flight (--connect-concurrency), the storm
    # after a kill included; the wait for a place in it is no timeout, the call itself is.
    connector = aiohttp.TCPConnector(limit=args.connect_concurrency, local_addr=(args.address, 0))
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=30, sock_read=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        client = Client(args, http)
        connected = await connect_all(client)
        emit({**connected, "nofile": [soft, hard], "address": args.address})
        try:
            await commands(client)
        finally:
            client.quitting = True
            for task in list(client.tasks):
                task.cancel()
            for conn in client.conns:
                if conn is not None:
                    conn.close()
            await asyncio.sleep(0.2)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m hubbub_bench.roomclient", description=__doc__)
    parser.add_argument("--url", required=True, help="http://127.0.0.1:PORT (the shared port)")
    parser.add_argument("--tokens", required=True, help="a file of member tokens, one a line")
    parser.add_argument("--first", type=int, default=0, help="this process's first token")
    parser.add_argument("--count", type=int, required=True, help="and how many")
    parser.add_argument("--address", default="127.0.0.1", help="the sockets' source address")
    parser.add_argument("--ids", type=int, required=True, help="post ids 0..N-1 are counted")
    parser.add_argument("--connect-concurrency", type=int, default=16)
    parser.add_argument("--jitter", type=float, default=5.0, help="longest pause before a resume")
    args = parser.parse_args(argv)
    tokens = Path(args.tokens).read_text().split()
    args.token_list = tokens[args.first : args.first + args.count]
    if len(args.token_list) != args.count:
        parser.error("--tokens holds fewer than --first + --count tokens")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(run(args))


if __name__ == "__main__":
    main()
