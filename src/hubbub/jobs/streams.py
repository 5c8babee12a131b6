"""The scaled job queue: Redis Streams with one consumer group (docs/jobs.md).

- `StreamRelay` runs in every `hubbub serve` process: it claims due jobs from the jobs tables,
  adds each to the stream, then deletes its row. A crash between the two leaves the row to be
  claimed and added again once its lease runs out: a job may be queued twice, never lost
  (handlers are idempotent).
- `StreamQueue` is what `hubbub worker` runs jobs from (jobs/runner.py): XREADGROUP for new
  entries, XAUTOCLAIM for entries whose worker died mid-job (idle past the lease), a sorted set
  of retries due later, and a stream of dead letters.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from dataclasses import dataclass, replace
from typing import Any, Final

import orjson
import structlog
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from hubbub.aio import woken
from hubbub.domain.jobs import Job
from hubbub.jobs.background import Background
from hubbub.jobs.queue import SqlQueue
from hubbub.services.hub import Hub

log = structlog.get_logger()

GROUP: Final = "workers"
RELAY_BATCH: Final = 500
# Moves due retries back to the stream, atomically, so two workers cannot both move one.
_DUE: Final = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
for _, job in ipairs(due) do
  redis.call('XADD', KEYS[2], '*', 'job', job)
  redis.call('ZREM', KEYS[1], job)
end
return #due
"""


