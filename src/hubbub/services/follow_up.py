"""What follows a logged event: its outbox row is its job, and the outbox relay (jobs/relay.py)
hands the event to each reactor in turn.

A reactor decides whether the event concerns it (a mention to notify, a link to preview, an app
subscribed to it) and, if so, queues a job of its own kind with a key, so that following an event
up twice (after a process died before deleting its outbox row) queues that work once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from hubbub.services.hub import Hub

Reactor = Callable[[Hub, str, dict[str, Any]], Awaitable[None]]  # hub, team id, event


async def follow_up(
    hub: Hub, team_id: str, event: dict[str, Any], reactors: Sequence[Reactor]
) -> None:
    for react in reactors:
        await react(hub, team_id, event)
