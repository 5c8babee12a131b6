"""What follows a logged event: its outbox row is its job, and the outbox relay (jobs/relay.py)
hands the event to each reactor in turn.

A reactor decides whether the event concerns it (a mention to notify, a link to preview, an app
subscribed to it) and, if so, queues a job of its own kind with a key, so that following an event
up twice (after a process died before deleting its outbox row) queues that work once.

A follow-up that fails in the relay is not left in the outbox, where every relay would claim and
republish it each grace period for as long as it fails: the relay queues a `follow_up` job,
keyed by the event's place, which runs the reactors again with the job runner's backoff and ends
as a dead letter (`hubbub admin jobs`, `hubbub admin jobs retry`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from hubbub.domain.jobs import Job
from hubbub.services.hub import Hub

FOLLOW_UP_JOB = "follow_up"


@dataclass(frozen=True, slots=True)
class Logged:
    """An event as the log holds it. Its stream and seq name it for good: every follow-up of
    it, however often it runs, sees the same place (apps' event_id is made from it)."""

    team_id: str
    stream: str
    seq: int
    event: dict[str, Any]


Reactor = Callable[[Hub, Logged], Awaitable[None]]


async def follow_up(hub: Hub, logged: Logged, reactors: Sequence[Reactor]) -> None:
    for react in reactors:
        await react(hub, logged)


def job_of(stream: str, seq: int) -> tuple[dict[str, Any], str]:
    """The payload and key of the `follow_up` job that follows up an event again."""
    return {"stream": stream, "seq": seq}, f"{stream}:{seq}"


async def follow_up_job(hub: Hub, job: Job, reactors: Sequence[Reactor]) -> None:
    """The `follow_up` job: the event read back from its stream's log, followed up again."""
    team_id, stream, seq = job.team_id, str(job.payload["stream"]), int(job.payload["seq"])
    found = await hub.read(team_id, lambda tx: tx.events_after(team_id, stream, seq - 1, 1))
    if not found or found[0][0] != seq:
        return
    event = orjson.loads(found[0][2])
    await follow_up(hub, Logged(team_id, stream, seq, event), reactors)
