"""What follows a logged event: its outbox row is its job, and the outbox relay (jobs/relay.py)
hands the event to each reactor in turn.

A reactor decides whether the event concerns it (a mention to notify, a link to preview, an app
subscribed to it) and, if so, queues a job of its own kind with a key, so that following an event
up twice (after a process died before deleting its outbox row) queues that work once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hubbub.services.hub import Hub


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
