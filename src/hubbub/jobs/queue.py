"""Where jobs wait: the port, and the queue over the jobs tables of every shard.

The SQL queue is the embedded one, and the one any number of processes share on PostgreSQL. The
Redis Streams queue (jobs/streams.py) is the scaled one, fed from the same tables by a relay.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import partial
from typing import Protocol

from hubbub.domain.jobs import Claimed, Job
from hubbub.services.hub import Hub
from hubbub.store.port import Store
from hubbub.store.queries.job_counts import Counts
from hubbub.store.tx import Tx


class JobQueue(Protocol):
    async def claim(self, limit: int, *, finished: Sequence[Job] = ()) -> list[Job]:
        """Marks the finished jobs done, then takes up to limit due jobs, each leased to the
        caller until its kind's timeout has passed: in as few round trips as the queue can."""
        ...

    async def retry(self, job: Job, delay_s: float, error: str, *, counts: bool = True) -> None: ...

    async def bury(self, job: Job, error: str) -> None: ...


def _finish_and_claim(
    tx: Tx, *, rows: list[str], counts: Counts, limit: int, lease_us: int, shard: str
) -> list[Claimed]:
    if rows:
        tx.finish_jobs(rows)
    if counts:
        tx.add_job_counts(counts)
    return tx.claim_jobs(limit, lease_us, shard) if limit > 0 else []


def _one(job: Job, outcome: str) -> Counts:
    return {(job.team_id, job.kind, outcome): 1}


class SqlQueue:
    """The jobs tables of every shard, claimed in turn. A job's id names its shard and row.

    Finished jobs are deleted in the same write that claims the next ones from their shard: one
    commit, not two, for each batch. What becomes of them (`done`, `retried`, `deferred`,
    `dead`) is added to job_counts in the write that records it, for `hubbub admin jobs` rates;
    the stream relay, whose rows are not finished but moved, counts nothing (counted=False).
    """

    def __init__(self, hub: Hub, *, lease_s: float, counted: bool = True) -> None:
        self.hub = hub
        self.lease_us = int(lease_s * 1_000_000)
        self.counted = counted
        self._turn = 0

    async def claim(self, limit: int, *, finished: Sequence[Job] = ()) -> list[Job]:
        return [found.job() for found in await self.claim_stored(limit, finished=finished)]

    async def claim_stored(
        self, limit: int, *, finished: Sequence[Job | Claimed] = ()
    ) -> list[Claimed]:
        """As claim, with the payloads as stored: for the stream relay, which passes them on."""
        rows: dict[str, list[str]] = {}
        counts: dict[str, Counter[tuple[str, str, str]]] = {}
        for job in finished:
            shard, _, row = job.id.rpartition("/")
            rows.setdefault(shard, []).append(row)
            if self.counted:
                counts.setdefault(shard, Counter())[(job.team_id, job.kind, "done")] += 1
        stores = sorted(self.hub.shards.stores().items())
        claimed: list[Claimed] = []
        for i in range(len(stores)):
            name, store = stores[(self._turn + i) % len(stores)]
            done, want = rows.get(name, []), limit - len(claimed)
            if not done and want <= 0:
                continue
            unit = partial(
                _finish_and_claim,
                rows=done,
                counts=dict(counts.get(name, {})),
                limit=want,
                lease_us=self.lease_us,
                shard=name,
            )
            claimed += await store.write(unit)
        self._turn += 1
        return claimed

    def _row(self, job: Job) -> tuple[Store, str]:
        shard, _, row = job.id.rpartition("/")
        return self.hub.shards.stores()[shard], row

    def _count(self, tx: Tx, job: Job, outcome: str) -> None:
        if self.counted:
            tx.add_job_counts(_one(job, outcome))

    async def retry(self, job: Job, delay_s: float, error: str, *, counts: bool = True) -> None:
        store, row = self._row(job)
        delay_us = int(delay_s * 1_000_000)

        def unit(tx: Tx) -> None:
            tx.retry_job(row, delay_us, error, counts=counts)
            self._count(tx, job, "retried" if counts else "deferred")

        await store.write(unit)

    async def bury(self, job: Job, error: str) -> None:
        store, row = self._row(job)

        def unit(tx: Tx) -> None:
            tx.bury_job(row, error)
            self._count(tx, job, "dead")

        await store.write(unit)
