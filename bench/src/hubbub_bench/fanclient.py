"""The fan-out client: N WebSocket members of one channel, a poster, and what each socket got.

Runs as its own process (`python -m hubbub_bench.fanclient ...`), on uvloop, with a minimal
WebSocket client of its own (`wire`), so thousands of sockets cost it little. Two modes:

- `hubbub`: per member `rtm.connect` over HTTP then the socket (paced), wait for every `hello`,
  read the server's RSS before and after (bytes per idle connection), then post P messages at
  `--rate` per second (the latency figure) and P more unpaced (the throughput figure) through
  chat.postMessage, each text `fanout <id> <sent time>`.
- `ceiling`: N sockets to `fanceiling`, then one trigger that broadcasts P messages.

Every socket notes the receive time of each message; the process prints one JSON object.
Only 127.0.0.1 is accepted as a target.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from array import array
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import orjson

from hubbub.descriptors import raise_open_files
from hubbub_bench.cpu import cpu_each, cpu_snapshot, cpu_use, pids_named, rss_kb
from hubbub_bench.load import report
from hubbub_bench.rtmsocket import RtmSocket
from hubbub_bench.stats import delivery_summary
from hubbub_bench.wire import (
    message_id,
    new_key,
    upgrade_request,
)

CONNECT_TIMEOUT_S = 30.0
SETTLE_S = 2.0  # idle time before the RSS after connecting is read
QUIET_S = 5.0  # no delivery for this long ends a phase early


class Tally:
    """Receipts of every socket: per message id the receive times, per socket a count per id."""

    def __init__(self, members: int, ids: int) -> None:
        self.members, self.ids = members, ids
        self.times: list[array[float]] = [array("d") for _ in range(ids)]
        self.counts = bytearray(members * ids)
        self.sent = array("d", [0.0] * ids)
        self.received = 0
        self.other_frames = 0
        self.errors: list[str] = []
        self.sample = b""
        self.progress = asyncio.Event()

    def got(self, sock: int, payload: bytes, now: float) -> None:
        msg = message_id(payload)
        if not 0 <= msg < self.ids:
            self.other_frames += 1
            return
        if not self.sample:
            self.sample = payload
        k = sock * self.ids + msg
        if self.counts[k] < 255:
            self.counts[k] += 1
        self.times[msg].append(now)
        self.received += 1
        self.progress.set()

    def phase(self, first: int, count: int) -> dict[str, Any]:
        ids = range(first, first + count)
        latencies: list[float] = []
        last = 0.0
        for msg in ids:
            sent = self.sent[msg]
            times = self.times[msg]
            if times:
                last = max(last, max(times))
                latencies.extend((t - sent) * 1000.0 for t in times)
        missing = duplicates = 0
        for sock in range(self.members):
            row = self.counts[sock * self.ids + first : sock * self.ids + first + count]
            missing += row.count(0)
            duplicates += sum(c - 1 for c in row if c > 1)
        start = min(self.sent[msg] for msg in ids) if count else 0.0
        return delivery_summary(
            latencies,
            expected=self.members * count,
            missing=missing,
            duplicates=duplicates,
            window_s=last - start if latencies else 0.0,
        )


class Sock(RtmSocket):
    """One member's socket: frames into the tally."""

    def __init__(self, index: int, tally: Tally, request: bytes) -> None:
        super().__init__(index, request)
        self.tally = tally

    def on_frame(self, payload: bytes, now: float) -> None:
        self.tally.got(self.index, payload, now)

    def on_close_frame(self, payload: bytes) -> None:
        self.fail(f"closed by the server: {payload[:80]!r}")

    def on_error(self, why: str) -> None:
        self.tally.errors.append(why)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.hello.done():
            self.hello.set_exception(ConnectionError(f"socket {self.index} closed before hello"))
        elif self.open:
            self.tally.errors.append(f"socket {self.index} closed: {exc}")
        self.open = False


def write_calls(pids: list[int]) -> int | None:
    """Write system calls made so far by these processes (/proc/PID/io syscw; Linux), None
    where unknown: a socket write of the gateway is one (uvloop writes with write/writev)."""
    total = 0
    try:
        for pid in pids:
            with open(f"/proc/{pid}/io") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("syscw:"))
    except (OSError, ValueError, StopIteration):
        return None
    return total


