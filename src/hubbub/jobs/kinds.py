"""Every kind of background job: how it runs (domain/jobs.py JobSpec) and what runs it.

Features add their reactors (services/follow_up.py) and their own job kinds here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from hubbub.domain.jobs import Job, JobSpec
from hubbub.services import apps
from hubbub.services.follow_up import Reactor, follow_up
from hubbub.services.hub import EVENT_JOB, Hub

Handler = Callable[[Hub, Job], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Kind:
    spec: JobSpec
    handler: Handler


# Reactors to every logged event, in order.
REACTORS: list[Reactor] = [apps.react]


def kinds(extra: dict[str, Kind] | None = None) -> dict[str, Kind]:
    table = {
        EVENT_JOB: Kind(
            JobSpec(timeout_s=30.0, rate=1000.0, burst=2000), partial(follow_up, reactors=REACTORS)
        ),
        # One try of an event for an app (services/apps.py): its own retries follow Slack's
        # schedule, queued as new jobs; the runner's retries are for the unexpected.
        apps.DELIVER_JOB: Kind(JobSpec(timeout_s=30.0, rate=100.0, burst=500), apps.deliver),
    }
    return {**table, **(extra or {})}
