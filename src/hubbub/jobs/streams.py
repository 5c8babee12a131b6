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
import contextlib
import os
import socket
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any, Final

import orjson
import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from hubbub.aio import woken
from hubbub.domain.errors import Unavailable
from hubbub.domain.jobs import Claimed, Job
from hubbub.jobs.background import Background
from hubbub.jobs.queue import SqlQueue
from hubbub.services.hub import Hub

log = structlog.get_logger()

GROUP: Final = "workers"
RELAY_BATCH: Final = 500
SWEEP_S: Final = 0.5
# One command for a batch: packing and parsing an XADD each in redis-py cost the relay more
# than Redis spends on them.
_ADD: Final = """
for _, job in ipairs(ARGV) do
  redis.call('XADD', KEYS[1], '*', 'job', job)
end
return #ARGV
"""
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

    async def add(self, claimed: list[Claimed]) -> None:
        """Adds jobs claimed from the tables, their payloads passed on as stored. The claim
        counted a try; the workers count their own."""
        if claimed:
            items = [
                _entry(c.team_id, c.kind, orjson.Fragment(c.payload_json), c.attempt - 1)
                for c in claimed
            ]
            await self.redis.eval(_ADD, 1, self.stream, *items)

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
    return _entry(job.team_id, job.kind, job.payload, attempts, **extra)


def _entry(team_id: str, kind: str, payload: Any, attempts: int, **extra: Any) -> bytes:
    return orjson.dumps(
        {"team_id": team_id, "kind": kind, "payload": payload, "attempt": attempts} | extra
    )


def _decode(entry_id: bytes, fields: dict[bytes, bytes], *, redelivered: bool) -> Job:
    item = orjson.loads(fields[b"job"])
    # A redelivered entry was handed to a worker that died with it: that was a try too.
    tries = int(item["attempt"]) + (2 if redelivered else 1)
    return Job(entry_id.decode(), item["team_id"], item["kind"], item["payload"], tries)


class StreamRelay(Background):
    """Moves jobs from the jobs tables of every shard into the stream."""

    def __init__(
        self, hub: Hub, streams: JobStreams, *, idle_poll_s: float = 0.25, lease_s: float = 30.0
    ) -> None:
        self.hub, self.streams, self.idle_poll_s = hub, streams, idle_poll_s
        # Leased long enough for a slow Redis; past that, a crash mid-move is retried.
        self.sql = SqlQueue(hub, lease_s=lease_s, counted=False)
        self._moved: list[Claimed] = []  # in the stream, their rows not yet deleted
        self._wake = asyncio.Event()
        hub.jobs_queued = self._wake.set

    async def run_once(self) -> int:
        # The rows moved last time are deleted in the write that claims the next ones.
        moved, self._moved = self._moved, []
        try:
            claimed = await self.sql.claim_stored(RELAY_BATCH, finished=moved)
        except Exception:
            self._moved = moved
            raise
        await self.streams.add(claimed)
        self._moved = claimed
        return len(claimed)

    async def _loop(self) -> None:
        await self.streams.ensure_group()
        while True:
            try:
                moved = await self.run_once()
            except Exception as exc:  # Redis or a shard away: the rows wait, nothing is lost
                log.warning("job_relay_failed", error=str(exc))
                moved = 0
            if moved < RELAY_BATCH and not self._moved:
                await woken(self._wake, self.idle_poll_s)

    async def stop(self) -> None:
        """Deletes the rows already moved, so they are not moved again after their lease."""
        await super().stop()
        if self._moved:
            with contextlib.suppress(Exception):  # they are moved again: a duplicate, no loss
                await self.sql.claim_stored(0, finished=self._moved)
            self._moved = []


# Redis's answers when the stream or its group is gone: made again, as at the first claim.
_GROUP_GONE = ("NOGROUP", "UNBLOCKED")