async def open_socket(index: int, tally: Tally, ws_url: str) -> Sock:
    url = urlsplit(ws_url)
    host, port = url.hostname or "", url.port or 80
    if host != "127.0.0.1":
        raise SystemExit("the fan-out client only connects to 127.0.0.1")
    path = url.path + ("?" + url.query if url.query else "")
    request = upgrade_request(host, port, path, new_key())
    loop = asyncio.get_running_loop()
    _, sock = await loop.create_connection(lambda: Sock(index, tally, request), host, port)
    await asyncio.wait_for(sock.hello, CONNECT_TIMEOUT_S)
    return sock


async def connect_all(
    args: argparse.Namespace, tally: Tally, http: aiohttp.ClientSession
) -> list[Sock]:
    """Every member's socket, at most --connect-concurrency in flight (the pacing)."""
    tokens: list[str] = args.token_list
    gate = asyncio.Semaphore(args.connect_concurrency)

    async def one(index: int) -> Sock:
        async with gate:
            if args.mode == "ceiling":
                return await open_socket(index, tally, args.url.replace("http", "ws", 1) + "/ws")
            answer = await api(http, args.url, tokens[index], "rtm.connect", {})
            return await open_socket(index, tally, answer["url"])

    return list(await asyncio.gather(*(one(i) for i in range(args.members))))


