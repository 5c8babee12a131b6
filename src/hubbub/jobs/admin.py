"""`hubbub admin jobs` and `hubbub worker`: what the job queues hold, and a process that runs
jobs from Redis Streams.

A worker's jobs commit events too (an unfurl's `message_changed`, an app's delivery state): it
publishes them at commit, so it runs an outbox relay as a server does, which follows them up and
deletes their rows. Without one, its record of what it published would grow with every event
for as long as it runs, and the servers' relays would take each row as stale and publish it a
second time."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from typing import Any

import structlog

from hubbub.jobs.kinds import REACTORS, Kind, kinds
from hubbub.jobs.relay import OutboxRelay
from hubbub.jobs.runner import JobRunner
from hubbub.jobs.streams import JobStreams, StreamQueue
from hubbub.services.hub import Hub

log = structlog.get_logger()


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


class Worker:
    """What `hubbub worker` runs: jobs from the stream, and the relay of its own commits."""

    def __init__(
        self,
        hub: Hub,
        streams: JobStreams,
        *,
        concurrency: int,
        lease_s: float,
        table: dict[str, Kind] | None = None,
    ) -> None:
        queue = StreamQueue(streams, lease_s=lease_s)
        table = table or kinds(limits=hub.job_limits)
        self.runner = JobRunner(hub, queue, table, concurrency=concurrency)
        self.relay = OutboxRelay(hub, reactors=REACTORS)

    def start(self) -> None:
        self.relay.start()
        self.runner.start()

    async def stop(self) -> None:
        """Lets the running jobs finish (JobRunner.stop), then follows up what they committed,
        so that no server's relay takes it for stale and publishes it again."""
        await self.runner.stop()
        await self.relay.stop()
        try:
            await self.relay.run_once()
        except Exception:  # the rows stay, for the servers' relays
            log.exception("worker_last_relay_failed")


async def work(
    hub: Hub,
    streams: JobStreams,
    *,
    concurrency: int,
    lease_s: float,
    table: dict[str, Kind] | None = None,
) -> None:
    """Runs jobs until SIGTERM or SIGINT, then lets the running ones finish and marks them
    done (Worker.stop); what it could not finish is left to the lease, and another worker
    takes it."""
    worker = Worker(hub, streams, concurrency=concurrency, lease_s=lease_s, table=table)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    worker.start()
    try:
        await stop.wait()
    finally:
        await worker.stop()
