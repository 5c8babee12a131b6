"""`hubbub admin jobs` and `hubbub worker`: what the job queues hold, and a process that runs
jobs from Redis Streams."""

from __future__ import annotations

import asyncio
import signal
from typing import Any

from hubbub.jobs.kinds import Kind, kinds
from hubbub.jobs.runner import JobRunner
from hubbub.jobs.streams import JobStreams, StreamQueue
from hubbub.services.hub import Hub

DRAIN_S = 30.0


async def report(hub: Hub, streams: JobStreams | None, interval_s: float) -> dict[str, Any]:
    """Per shard, the jobs tables by kind (queued, running, delayed, dead); with Redis Streams,
    the stream, its pending entries, retries due later, dead letters, and totals per kind with
    their rate over the interval."""
    tables = {
        name: await store.read(lambda tx: tx.job_counts())
        for name, store in sorted(hub.shards.stores().items())
    }
    out: dict[str, Any] = {"tables": tables}
    if streams is not None:
        first = await streams.stats()
        await asyncio.sleep(interval_s)
        second = await streams.stats()
        rates = {
            key: round((n - first["totals"].get(key, 0)) / interval_s, 1)
            for key, n in second["totals"].items()
        }
        out["streams"] = {**second, "rates_per_s": rates}
    return out


async def dead_letters(hub: Hub, streams: JobStreams | None) -> list[dict[str, Any]]:
    found = []
    for name, store in sorted(hub.shards.stores().items()):
        found += [{"shard": name, **d} for d in await store.read(lambda tx: tx.dead_letters())]
    if streams is not None:
        found += [{"stream": True, **d} for d in await streams.dead_letters()]
    return found


async def retry_dead(hub: Hub, streams: JobStreams | None) -> int:
    revived = 0
    for store in hub.shards.stores().values():
        revived += await store.write(lambda tx: tx.revive_dead())
    if streams is not None:
        revived += await streams.revive_dead()
    return revived


async def work(
    hub: Hub,
    streams: JobStreams,
    *,
    concurrency: int,
    lease_s: float,
    table: dict[str, Kind] | None = None,
) -> None:
    """Runs jobs until SIGTERM or SIGINT, then lets the running ones finish (up to DRAIN_S);
    what it could not finish is left to the lease, and another worker takes it."""
    queue = StreamQueue(streams, lease_s=lease_s)
    runner = JobRunner(hub, queue, table or kinds(), concurrency=concurrency)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    runner.start()
    try:
        await stop.wait()
    finally:
        await runner.stop()
        if runner.running:
            await asyncio.wait(set(runner.running), timeout=DRAIN_S)
