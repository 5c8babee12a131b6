"""Where jobs wait: the port, and the queue over the jobs tables of every shard.

The SQL queue is the embedded one, and the one any number of processes share on PostgreSQL. The
Redis Streams queue (jobs/streams.py) is the scaled one, fed from the same tables by a relay.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Protocol

from hubbub.domain.jobs import Job
from hubbub.services.hub import Hub
from hubbub.store.port import Store
from hubbub.store.tx import Tx


class JobQueue(Protocol):
    async def claim(self, limit: int, *, finished: Sequence[Job] = ()) -> list[Job]:
        """Marks the finished jobs done, then takes up to limit due jobs, each leased to the
        caller until its kind's timeout has passed: in as few round trips as the queue can."""
        ...

    async def retry(self, job: Job, delay_s: float, error: str, *, counts: bool = True) -> None: ...

    async def bury(self, job: Job, error: str) -> None: ...


def _finish_and_claim(tx: Tx, *, rows: list[str], limit: int, lease_us: int) -> list[Job]:
    if rows:
        tx.finish_jobs(rows)
    return tx.claim_jobs(limit, lease_us) if limit > 0 else []


class SqlQueue:
    """The jobs tables of every shard, claimed in turn. A job's id names its shard and row.

    Finished jobs are deleted in the same write that claims the next ones from their shard: one
    commit, not two, for each batch.
    """

    def __init__(self, hub: Hub, *, lease_s: float) -> None:
        self.hub = hub
        self.lease_us = int(lease_s * 1_000_000)
        self._turn = 0

    async def claim(self, limit: int, *, finished: Sequence[Job] = ()) -> list[Job]:
        rows: dict[str, list[str]] = {}
        for job in finished:
            shard, _, row = job.id.rpartition("/")
            rows.setdefault(shard, []).append(row)
        stores = sorted(self.hub.shards.stores().items())
        claimed: list[Job] = []
        for i in range(len(stores)):
            name, store = stores[(self._turn + i) % len(stores)]
            done, want = rows.get(name, []), limit - len(claimed)
            if not done and want <= 0:
                continue
            taken = await store.write(
                partial(_finish_and_claim, rows=done, limit=want, lease_us=self.lease_us)
            )
            claimed += [
                Job(f"{name}/{j.id}", j.team_id, j.kind, j.payload, j.attempt) for j in taken
            ]
        self._turn += 1
        return claimed

    def _row(self, job: Job) -> tuple[Store, str]:
        shard, _, row = job.id.rpartition("/")
        return self.hub.shards.stores()[shard], row

    async def retry(self, job: Job, delay_s: float, error: str, *, counts: bool = True) -> None:
        store, row = self._row(job)
        delay_us = int(delay_s * 1_000_000)
        await store.write(lambda tx: tx.retry_job(row, delay_us, error, counts=counts))

    async def bury(self, job: Job, error: str) -> None:
        store, row = self._row(job)
        await store.write(lambda tx: tx.bury_job(row, error))
