"""A `hubbub worker` for `hubbub bench jobs`: `python -m hubbub_bench.jobworker DATA_DIR
[CONCURRENCY]`, with the settings (job_queue, redis_url, redis_prefix) in HUBBUB_* variables.

It runs `jobs.admin.work` with one more kind, `bench`, whose handler notes when it started and
how long after its enqueue time (the payload's `t`, µs). The notes go to a Redis list in one
pipeline every FLUSH_S (not one command per job, which would load the Redis being measured);
finished jobs are counted by the queue itself (`bench:done` in the counters hash). SIGTERM
stops it, as it stops `hubbub worker`.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time

import uvloop
from redis.asyncio import Redis

from hubbub.app import build_hub, job_lease_s, job_streams
from hubbub.config import load_settings
from hubbub.domain.jobs import Job, JobSpec
from hubbub.jobs import admin
from hubbub.jobs.kinds import Kind, kinds
from hubbub.services.hub import Hub

KIND = "bench"
FLUSH_S = 0.2
# No per-workspace limit: the bench queues every job in one workspace, and the default spec
# lets a workspace run 50 jobs of a kind a second.
BENCH_SPEC = JobSpec(timeout_s=5.0, rate=1e9, burst=1_000_000_000)


def samples_key(prefix: str) -> str:
    """A list of "start_us:latency_us" notes, one per job run."""
    return f"{prefix}bench:samples"


def ready_key(prefix: str) -> str:
    """Incremented by each worker once it is about to take jobs."""
    return f"{prefix}bench:ready"


def bench_kind(notes: list[str]) -> Kind:
    async def handler(_hub: Hub, job: Job) -> None:
        start = time.time_ns() // 1000
        notes.append(f"{start}:{start - int(job.payload['t'])}")

    return Kind(BENCH_SPEC, handler)


async def _flush(redis: Redis, key: str, notes: list[str]) -> None:
    if notes:
        batch = notes[:]
        notes.clear()
        await redis.rpush(key, *batch)


async def _flushing(redis: Redis, key: str, notes: list[str], stop: asyncio.Event) -> None:
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):  # not aio.woken: it clears the event
            await asyncio.wait_for(stop.wait(), FLUSH_S)
        await _flush(redis, key, notes)


async def main(data_dir: str, concurrency: int) -> None:
    settings = load_settings(None, data_dir=data_dir)
    assert settings.redis_url and settings.job_queue == "redis"
    prefix = settings.redis_prefix
    notes: list[str] = []
    redis = Redis.from_url(settings.redis_url)
    hub = build_hub(settings)
    stop = asyncio.Event()
    flushing = _flushing(redis, samples_key(prefix), notes, stop)
    flusher = asyncio.get_running_loop().create_task(flushing)
    try:
        table = kinds({KIND: bench_kind(notes)})
        streams = job_streams(hub, settings)
        await streams.ensure_group()
        await redis.incr(ready_key(prefix))
        await admin.work(
            hub, streams, concurrency=concurrency, lease_s=job_lease_s(table), table=table
        )
    finally:
        stop.set()  # the last notes are flushed, not cancelled mid-push
        await flusher
        await hub.close()
        await redis.aclose()


if __name__ == "__main__":
    uvloop.run(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 16))
