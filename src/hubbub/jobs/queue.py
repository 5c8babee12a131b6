"""Where jobs wait: the port, and the queue over the jobs tables of every shard.

The SQL queue is the embedded one, and the one any number of processes share on PostgreSQL. The
Redis Streams queue (jobs/streams.py) is the scaled one, fed from the same tables by a relay.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Protocol

from hubbub.domain.jobs import Job
from hubbub.services.hub import Hub
from hubbub.store.port import Store
from hubbub.store.tx import Tx


class JobQueue(Protocol):
    async def claim(self, limit: int) -> list[Job]:
        """Up to limit due jobs, each leased to the caller until its kind's timeout has passed."""
        ...

    async def done(self, job: Job) -> None: ...

    async def retry(self, job: Job, delay_s: float, error: str, *, counts: bool = True) -> None: ...

    async def bury(self, job: Job, error: str) -> None: ...


def _claim(tx: Tx, *, limit: int, lease_us: int) -> list[Job]:
    return tx.claim_jobs(limit, lease_us)


def _finish(tx: Tx, *, rows: list[str]) -> None:
    tx.finish_jobs(rows)


class SqlQueue:
    """The jobs tables of every shard, claimed in turn. A job's id names its shard and row."""

    def __init__(self, hub: Hub, *, lease_s: float) -> None:
        self.hub = hub
        self.lease_us = int(lease_s * 1_000_000)
        self._turn = 0

    def _stores(self) -> list[tuple[str, Store]]:
        return sorted(self.hub.shards.stores().items())

    async def claim(self, limit: int) -> list[Job]:
        stores = self._stores()
        claimed: list[Job] = []
        for i in range(len(stores)):
            name, store = stores[(self._turn + i) % len(stores)]
            rows = await store.write(
                partial(_claim, limit=limit - len(claimed), lease_us=self.lease_us)
            )
            claimed += [replace(job, id=f"{name}/{job.id}") for job in rows]
            if len(claimed) >= limit:
                break
        self._turn += 1
        return claimed

    def _row(self, job: Job) -> tuple[Store, str]:
        shard, _, row = job.id.rpartition("/")
        return self.hub.shards.stores()[shard], row

    async def done(self, job: Job) -> None:
        await self.done_many([job])

    async def done_many(self, jobs: list[Job]) -> None:
        """Deletes finished jobs, one write per shard."""
        by_shard: dict[str, list[str]] = {}
        for job in jobs:
            shard, _, row = job.id.rpartition("/")
            by_shard.setdefault(shard, []).append(row)
        stores = self.hub.shards.stores()
        for shard, rows in by_shard.items():
            await stores[shard].write(partial(_finish, rows=rows))

    async def retry(self, job: Job, delay_s: float, error: str, *, counts: bool = True) -> None:
        store, row = self._row(job)
        delay_us = int(delay_s * 1_000_000)
        await store.write(lambda tx: tx.retry_job(row, delay_us, error, counts=counts))

    async def bury(self, job: Job, error: str) -> None:
        store, row = self._row(job)
        await store.write(lambda tx: tx.bury_job(row, error))