async def api(
    http: aiohttp.ClientSession, url: str, token: str, method: str, body: dict[str, Any]
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    async with http.post(f"{url}/api/{method}", data=orjson.dumps(body), headers=headers) as resp:
        raw = await resp.read()
    answer: dict[str, Any] = orjson.loads(raw)
    if resp.status != 200 or answer.get("ok") is not True:
        raise RuntimeError(f"{method}: {resp.status} {raw[:200]!r}")
    return answer


async def wait_for(tally: Tally, target: int, deadline: float) -> None:
    """Until tally.received reaches target, QUIET_S passes without a delivery, or deadline."""
    while tally.received < target and time.perf_counter() < deadline:
        tally.progress.clear()
        try:
            await asyncio.wait_for(tally.progress.wait(), QUIET_S)
        except TimeoutError:
            return


async def post_all(
    args: argparse.Namespace,
    tally: Tally,
    http: aiohttp.ClientSession,
    first: int,
    *,
    rate: float,
) -> list[str]:
    """P posts with ids first.., at rate per second (0: unpaced, --burst-concurrency at once)."""
    token = args.token_list[0]
    gate = asyncio.Semaphore(args.burst_concurrency if rate == 0 else args.posts)
    errors: list[str] = []
    start = time.perf_counter()

    async def one(msg: int) -> None:
        if rate:
            await asyncio.sleep(max(0.0, start + (msg - first) / rate - time.perf_counter()))
        async with gate:
            tally.sent[msg] = time.perf_counter()
            text = f"fanout {msg} {time.time():.6f}"
            try:
                await api(
                    http,
                    args.url,
                    token,
                    "chat.postMessage",
                    {"channel": args.channel, "text": text},
                )
            except (RuntimeError, aiohttp.ClientError) as exc:
                errors.append(str(exc)[:200])

    await asyncio.gather(*(one(m) for m in range(first, first + args.posts)))
    return errors


async def fire(args: argparse.Namespace, tally: Tally, first: int, size: int) -> list[str]:
    """The ceiling's trigger: one request that broadcasts P messages."""
    url = urlsplit(args.url)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    now = time.perf_counter()
    for msg in range(first, first + args.posts):
        tally.sent[msg] = now
    writer.write(
        f"GET /fire?first={first}&count={args.posts}&size={size} HTTP/1.1\r\n\r\n".encode()
    )
    await writer.drain()
    await reader.read(1024)
    writer.close()
    return []


async def measure(
    args: argparse.Namespace, tally: Tally, first: int, go: Any, pids: dict[str, int | list[int]]
) -> dict[str, Any]:
    before, since = cpu_snapshot(pids), time.perf_counter()
    writes_before = write_calls(args.server_pid)
    target = tally.received + args.members * args.posts
    errors = await go
    # The posts' own rate: from the first post to the last answer, deliveries aside.
    posted_s = time.perf_counter() - since
    await wait_for(tally, target, since + args.phase_timeout)
    until = time.perf_counter()
    writes_after = write_calls(args.server_pid)
    summary = tally.phase(first, args.posts)
    if writes_before is not None and writes_after is not None:
        # Every write call of the server in the phase, the posts' answers included.
        summary["server_write_calls"] = writes_after - writes_before
        if writes_after > writes_before:
            per_write = summary["deliveries"] / (writes_after - writes_before)
            summary["deliveries_per_write_call"] = round(per_write, 2)
    after = cpu_snapshot(pids)
    summary["cpu_pct"] = cpu_use(before, after, until - since)
    if len(args.server_pid) > 1:
        summary["cpu_pct_each_server"] = cpu_each(before, after, until - since, "server")
    summary["posts_answered_s"] = round(posted_s, 3)
    summary["posts_per_s"] = round(args.posts / posted_s, 1) if posted_s > 0 else 0.0
    summary["post_errors"] = len(errors or [])
    summary["error_samples"] = (errors or [])[:5]
    return summary


async def run(args: argparse.Namespace) -> dict[str, Any]:
    if urlsplit(args.url).hostname != "127.0.0.1":
        raise SystemExit("the fan-out client only drives 127.0.0.1")
    nofile, _hard = raise_open_files()
    tally = Tally(args.members, 2 * args.posts)
    pids: dict[str, int | list[int]] = {"client": os.getpid()}
    if len(args.server_pid) == 1:
        pids["server"] = args.server_pid[0]
    elif args.server_pid:  # a cluster's processes
        pids["server"] = list(args.server_pid)
    for comm in args.watch:
        pids[comm] = pids_named(comm)
    result: dict[str, Any] = {"mode": args.mode, "client_nofile": nofile}
    connector = aiohttp.TCPConnector(limit=max(args.connect_concurrency, args.burst_concurrency))
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        if args.mode == "hubbub":  # one call first, so the idle RSS excludes first-use costs
            await api(http, args.url, args.token_list[0], "auth.test", {})
        await asyncio.sleep(0.5)
        rss_before = sum(rss_kb(pid) for pid in args.server_pid)
        started = time.perf_counter()
        socks = await connect_all(args, tally, http)
        result["connect_s"] = round(time.perf_counter() - started, 3)
        result["connected"] = len(socks)
        await asyncio.sleep(SETTLE_S)
        rss_after = sum(rss_kb(pid) for pid in args.server_pid)
        result["server_rss_kb"] = {"before": rss_before, "connected_idle": rss_after}
        if rss_before and rss_after:
            result["bytes_per_idle_connection"] = round(
                (rss_after - rss_before) * 1024 / len(socks)
            )
        try:
            if args.mode == "hubbub":
                paced = post_all(args, tally, http, 0, rate=args.rate)
                result["paced"] = await measure(args, tally, 0, paced, pids)
                result["paced"]["rate_per_s"] = args.rate
                await asyncio.sleep(1.0)
                burst = post_all(args, tally, http, args.posts, rate=0)
                result["burst"] = await measure(args, tally, args.posts, burst, pids)
                result["frame_bytes"] = len(tally.sample)
                result["frame_sample"] = tally.sample[:600].decode(errors="replace")
            else:
                result["frame_bytes"] = args.frame_bytes
                burst = fire(args, tally, args.posts, args.frame_bytes)
                result["burst"] = await measure(args, tally, args.posts, burst, pids)
        finally:
            result["socket_errors"] = len(tally.errors)
            result["socket_error_samples"] = tally.errors[:5]
            result["other_frames"] = tally.other_frames
            for sock in socks:
                sock.close()
    return result


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m hubbub_bench.fanclient", description=__doc__)
    parser.add_argument("--mode", choices=("hubbub", "ceiling"), required=True)
    parser.add_argument("--url", required=True, help="http://127.0.0.1:PORT")
    parser.add_argument("--tokens", default="", help="a file of member tokens; the first posts")
    parser.add_argument("--channel", default="")
    parser.add_argument("--members", type=int, required=True)
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0, help="posts/s of the paced phase")
    parser.add_argument("--burst-concurrency", type=int, default=8)
    parser.add_argument("--connect-concurrency", type=int, default=32)
    parser.add_argument("--frame-bytes", type=int, default=400, help="ceiling frame size")
    parser.add_argument("--phase-timeout", type=float, default=120.0)
    parser.add_argument("--server-pid", type=int, action="append", default=[])
    parser.add_argument("--watch", action="append", default=[], help="a process name (postgres)")
    args = parser.parse_args(argv)
    args.token_list = Path(args.tokens).read_text().split() if args.tokens else []
    if args.mode == "hubbub" and len(args.token_list) < args.members:
        parser.error("--tokens must hold a token per member")
    return args


def main(argv: list[str] | None = None) -> None:
    report(run(parse_args(sys.argv[1:] if argv is None else argv)))


if __name__ == "__main__":
    main()
