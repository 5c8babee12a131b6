"""What follows a logged event: the `event` job hands it to each reactor in turn.

A reactor decides whether the event concerns it (a mention to notify, a link to preview, an app
subscribed to it) and, if so, queues a job of its own kind with a key, so that running the
`event` job twice (after a worker died mid-job) queues that work once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from hubbub.domain.jobs import Job
from hubbub.services.hub import Hub

Reactor = Callable[[Hub, str, dict[str, Any]], Awaitable[None]]  # hub, team id, event


async def follow_up(hub: Hub, job: Job, reactors: Sequence[Reactor]) -> None:
    event = job.payload["event"]
    for react in reactors:
        await react(hub, job.team_id, event)