@dataclass(frozen=True, slots=True)
class JobStreams:
    redis: Redis
    prefix: str = "hubbub:"

    @property
    def stream(self) -> str:
        return f"{self.prefix}jobs"

    @property
    def delayed(self) -> str:
        return f"{self.prefix}jobs:delayed"

    @property
    def dead(self) -> str:
        return f"{self.prefix}jobs:dead"

    @property
    def counters(self) -> str:
        """A hash of totals since the stream began: `<kind>:done`, `:retried`, `:dead`."""
        return f"{self.prefix}jobs:counters"

    async def ensure_group(self) -> None:
        try:
            await self.redis.xgroup_create(self.stream, GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def add(self, jobs: list[Job]) -> None:
        pipe = self.redis.pipeline(transaction=False)
        for job in jobs:
            pipe.xadd(self.stream, {"job": _encode(job, job.attempt)})
        await pipe.execute()

    async def stats(self) -> dict[str, Any]:
        await self.ensure_group()
        pending: Any = await self.redis.xpending(self.stream, GROUP)
        totals: Any = await self.redis.hgetall(self.counters)
        return {
            "stream": await self.redis.xlen(self.stream),
            "pending": int(pending["pending"]),
            "consumers": len(pending["consumers"] or []),
            "delayed": await self.redis.zcard(self.delayed),
            "dead": await self.redis.xlen(self.dead),
            "totals": {k.decode(): int(v) for k, v in sorted(totals.items())},
        }

    async def dead_letters(self, limit: int = 100) -> list[dict[str, Any]]:
        found = []
        entries: Any = await self.redis.xrevrange(self.dead, count=limit)
        for entry_id, fields in entries:
            item = orjson.loads(fields[b"job"])
            found.append({"id": entry_id.decode(), **item})
        return found

    async def revive_dead(self) -> int:
        """Queues every dead letter again, with a fresh count of tries."""
        revived = 0
        entries: Any = await self.redis.xrange(self.dead)
        for entry_id, fields in entries:
            item = orjson.loads(fields[b"job"])
            item.pop("error", None)
            item.pop("died", None)
            item["attempt"] = 0
            pipe = self.redis.pipeline(transaction=True)
            pipe.xadd(self.stream, {"job": orjson.dumps(item)})
            pipe.xdel(self.dead, entry_id)
            await pipe.execute()
            revived += 1
        return revived


def _encode(job: Job, attempts: int, **extra: Any) -> bytes:
    return orjson.dumps(
        {"team_id": job.team_id, "kind": job.kind, "payload": job.payload, "attempt": attempts}
        | extra
    )


def _decode(entry_id: bytes, fields: dict[bytes, bytes], *, redelivered: bool) -> Job:
    item = orjson.loads(fields[b"job"])
    # A redelivered entry was handed to a worker that died with it: that was a try too.
    tries = int(item["attempt"]) + (2 if redelivered else 1)
    return Job(entry_id.decode(), item["team_id"], item["kind"], item["payload"], tries)


class StreamRelay(Background):
    """Moves jobs from the jobs tables of every shard into the stream."""

    def __init__(self, hub: Hub, streams: JobStreams, *, idle_poll_s: float = 0.25) -> None:
        self.hub, self.streams, self.idle_poll_s = hub, streams, idle_poll_s
        # Leased long enough for a slow Redis; past that, a crash mid-move is retried.
        self.sql = SqlQueue(hub, lease_s=30.0)
        self._wake = asyncio.Event()
        hub.jobs_queued = self._wake.set

    async def run_once(self) -> int:
        claimed = await self.sql.claim(RELAY_BATCH)
        # The claim counted a try; the workers count their own.
        await self.streams.add([replace(job, attempt=job.attempt - 1) for job in claimed])
        await self.sql.done_many(claimed)
        return len(claimed)

    async def _loop(self) -> None:
        await self.streams.ensure_group()
        while True:
            try:
                moved = await self.run_once()
            except Exception as exc:  # Redis or a shard away: the rows wait, nothing is lost
                log.warning("job_relay_failed", error=str(exc))
                moved = 0
            if moved < RELAY_BATCH:
                await woken(self._wake, self.idle_poll_s)


class StreamQueue:
    """The JobQueue of a `hubbub worker`: one consumer of the group."""

    def __init__(
        self, streams: JobStreams, *, lease_s: float, block_ms: int = 200, name: str = ""
    ) -> None:
        self.streams, self.block_ms = streams, block_ms
        self.lease_ms = int(lease_s * 1000)
        self.name = name or f"{socket.gethostname()}-{os.getpid()}"
        self._ready = False

    async def claim(self, limit: int) -> list[Job]:
        s = self.streams
        if not self._ready:
            await s.ensure_group()
            self._ready = True
        await s.redis.eval(_DUE, 2, s.delayed, s.stream, int(time.time() * 1000), 100)
        claimed: Any = await s.redis.xautoclaim(
            s.stream, GROUP, self.name, self.lease_ms, "0-0", count=limit
        )
        jobs = [_decode(i, f, redelivered=True) for i, f in claimed[1] if f]
        if len(jobs) < limit:
            read: Any = await s.redis.xreadgroup(
                GROUP, self.name, {s.stream: ">"}, count=limit - len(jobs), block=self.block_ms
            )
            for _stream, entries in read or []:
                jobs += [_decode(i, f, redelivered=False) for i, f in entries]
        return jobs

    async def _finish(self, job: Job, outcome: str, *extra: tuple[str, Any]) -> None:
        s = self.streams
        pipe = s.redis.pipeline(transaction=True)
        for command, args in extra:
            getattr(pipe, command)(*args)
        pipe.hincrby(s.counters, f"{job.kind}:{outcome}", 1)
        pipe.xack(s.stream, GROUP, job.id)
        pipe.xdel(s.stream, job.id)
        await pipe.execute()

    async def done(self, job: Job) -> None:
        await self._finish(job, "done")

    async def retry(self, job: Job, delay_s: float, error: str, *, counts: bool = True) -> None:
        attempts = job.attempt if counts else job.attempt - 1
        due_ms = int((time.time() + delay_s) * 1000)
        item = _encode(job, attempts, error=error[:2000])
        outcome = "retried" if counts else "deferred"
        await self._finish(job, outcome, ("zadd", (self.streams.delayed, {item: due_ms})))

    async def bury(self, job: Job, error: str) -> None:
        item = _encode(job, job.attempt, error=error[:2000], died=time.time())
        await self._finish(job, "dead", ("xadd", (self.streams.dead, {"job": item})))
