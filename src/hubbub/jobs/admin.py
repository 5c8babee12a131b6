"""`hubbub admin jobs` and `hubbub worker`: what the job queues hold, and a process that runs
jobs from Redis Streams."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from typing import Any

from hubbub.jobs.kinds import Kind, kinds
from hubbub.jobs.runner import JobRunner
from hubbub.jobs.streams import JobStreams, StreamQueue
from hubbub.services.hub import Hub


async def report(hub: Hub, streams: JobStreams | None, interval_s: float) -> dict[str, Any]:
    """Per shard, the jobs tables by kind (queued, running, delayed, dead); then totals per
    kind and outcome (`<kind>:done`, `:retried`, `:deferred`, `:dead`) with their rate over
    the interval: with Redis Streams, of the stream (with its pending entries, retries due
    later, dead letters), else of the SQL runners (`sql`)."""
    tables = {
        name: await store.read(lambda tx: tx.job_counts())
        for name, store in sorted(hub.shards.stores().items())
    }
    out: dict[str, Any] = {"tables": tables}
    if streams is not None:
        first = await streams.stats()
        await asyncio.sleep(interval_s)
        second = await streams.stats()
        rates = _rates(first["totals"], second["totals"], interval_s)
        out["streams"] = {**second, "rates_per_s": rates}
    else:
        before = await _sql_totals(hub)
        await asyncio.sleep(interval_s)
        after = await _sql_totals(hub)
        out["sql"] = {"totals": after, "rates_per_s": _rates(before, after, interval_s)}
    return out


def _rates(first: dict[str, int], second: dict[str, int], interval_s: float) -> dict[str, float]:
    return {key: round((n - first.get(key, 0)) / interval_s, 1) for key, n in second.items()}


async def _sql_totals(hub: Hub) -> dict[str, int]:
    """The job_counts of every shard, added up (the SQL queue writes them, jobs/queue.py)."""
    totals: Counter[str] = Counter()
    for store in hub.shards.stores().values():
        totals.update(await store.read(lambda tx: tx.job_totals()))
    return dict(sorted(totals.items()))


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
    """Runs jobs until SIGTERM or SIGINT, then lets the running ones finish and marks them
    done (JobRunner.stop); what it could not finish is left to the lease, and another worker
    takes it."""
    queue = StreamQueue(streams, lease_s=lease_s)
    runner = JobRunner(hub, queue, table or kinds(limits=hub.job_limits), concurrency=concurrency)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    runner.start()
    try:
        await stop.wait()
    finally:
        await runner.stop()
