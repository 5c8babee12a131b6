"""The load generator: N keep-alive connections posting chat.postMessage for a bounded time.

Runs as its own process (`python -m hubbub_bench.load ...`), so it never shares a core's
interpreter with the server it measures. It sends what slack_sdk's `WebClient.chat_postMessage`
sends (a JSON body with a bearer token; or a urlencoded form with `--body form`), warms up, then
measures every request that completes in the window. It prints one JSON object on stdout.

With `--invalid-percent P` and `--invalid-channel C`, P of every 100 posts of each connection
(spread evenly) go to C, a channel the poster is not in: Slack answers those `not_in_channel`,
which counts as a rejection (expected), not an error.

Only 127.0.0.1 is accepted as a target.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import aiohttp
import orjson
import uvloop

from hubbub_bench.cpu import cpu_each, cpu_snapshot, cpu_use, pids_named
from hubbub_bench.stats import summarise

MAX_DURATION_S = 600.0
MAX_CONNECTIONS = 1024
USER_AGENT = "Python/3 slackclient/3 hubbub-bench/0"
REJECTION = "not_in_channel"  # the answer expected for a post to --invalid-channel


@dataclass
class Tally:
    """What the workers saw; latencies only of requests that completed in the window."""

    window_start: float = 0.0
    window_end: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    rejected: int = 0  # expected refusals (--invalid-percent) answered in the window
    ok_total: int = 0  # every ok answer, warm-up included: the durability check counts these
    error_total: int = 0
    error_samples: list[str] = field(default_factory=list)

    def failed(self, start: float, end: float, what: str) -> None:
        self.error_total += 1
        if self.window_start <= start and end <= self.window_end:
            self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(what[:200])


def is_invalid(i: int, percent: int) -> bool:
    """Whether a connection's i-th post is one of the invalid ones: percent of every 100,
    spread evenly rather than in a run."""
    return (i + 1) * percent // 100 != i * percent // 100


def request_body(kind: str, channel: str, text: str) -> tuple[bytes, str]:
    """The body and content type slack_sdk would send for chat_postMessage(channel, text)."""
    if kind == "json":
        return orjson.dumps({"channel": channel, "text": text}), "application/json;charset=utf-8"
    return (
        urlencode({"channel": channel, "text": text}).encode(),
        "application/x-www-form-urlencoded",
    )


async def _worker(
    n: int,
    session: aiohttp.ClientSession,
    url: str,
    headers: dict[str, str],
    args: argparse.Namespace,
    tally: Tally,
) -> None:
    i = 0
    perf = time.perf_counter
    channels = args.channel.split(",")
    channel = channels[n % len(channels)]  # with several channels, connections take turns
    texts: list[str] = args.texts_list
    while True:
        start = perf()
        if start >= tally.window_end:
            return
        invalid = bool(args.invalid_percent) and is_invalid(i, args.invalid_percent)
        to = args.invalid_channel if invalid else channel
        text = f"bench {n}-{i} hello world"
        if texts:
            text = texts[(n + i * args.connections) % len(texts)]
        body, content_type = request_body(args.body, to, text)
        i += 1
        try:
            async with session.post(
                url, data=body, headers={**headers, "Content-Type": content_type}
            ) as resp:
                raw = await resp.read()
                status = resp.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            tally.failed(start, perf(), f"{type(exc).__name__}: {exc}")
            await asyncio.sleep(0.01)
            continue
        end = perf()
        try:
            answer = orjson.loads(raw)
        except orjson.JSONDecodeError:
            answer = None
        if invalid and status == 200 and answer == {"ok": False, "error": REJECTION}:
            if tally.window_start <= start and end <= tally.window_end:
                tally.rejected += 1
            continue
        if invalid or status != 200 or not isinstance(answer, dict) or answer.get("ok") is not True:
            tally.failed(start, end, f"{status} {raw[:120]!r}")
            continue
        tally.ok_total += 1
        if tally.window_start <= start and end <= tally.window_end:
            tally.latencies_ms.append((end - start) * 1000.0)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    url = args.url.rstrip("/") + "/api/chat.postMessage"
    if urlsplit(url).hostname != "127.0.0.1":
        raise SystemExit("the load generator only drives 127.0.0.1")
    headers = {"Authorization": f"Bearer {args.token}", "User-Agent": USER_AGENT}
    connector = aiohttp.TCPConnector(limit=args.connections, force_close=False)
    timeout = aiohttp.ClientTimeout(total=30)
    tally = Tally()
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        now = time.perf_counter()
        tally.window_start = now + args.warmup
        tally.window_end = tally.window_start + args.duration
        workers = [
            asyncio.create_task(_worker(n, session, url, headers, args, tally))
            for n in range(args.connections)
        ]
        await asyncio.sleep(max(0.0, tally.window_start - time.perf_counter()))
        pids = watched(args)
        before, since = cpu_snapshot(pids), time.perf_counter()
        await asyncio.sleep(max(0.0, tally.window_end - time.perf_counter()))
        after, until = cpu_snapshot(pids), time.perf_counter()
        await asyncio.gather(*workers)
        finished = time.perf_counter()
    summary = summarise(
        tally.latencies_ms,
        errors=tally.errors,
        window_s=args.duration,
        error_samples=tally.error_samples,
    )
    summary["rejected"] = tally.rejected
    # Every post answered as it should be, accepted or refused: the rate with invalid posts.
    answered = summary["requests"] + tally.rejected
    summary["answered_per_s"] = round(answered / args.duration, 1)
    summary["ok_total"] = tally.ok_total
    summary["errors_total"] = tally.error_total
    summary["drain_s"] = round(finished - tally.window_end, 3)
    summary["cpu_pct"] = cpu_use(before, after, until - since)
    if len(args.server_pid) > 1:
        summary["cpu_pct_each_server"] = cpu_each(before, after, until - since, "server")
    server_pct = summary["cpu_pct"].get("server")
    if server_pct is not None and summary["posts_per_s"]:
        summary["server_cpu_ms_per_post"] = round(10.0 * server_pct / summary["posts_per_s"], 3)
    return summary


def watched(args: argparse.Namespace) -> dict[str, int | list[int]]:
    """The processes whose CPU use the summary reports: this one, the server (one process, or
    a group: a cluster's), and every process named by --watch (e.g. postgres), found now."""
    pids: dict[str, int | list[int]] = {"client": os.getpid()}
    if len(args.server_pid) == 1:
        pids["server"] = args.server_pid[0]
    elif args.server_pid:
        pids["server"] = list(args.server_pid)
    for comm in args.watch:
        pids[comm] = pids_named(comm)
    return pids


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m hubbub_bench.load", description=__doc__)
    parser.add_argument("--url", required=True, help="http://127.0.0.1:PORT")
    parser.add_argument("--token", required=True)
    parser.add_argument("--channel", required=True, help="a channel id, or several: C1,C2,..")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=1.5)
    parser.add_argument("--body", choices=("json", "form"), default="json")
    parser.add_argument(
        "--texts", type=Path, default=None, help="a JSON list of texts, posted in turn"
    )
    parser.add_argument("--invalid-percent", type=int, default=0, help="posts of 100 to refuse")
    parser.add_argument("--invalid-channel", default="", help="a channel the poster is not in")
    parser.add_argument(
        "--server-pid", type=int, action="append", default=[], help="to report its CPU use"
    )
    parser.add_argument(
        "--watch", action="append", default=[], help="also report processes of this name's CPU"
    )
    args = parser.parse_args(argv)
    args.texts_list = _texts(parser, args.texts)
    if not 1 <= args.connections <= MAX_CONNECTIONS:
        parser.error(f"--connections must be within 1..{MAX_CONNECTIONS}")
    if not 0 <= args.invalid_percent <= 100 or (args.invalid_percent and not args.invalid_channel):
        parser.error("--invalid-percent must be within 0..100, with --invalid-channel")
    if not 0 < args.duration <= MAX_DURATION_S or not 0 <= args.warmup <= MAX_DURATION_S:
        parser.error(f"--duration and --warmup must be within 0..{MAX_DURATION_S:g} s")
    return args


def _texts(parser: argparse.ArgumentParser, path: Path | None) -> list[str]:
    """--texts: what the posts say (else a short numbered line each)."""
    if path is None:
        return []
    try:
        texts = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        parser.error(f"--texts: {exc}")
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        parser.error("--texts must hold a JSON list of strings")
    return texts


def report(work: Coroutine[Any, Any, dict[str, Any]]) -> None:
    """Runs a client process's measurement on uvloop; its result goes to stdout as one JSON line."""
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        result = runner.run(work)
    sys.stdout.write(orjson.dumps(result).decode() + "\n")


def main(argv: list[str] | None = None) -> None:
    report(run(parse_args(sys.argv[1:] if argv is None else argv)))


if __name__ == "__main__":
    main()
