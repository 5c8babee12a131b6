"""Runs background jobs: claims them from a queue, runs each with its kind's timeout, and on a
failure retries it with backoff and jitter or, after its last try, moves it to the dead letters.
A workspace over its rate for a kind waits its turn without holding up the others.

Finished jobs are marked done in batches, with the loop's next claim: one write (or one Redis
pipeline) for all the jobs that finished meanwhile, instead of one per job. A crash before that
leaves them leased, and they run again: at least once, as every job may (handlers are
idempotent).
"""

from __future__ import annotations

import asyncio
import time

import structlog

from hubbub.aio import woken
from hubbub.domain.errors import Unavailable
from hubbub.domain.jobs import Buckets, Job, PermanentFailure, backoff_s, gives_up
from hubbub.jobs.background import Background
from hubbub.jobs.kinds import Kind
from hubbub.jobs.queue import JobQueue
from hubbub.services.hub import Hub

log = structlog.get_logger()

IDLE_POLL_S = 0.25
# How long stopping waits for the running jobs (each is bounded by its kind's timeout anyway).
DRAIN_S = 30.0


class JobRunner(Background):
    def __init__(
        self,
        hub: Hub,
        queue: JobQueue,
        kinds: dict[str, Kind],
        *,
        concurrency: int = 8,
        idle_poll_s: float = IDLE_POLL_S,
    ) -> None:
        self.hub, self.queue, self.kinds = hub, queue, kinds
        self.concurrency, self.idle_poll_s = concurrency, idle_poll_s
        self.running: set[asyncio.Task[None]] = set()
        self.buckets = Buckets()
        self._wake = asyncio.Event()
        self._finished: list[Job] = []  # done, not yet marked done in the queue
        # One claim at a time: drain waits for the loop's, whose finished jobs it carries.
        self._claiming = asyncio.Lock()
        self.done = 0  # jobs finished (for `hubbub admin jobs` rates and the bench)

    def wake(self) -> None:
        self._wake.set()

    async def _loop(self) -> None:
        while True:
            started = await self.run_once()
            if len(self.running) >= self.concurrency:
                await asyncio.wait(self.running, return_when=asyncio.FIRST_COMPLETED)
            elif not started and not self._finished:
                await woken(self._wake, self.idle_poll_s)

    async def run_once(self) -> int:
        """Marks what finished as done and claims what there is room for, and starts it; how
        many it started."""
        free = self.concurrency - len(self.running)
        claimed = await self._claim(free)
        for job in claimed:
            task = asyncio.get_running_loop().create_task(self._run(job))
            self.running.add(task)
            task.add_done_callback(self.running.discard)
        return len(claimed)

    async def _claim(self, limit: int) -> list[Job]:
        async with self._claiming:
            return await self._claim_now(limit)

    async def _claim_now(self, limit: int) -> list[Job]:
        finished, self._finished = self._finished, []
        if limit <= 0 and not finished:
            return []
        try:
            claimed = await self.queue.claim(max(limit, 0), finished=finished)
        except Unavailable as exc:
            log.warning("jobs_claim_failed", error=str(exc))
            self._finished = finished + self._finished  # marked done with the next claim
            return []
        self.done += len(finished)
        return claimed

    async def drain(self, timeout_s: float | None = None) -> None:
        """Waits for the jobs already started (up to timeout_s), and marks the finished ones
        done; one still running after that is left to its lease, and runs again elsewhere."""
        if self.running:
            await asyncio.wait(set(self.running), timeout=timeout_s)
        await self._claim(0)

    async def stop(self, *, drain_s: float = DRAIN_S) -> None:
        """Claims no more, then drains: without it, the jobs finished since the last claim
        would stay leased and run again once their lease ran out."""
        await super().stop()
        await self.drain(drain_s)

    async def _run(self, job: Job) -> None:
        kind = self.kinds.get(job.kind)
        try:
            if kind is None:
                await self.queue.bury(job, f"unknown job kind {job.kind!r}")
                return
            wait = self.buckets.wait_s(job.team_id, job.kind, kind.spec, time.monotonic())
            if wait > 0:
                await self.queue.retry(job, wait, "rate limited", counts=False)
                return
            await self._attempt(job, kind)
        except Unavailable as exc:
            # The queue itself is out of reach: the lease runs out and the job is claimed again.
            log.warning("jobs_queue_unavailable", job=job.id, error=str(exc))

    async def _attempt(self, job: Job, kind: Kind) -> None:
        try:
            # asyncio.timeout, not wait_for: no second task per job.
            async with asyncio.timeout(kind.spec.timeout_s):
                await kind.handler(self.hub, job)
        except PermanentFailure as exc:
            log.warning("job_failed_for_good", job=job.id, kind=job.kind, error=str(exc))
            await self.queue.bury(job, f"permanent: {exc}")
        except Exception as exc:  # any failure of a handler is retried, never lost
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            if gives_up(kind.spec, job.attempt):
                log.warning("job_dead", job=job.id, kind=job.kind, error=error)
                await self.queue.bury(job, error)
            else:
                await self.queue.retry(job, backoff_s(kind.spec, job.attempt), error)
        else:
            self._finished.append(job)
            self._wake.set()
