"""The outbox relay: publishes what a crash (or another process) left unpublished, and trims.

A unit of work writes its events and their outbox rows in one transaction; the process that
committed publishes them at once and notes their outbox ids on the hub. The relay deletes those
rows in batches, and publishes any row older than a grace period that nobody here published: the
commit of a process that died before publishing, or of `hubbub admin` running beside the server.
Every process runs a relay over every shard; each stale row is claimed by one of them
(`claim_unpublished`), and a claim that dies with its process goes stale again and is taken by
another. Publishing twice is harmless, because receivers drop a seq they have already seen.
"""

from __future__ import annotations

import asyncio
import time

import structlog

from hubbub.bus.port import BusUnavailable
from hubbub.jobs.background import Background
from hubbub.services.hub import Hub
from hubbub.store.port import Store
from hubbub.store.tx import Tx

log = structlog.get_logger()

GRACE_S = 1.0
INTERVAL_S = 0.25
BATCH = 1000


class OutboxRelay(Background):
    def __init__(
        self,
        hub: Hub,
        *,
        grace_s: float = GRACE_S,
        interval_s: float = INTERVAL_S,
        batch: int = BATCH,
    ) -> None:
        self.hub, self.batch = hub, batch
        self.grace_us = int(grace_s * 1_000_000)
        self.interval_s = interval_s

    async def run_once(self) -> int:
        """One pass over every shard; returns how many stale rows it published."""
        republished = 0
        for name, store in self.hub.shards.stores().items():
            republished += await self._relay(name, store)
        return republished

    async def _relay(self, shard: str, store: Store) -> int:
        bound = time.time_ns() // 1000 - self.grace_us
        stale = await store.write(lambda tx: tx.claim_unpublished(bound, self.batch))
        published = self.hub.published_outbox.setdefault(shard, [])
        done = set(published)
        republished = 0
        for outbox_id, stream, seq, payload in stale:
            if outbox_id not in done:
                await self.hub.bus.publish(stream, seq, payload)
                republished += 1
            published.append(outbox_id)
        ids = list(dict.fromkeys(published))
        if ids:
            del published[:]

            def trim(tx: Tx) -> None:
                tx.delete_outbox(ids)

            await store.write(trim)
        return republished

    async def _loop(self) -> None:
        bus_down = False
        while True:
            try:
                republished = await self.run_once()
                if republished:
                    log.info("outbox_republished", count=republished)
                if bus_down:
                    log.info("outbox_relay_bus_back")
                bus_down = False
            except BusUnavailable as exc:
                # Expected while the bus is down: the rows wait; said once per outage.
                if not bus_down:
                    log.warning("outbox_relay_waiting_for_bus", error=str(exc))
                bus_down = True
            except Exception:
                log.exception("outbox_relay_failed")
            await asyncio.sleep(self.interval_s)
