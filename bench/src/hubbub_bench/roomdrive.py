"""The running parts of `hubbub bench room`: the client processes, the poster, the clock.

`Clients` starts the `roomclient` processes (each its slice of the members and its source
address), waits for their sockets, and sends every one a command and reads every answer.
`Poster` posts `room <id> <sent>` through chat.postMessage on the shared port, noting each
post's send time, on a schedule that a slow answer does not push back.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
import uuid
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson

from hubbub_bench.post import _die_with_parent as die_with_parent
from hubbub_bench.roomtally import post_text

POST_TRIES = 10
CONNECT_RATE_FLOOR = 40.0  # sockets/s: the slowest connecting allowed for in the timeout


@dataclass(frozen=True)
class Slice:
    first: int
    count: int
    address: str


def slices(members: int, processes: int, addresses: Sequence[str]) -> list[Slice]:
    """Members split as evenly as they go over the processes; process k binds address k mod A."""
    base, extra = divmod(members, processes)
    out, first = [], 0
    for k in range(processes):
        count = base + (k < extra)
        out.append(Slice(first, count, addresses[k % len(addresses)]))
        first += count
    return out


class Clients:
    def __init__(self, procs: list[asyncio.subprocess.Process], parts: list[Slice]) -> None:
        self.procs, self.parts = procs, parts

    @classmethod
    async def start(
        cls,
        parts: list[Slice],
        *,
        url: str,
        tokens: Path,
        ids: int,
        connect_concurrency: int,
        jitter: float,
    ) -> Clients:
        procs = []
        for part in parts:
            argv = [sys.executable, "-m", "hubbub_bench.roomclient", "--url", url]
            argv += ["--tokens", str(tokens), "--first", str(part.first)]
            argv += ["--count", str(part.count), "--address", part.address, "--ids", str(ids)]
            argv += ["--connect-concurrency", str(connect_concurrency), "--jitter", str(jitter)]
            procs.append(
                await asyncio.create_subprocess_exec(
                    *argv,
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                    limit=1 << 28,  # a report line holds every id's histogram
                    start_new_session=True,
                    # SIGTERM if the bench dies, even by -9: no client outlives it.
                    preexec_fn=die_with_parent,
                )
            )
        return cls(procs, parts)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    async def connected(self, members: int) -> list[dict[str, Any]]:
        """Every process's `connected` line, within a time allowed for the slowest rate."""
        timeout = 120.0 + members / CONNECT_RATE_FLOOR
        return await asyncio.wait_for(asyncio.gather(*(self._line(p) for p in self.procs)), timeout)

    async def ask(self, command: str, within_s: float = 120.0) -> list[dict[str, Any]]:
        for proc in self.procs:
            assert proc.stdin is not None
            proc.stdin.write(command.encode() + b"\n")
        lines = asyncio.gather(*(self._line(p) for p in self.procs))
        return await asyncio.wait_for(lines, within_s)

    async def _line(self, proc: asyncio.subprocess.Process) -> dict[str, Any]:
        assert proc.stdout is not None
        line = await proc.stdout.readline()
        if not line:
            raise RuntimeError(f"room client {proc.pid} exited ({await proc.wait()})")
        answer: dict[str, Any] = orjson.loads(line)
        return answer

    async def stop(self) -> None:
        """quit, then SIGTERM and SIGKILL for any that lingers: none outlives the bench."""
        for proc in self.procs:
            with contextlib.suppress(OSError, RuntimeError):
                if proc.returncode is None and proc.stdin is not None:
                    proc.stdin.write(b"quit\n")
                    proc.stdin.close()
        for proc in self.procs:
            try:
                await asyncio.wait_for(proc.wait(), 15)
            except TimeoutError:
                for sig in (signal.SIGTERM, signal.SIGKILL):
                    with contextlib.suppress(ProcessLookupError):
                        proc.send_signal(sig)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(proc.wait(), 5)
                        break


class Poster:
    """Posts as member 0 through the shared port; each post's send time by id."""

    def __init__(self, url: str, token: str, channel: str, ids: int) -> None:
        self.http = httpx.AsyncClient(
            base_url=url,
            timeout=60.0,
            headers={"Authorization": f"Bearer {token}"},
            limits=httpx.Limits(max_connections=32),
        )
        self.channel = channel
        self.sent = array("d", [0.0]) * ids
        self.next_id = 0
        self.errors: list[str] = []
        self.unanswered: list[int] = []  # ids never answered ok in POST_TRIES
        self.tasks: set[asyncio.Task[None]] = set()

    async def post(self, msg_id: int) -> None:
        self.sent[msg_id] = time.time()
        # client_msg_id makes a retry of a post whose answer was lost the same message, as
        # a real client's retry is (docs/architecture.md, a crash between commit and publish).
        body = {
            "channel": self.channel,
            "text": post_text(msg_id, self.sent[msg_id]),
            "client_msg_id": str(uuid.UUID(int=msg_id + 1)),
        }
        for attempt in range(POST_TRIES):
            try:
                resp = await self.http.post("/api/chat.postMessage", json=body)
                if resp.status_code == 200 and resp.json().get("ok"):
                    return
                why = f"{resp.status_code} {resp.text[:120]}"
            except httpx.HTTPError as exc:  # the process that took it died (the kill phase)
                why = f"{type(exc).__name__}: {exc}"
            self.errors.append(f"post {msg_id} try {attempt}: {why}"[:200])
            await asyncio.sleep(0.5)
        self.unanswered.append(msg_id)  # its receipts, if any, are still counted

    def start(self, msg_id: int) -> None:
        task = asyncio.get_running_loop().create_task(self.post(msg_id))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def take(self, count: int) -> range:
        ids = range(self.next_id, self.next_id + count)
        self.next_id += count
        return ids

    async def paced(self, ids: Iterable[int], every: float) -> None:
        """One post every `every` s, each on its own task (a slow answer delays no other)."""
        start = time.monotonic()
        for n, msg_id in enumerate(ids):
            await asyncio.sleep(max(0.0, start + n * every - time.monotonic()))
            self.start(msg_id)
        await self.drain()

    async def burst(self, ids: Iterable[int]) -> None:
        await asyncio.gather(*(self.post(i) for i in ids))

    async def drain(self) -> None:
        if self.tasks:
            await asyncio.gather(*list(self.tasks))

    async def close(self) -> None:
        await self.drain()
        await self.http.aclose()


async def wait_delivered(clients: Clients, target: int, within_s: float, quiet_s: float) -> int:
    """Until the clients' receipts reach target, none arrive for quiet_s, or within_s has
    passed: the receipts then."""
    deadline = time.monotonic() + within_s
    last, last_change = -1, time.monotonic()
    while True:
        received = sum(int(s["received"]) for s in await clients.ask("status"))
        now = time.monotonic()
        if received != last:
            last, last_change = received, now
        if received >= target or now > deadline or now - last_change > quiet_s:
            return received
        await asyncio.sleep(0.5)
