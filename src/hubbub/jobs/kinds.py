"""Every kind of background job: how it runs (domain/jobs.py JobSpec) and what runs it, and the
reactors that follow up every logged event (services/follow_up.py) and queue those jobs.

Features add their reactors and their job kinds here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial

from hubbub.domain.jobs import Job, JobLimits, JobSpec
from hubbub.services import (
    app_events,
    file_sharing,
    notify,
    notify_email,
    previews,
    reminders,
    scheduled,
    thumbnails,
    usergroup_members,
)
from hubbub.services.follow_up import FOLLOW_UP_JOB, Reactor, follow_up_job
from hubbub.services.hub import Hub

Handler = Callable[[Hub, Job], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Kind:
    spec: JobSpec
    handler: Handler


# Reactors to every logged event, in order.
REACTORS: list[Reactor] = [notify.react, previews.react, app_events.react]


def follow_up_spec(attempts: int) -> JobSpec:
    """An event the relay failed to follow up: tried again after ~1, 2, 4, ... s (capped at 5
    minutes), `attempts` times."""
    return JobSpec(timeout_s=30.0, max_attempts=attempts, backoff_base_s=1.0, backoff_cap_s=300.0)


def follow_up_kind(reactors: Sequence[Reactor], spec: JobSpec) -> Kind:
    return Kind(spec, partial(follow_up_job, reactors=reactors))


def kinds(
    extra: dict[str, Kind] | None = None, *, limits: JobLimits | None = None
) -> dict[str, Kind]:
    limits = limits or JobLimits()
    table: dict[str, Kind] = {
        FOLLOW_UP_JOB: follow_up_kind(REACTORS, follow_up_spec(limits.follow_up_attempts)),
        previews.UNFURL_JOB: Kind(previews.SPEC, previews.unfurl),
        notify.NOTIFY_JOB: Kind(JobSpec(timeout_s=30.0, rate=500.0, burst=1000), notify.notify_job),
        # A mail server that refuses or hangs: tried again after ~1, 2, 4, ... minutes, 8 times.
        notify_email.EMAIL_JOB: Kind(
            JobSpec(timeout_s=60.0, max_attempts=8, backoff_base_s=60.0, backoff_cap_s=3600.0),
            notify_email.email_job,
        ),
        # One try of an event for an app (services/app_events.py): its own retries follow Slack's
        # schedule, queued as new jobs; the runner's retries are for the unexpected.
        app_events.DELIVER_JOB: Kind(
            JobSpec(timeout_s=30.0, rate=100.0, burst=500), app_events.deliver
        ),
        # An image file's size and thumbnails (services/thumbnails.py), queued when it is
        # completed, not by a reactor.
        thumbnails.THUMBNAIL_JOB: Kind(thumbnails.SPEC, thumbnails.thumbnail_job),
        # A completion into a channel of another shard, if the request died before finishing
        # it (services/file_sharing.py).
        file_sharing.FINISH_SHARE_JOB: Kind(
            file_sharing.FINISH_SHARE_SPEC, file_sharing.finish_share_job
        ),
        # A message of chat.scheduleMessage, due at its post_at (services/scheduled.py).
        scheduled.SCHEDULED_JOB: Kind(scheduled.SPEC, scheduled.scheduled_job),
        # Slackbot saying a reminder, due at its time (services/reminders.py).
        reminders.REMINDER_JOB: Kind(reminders.SPEC, reminders.reminder_job),
        # People added to a user group joining its default channels, a batch a commit
        # (services/usergroup_members.py).
        usergroup_members.JOIN_JOB: Kind(usergroup_members.SPEC, usergroup_members.join_job),
    }
    table = {**table, **(extra or {})}
    cap = limits.timeout_max_s
    if cap is None:
        return table
    return {
        name: replace(kind, spec=replace(kind.spec, timeout_s=min(kind.spec.timeout_s, cap)))
        for name, kind in table.items()
    }
