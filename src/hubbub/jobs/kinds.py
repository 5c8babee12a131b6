"""Every kind of background job: how it runs (domain/jobs.py JobSpec) and what runs it, and the
reactors that follow up every logged event (services/follow_up.py) and queue those jobs.

Features add their reactors and their job kinds here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from hubbub.domain.jobs import Job, JobSpec
from hubbub.services import previews
from hubbub.services.follow_up import Reactor
from hubbub.services.hub import Hub

Handler = Callable[[Hub, Job], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Kind:
    spec: JobSpec
    handler: Handler


# Reactors to every logged event, in order.
REACTORS: list[Reactor] = [previews.react]


def kinds(extra: dict[str, Kind] | None = None) -> dict[str, Kind]:
    table: dict[str, Kind] = {
        previews.UNFURL_JOB: Kind(previews.SPEC, previews.unfurl),
    }
    return {**table, **(extra or {})}
