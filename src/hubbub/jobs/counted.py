"""The SQL queue, counting what becomes of the jobs it finishes, for `hubbub admin jobs` rates
(the Redis Streams queue counts in its own hash, in the MULTI that finishes a job).

Finishing a job costs no write more: the counts wait here, and every `flush_s` they are added
to the job_counts table of each shard that finished jobs, one write per shard whatever the
number of jobs. A process that dies loses at most that long of counts: they feed rates, not
accounts, and the jobs themselves are never affected.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from functools import partial

import structlog

from hubbub.domain.jobs import Job
from hubbub.jobs.background import Background
from hubbub.jobs.queue import JobQueue
from hubbub.services.hub import Hub
from hubbub.store.queries.job_counts import Counts
from hubbub.store.tx import Tx

log = structlog.get_logger()

FLUSH_S = 1.0


def _add(tx: Tx, *, counts: Counts) -> None:
    tx.add_job_counts(counts)


class CountedQueue(Background):
    def __init__(self, hub: Hub, queue: JobQueue, *, flush_s: float = FLUSH_S) -> None:
        self.hub, self.queue, self.flush_s = hub, queue, flush_s
        # shard -> (team id, kind, outcome) -> how many since the last flush
        self._counts: dict[str, Counter[tuple[str, str, str]]] = {}

    async def claim(self, limit: int) -> list[Job]:
        return await self.queue.claim(limit)

    async def done(self, job: Job) -> None:
        await self.queue.done(job)
        self._count(job, "done")

    async def retry(self, job: Job, delay_s: float, error: str, *, counts: bool = True) -> None:
        await self.queue.retry(job, delay_s, error, counts=counts)
        self._count(job, "retried" if counts else "deferred")

    async def bury(self, job: Job, error: str) -> None:
        await self.queue.bury(job, error)
        self._count(job, "dead")

    def _count(self, job: Job, outcome: str) -> None:
        shard = job.id.rpartition("/")[0]  # SqlQueue's ids name their shard
        self._counts.setdefault(shard, Counter())[(job.team_id, job.kind, outcome)] += 1

    async def flush(self) -> None:
        """Adds what was counted since the last flush; a shard out of reach keeps its counts
        for the next one."""
        counts, self._counts = self._counts, {}
        stores = self.hub.shards.stores()
        for shard, batch in counts.items():
            store = stores.get(shard)
            if store is None:
                continue  # a shard no longer served: its counts go with it
            try:
                await store.write(partial(_add, counts=dict(batch)))
            except Exception as exc:
                self._counts.setdefault(shard, Counter()).update(batch)
                log.warning("job_counts_flush_failed", shard=shard, error=str(exc))

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.flush_s)
            await self.flush()

    async def stop(self) -> None:
        await super().stop()
        await self.flush()
