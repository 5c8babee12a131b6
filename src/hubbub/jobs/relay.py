"""The outbox relay: follows up every logged event, publishes what a crash (or another process)
left unpublished, and trims.

A unit of work writes its events and their outbox rows in one transaction; the process that
committed publishes them at once and notes them on the hub. The outbox row is also the event's
job: the relay hands each event to the reactors (services/follow_up.py: notifications, previews,
apps), which queue jobs of their own for what concerns them, and only then deletes the row. A
follow-up that fails is handed to the job runner instead: the write that deletes the row queues
a `follow_up` job keyed by the event's place, due after `retry_delay_s`, which the runner tries
again with backoff and, after its last try, keeps as a dead letter. A failing event is therefore
not republished to every gateway each grace period (reactors queue their jobs with keys, so a
follow-up run twice is harmless).

A join notice has an outbox row of its own (seq 0, its bytes in the row), published the same
way and deleted with no follow-up.

The relay also publishes any row older than a grace period that nobody here published: the
commit of a process that died before publishing, or of `hubbub admin` running beside the server.
Every process runs a relay over every shard; each stale row is claimed by one of them
(`claim_unpublished`), and a claim that dies with its process goes stale again and is taken by
another. Publishing twice is harmless, because receivers drop a seq they have already seen.
"""

from __future__ import annotations

import asyncio
import time

import orjson
import structlog

from hubbub.aio import woken
from hubbub.bus.port import BusUnavailable
from hubbub.jobs.background import Background
from hubbub.services.follow_up import FOLLOW_UP_JOB, Logged, Reactor, follow_up, job_of
from hubbub.services.hub import Hub, Published
from hubbub.store.port import Store
from hubbub.store.tx import Tx

log = structlog.get_logger()

GRACE_S = 1.0
INTERVAL_S = 0.25
# Woken by a commit, the relay still waits this long after a pass, so that under load one pass
# takes the events of many commits (one delete for all of them).
MIN_GAP_S = 0.02
BATCH = 1000
# The wait before a failed follow-up's first retry as a `follow_up` job (then the job's backoff).
RETRY_DELAY_S = 1.0


class OutboxRelay(Background):
    def __init__(
        self,
        hub: Hub,
        *,
        grace_s: float = GRACE_S,
        interval_s: float = INTERVAL_S,
        batch: int = BATCH,
        reactors: list[Reactor] | None = None,
        retry_delay_s: float = RETRY_DELAY_S,
    ) -> None:
        self.hub, self.batch = hub, batch
        self.retry_delay_us = int(retry_delay_s * 1_000_000)
        self.grace_us = int(grace_s * 1_000_000)
        self.interval_s = interval_s
        self.reactors = reactors if reactors is not None else []
        self._wake = asyncio.Event()
        if self.reactors:
            hub.events_logged = self._wake.set
        if hub.published_outbox is None:  # a tool's hub (app.tool_hub) that now runs a relay
            hub.published_outbox = {}

    async def run_once(self) -> int:
        """One pass over every shard; returns how many stale rows it published."""
        republished = 0
        for name, store in self.hub.shards.stores().items():
            republished += await self._relay(name, store)
        return republished

    async def _relay(self, shard: str, store: Store) -> int:
        bound = time.time_ns() // 1000 - self.grace_us
        stale = await store.write(lambda tx: tx.claim_unpublished(bound, self.batch))
        assert self.hub.published_outbox is not None  # set in __init__
        published = self.hub.published_outbox.setdefault(shard, [])
        todo = {event.outbox_id: event for event in published}
        del published[:]
        republished = 0
        for outbox_id, stream, seq, payload, team_id in stale:
            if outbox_id not in todo:
                await self.hub.bus.publish(stream, seq, payload)
                republished += 1
                todo[outbox_id] = Published(stream, seq, payload, outbox_id, team_id)
        failed = await self._follow_up(list(todo.values()))
        if todo:
            delay_us = self.retry_delay_us

            def trim(tx: Tx) -> None:
                for event in failed:
                    payload, key = job_of(event.stream, event.seq)
                    team_id = event.team_id
                    tx.enqueue_job(team_id, FOLLOW_UP_JOB, payload, key=key, delay_us=delay_us)
                tx.delete_outbox(list(todo))

            await store.write(trim)
        return republished

    async def _follow_up(self, events: list[Published]) -> list[Published]:
        """Follows up each event; returns those whose follow-up failed."""
        failed = []
        for event in events:
            # A notice (seq 0) is published and done: nothing reacts to it.
            if self.reactors and event.seq > 0:
                try:
                    decoded = orjson.loads(event.payload)
                    logged = Logged(event.team_id, event.stream, event.seq, decoded)
                    await follow_up(self.hub, logged, self.reactors)
                except Exception:
                    log.exception("follow_up_failed", stream=event.stream, seq=event.seq)
                    failed.append(event)
        return failed

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
            await asyncio.sleep(MIN_GAP_S)
            await woken(self._wake, self.interval_s)