class StreamQueue:
    """The JobQueue of a `hubbub worker`: one consumer of the group."""

    def __init__(
        self, streams: JobStreams, *, lease_s: float, block_ms: int = 200, name: str = ""
    ) -> None:
        self.streams, self.block_ms = streams, block_ms
        self.lease_ms = int(lease_s * 1000)
        self.name = name or f"{socket.gethostname()}-{os.getpid()}"
        self._ready = False
        self._next_sweep = 0.0

    @contextlib.asynccontextmanager
    async def _reaching_redis(self) -> AsyncIterator[None]:
        """Redis out of reach is Unavailable, which the runner waits out, as it does the SQL
        queue's database; any other error would end its loop and leave the worker alive and
        idle. A Redis that came back empty has lost the group too: made again at the next
        claim (the jobs it held are lost with it: docs/deploy.md, job_queue = "redis"). A
        stream deleted while a read blocks on it (FLUSHALL) answers that read UNBLOCKED."""
        try:
            yield
        except ResponseError as exc:
            if not str(exc).startswith(_GROUP_GONE):
                raise
            self._ready = False
            raise Unavailable() from exc
        except (RedisError, OSError) as exc:
            raise Unavailable() from exc

    async def claim(self, limit: int, *, finished: Sequence[Job] = ()) -> list[Job]:
        async with self._reaching_redis():
            return await self._claim(limit, finished)

    async def _claim(self, limit: int, finished: Sequence[Job]) -> list[Job]:
        s = self.streams
        if not self._ready:  # before the acks: a group made again has none of their entries
            await s.ensure_group()
            self._ready = True
        await self._done(finished)
        if limit <= 0:
            return []
        jobs = await self._sweep(limit) if time.monotonic() >= self._next_sweep else []
        if len(jobs) < limit:
            read: Any = await s.redis.xreadgroup(
                GROUP, self.name, {s.stream: ">"}, count=limit - len(jobs), block=self.block_ms
            )
            for _stream, entries in read or []:
                jobs += [_decode(i, f, redelivered=False) for i, f in entries]
        return jobs

    async def _sweep(self, limit: int) -> list[Job]:
        """Moves due retries to the stream, and takes over entries a dead worker left.

        Both wait seconds anyway (backoff, the lease), so a worker looks at most every SWEEP_S,
        not before each read: two round trips fewer per claim.
        """
        s = self.streams
        self._next_sweep = time.monotonic() + SWEEP_S
        await s.redis.eval(_DUE, 2, s.delayed, s.stream, int(time.time() * 1000), 100)
        claimed: Any = await s.redis.xautoclaim(
            s.stream, GROUP, self.name, self.lease_ms, "0-0", count=limit
        )
        return [_decode(i, f, redelivered=True) for i, f in claimed[1] if f]

    async def _finish(self, job: Job, outcome: str, *extra: tuple[str, Any]) -> None:
        async with self._reaching_redis():
            await self._finish_now(job, outcome, *extra)

    async def _finish_now(self, job: Job, outcome: str, *extra: tuple[str, Any]) -> None:
        s = self.streams
        pipe = s.redis.pipeline(transaction=True)
        for command, args in extra:
            getattr(pipe, command)(*args)
        pipe.hincrby(s.counters, f"{job.kind}:{outcome}", 1)
        pipe.xack(s.stream, GROUP, job.id)
        pipe.xdel(s.stream, job.id)
        await pipe.execute()

    async def _done(self, jobs: Sequence[Job]) -> None:
        """One pipeline for the lot: the counts per kind, one XACK and one XDEL."""
        if not jobs:
            return
        s = self.streams
        kinds = Counter(job.kind for job in jobs)
        ids = [job.id for job in jobs]
        pipe = s.redis.pipeline(transaction=True)
        for kind, n in kinds.items():
            pipe.hincrby(s.counters, f"{kind}:done", n)
        pipe.xack(s.stream, GROUP, *ids)
        pipe.xdel(s.stream, *ids)
        await pipe.execute()

    async def retry(self, job: Job, delay_s: float, error: str, *, counts: bool = True) -> None:
        attempts = job.attempt if counts else job.attempt - 1
        due_ms = int((time.time() + delay_s) * 1000)
        item = _encode(job, attempts, error=error[:2000])
        outcome = "retried" if counts else "deferred"
        await self._finish(job, outcome, ("zadd", (self.streams.delayed, {item: due_ms})))

    async def bury(self, job: Job, error: str) -> None:
        item = _encode(job, job.attempt, error=error[:2000], died=time.time())
        await self._finish(job, "dead", ("xadd", (self.streams.dead, {"job": item})))
