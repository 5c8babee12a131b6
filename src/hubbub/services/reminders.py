"""Reminders (reminders.add, .list, .info, .complete, .delete).

Adding one writes its row and a `reminder` job due at its time, in one transaction. At that time
the job has Slackbot (USLACKBOT) say "Reminder: <text>." in the person's DM with Slackbot, opened
if need be, and marks the reminder said in the same transaction, so it is said exactly once: a
job run again, or after a restart, finds it said; a deleted or completed one is not said.

A recurring reminder ("every day at 9am") has one job per occurrence, carrying the occurrence's
time: the job says it only while the reminder's `time` is still that occurrence, and in the same
transaction moves `time` to the next occurrence after now and queues that occurrence's job. So
each occurrence is said once, a job run again finds the reminder moved on, and occurrences
missed while the server was down are said once, late, not once each.
docs/integrations.md, "Reminders".
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hubbub.domain.errors import SlackError
from hubbub.domain.ids import new_id
from hubbub.domain.jobs import Job, JobSpec, PermanentFailure
from hubbub.domain.model import Identity
from hubbub.domain.reminders import (
    MAX_LISTED,
    SLACKBOT,
    Recurrence,
    Reminder,
    is_reminder_id,
    message_text,
    when,
)
from hubbub.services.direct import open_im_tx
from hubbub.services.hub import EventLog, Hub
from hubbub.services.messages import insert_tx
from hubbub.store.tx import Tx

REMINDER_JOB = "reminder"
SPEC = JobSpec(timeout_s=30.0, max_attempts=10, backoff_base_s=1.0, backoff_cap_s=60.0)


def _for_whom(tx: Tx, who: Identity, user: str | None) -> str:
    """The person a reminder is for: the caller, or another person of the workspace."""
    if not user or user == who.user_id:
        return who.user_id
    if user == SLACKBOT:
        raise SlackError("cannot_add_slackbot")
    person = tx.get_user(who.team_id, user)
    if person is None or person.deleted:
        raise SlackError("user_not_found")
    if person.is_bot:
        raise SlackError("cannot_add_bot")
    return person.id


def _queue(tx: Tx, log: EventLog, item: Reminder) -> None:
    """The job of the reminder's (next) occurrence, due at its time: a one-off's keyed by its
    id, a recurring one's by its id and the occurrence, which the job checks."""
    job: dict[str, Any] = {"id": item.id}
    key = item.id
    if item.recurrence is not None:
        job["time"] = item.time
        key = f"{item.id}/{item.time}"
    log.job(item.team_id, REMINDER_JOB, job, key=key, delay_us=item.time * 1_000_000 - tx.now_us)


async def add(
    hub: Hub,
    who: Identity,
    text: str,
    time: Any,
    user: str | None,
    weekdays: tuple[int, ...] | None = None,
) -> Reminder:
    """weekdays: a recurrence given apart from `time` (reminders.add's `recurrence`): the
    reminder falls on those days at the time of day `time` names, the first at or after it."""

    def unit(tx: Tx, log: EventLog) -> Reminder:
        at, recurring = when(time, tx.now)
        if weekdays is not None:
            recurring = Recurrence(weekdays, at % 86_400)
            at = recurring.next_after(at - 1)
        item = Reminder(
            team_id=who.team_id,
            id=new_id("Rm"),
            creator=who.user_id,
            user_id=_for_whom(tx, who, user),
            text=text,
            time=at,
            complete_ts=0,
            recurrence=recurring,
        )
        tx.insert_reminder(item)
        _queue(tx, log, item)
        return item

    return await hub.commit(who.team_id, unit)


def _mine(tx: Tx, who: Identity, reminder_id: str) -> Reminder:
    """A reminder for the caller or set by them; not_found for any other."""
    item = tx.get_reminder(who.team_id, reminder_id) if is_reminder_id(reminder_id) else None
    if item is None or who.user_id not in (item.user_id, item.creator):
        raise SlackError("not_found")
    return item


async def info(hub: Hub, who: Identity, reminder_id: str) -> Reminder:
    return await hub.read(who.team_id, lambda tx: _mine(tx, who, reminder_id))


async def listed(hub: Hub, who: Identity) -> list[Reminder]:
    return await hub.read(
        who.team_id, lambda tx: tx.list_reminders(who.team_id, who.user_id, MAX_LISTED)
    )


async def complete(hub: Hub, who: Identity, reminder_id: str) -> None:
    """Marks the caller's reminder done; one done already stays as it was."""

    def unit(tx: Tx, log: EventLog) -> None:
        item = _mine(tx, who, reminder_id)
        if item.user_id != who.user_id:
            raise SlackError("cannot_complete_others")
        if item.recurrence is not None:
            raise SlackError("cannot_complete_recurring")
        if not item.complete_ts:
            tx.complete_reminder(who.team_id, item.id, tx.now)

    await hub.commit(who.team_id, unit)


async def delete(hub: Hub, who: Identity, reminder_id: str) -> None:
    def unit(tx: Tx, log: EventLog) -> None:
        tx.delete_reminder(who.team_id, _mine(tx, who, reminder_id).id)

    await hub.commit(who.team_id, unit)


async def reminder_job(hub: Hub, job: Job) -> None:
    """Has Slackbot say a reminder at its time, once."""
    reminder_id = job.payload.get("id")
    if not isinstance(reminder_id, str):
        raise PermanentFailure("no reminder id")

    occurrence = job.payload.get("time")

    def say(tx: Tx, log: EventLog) -> None:
        item = tx.get_reminder(job.team_id, reminder_id)
        if item is None or item.complete_ts or item.said_ts:
            return  # deleted, completed, or said by an earlier run
        if item.recurrence is not None and occurrence != item.time:
            return  # this occurrence was said and the reminder moved on
        person = tx.get_user(job.team_id, item.user_id)
        if person is None or person.deleted:
            return  # no one to tell, now or later: a recurring one stops here
        if item.recurrence is not None:
            # The next occurrence after now: those missed while down are not said each.
            moved = replace(item, time=item.recurrence.next_after(max(tx.now, item.time)))
            tx.move_reminder(job.team_id, item.id, moved.time)
            _queue(tx, log, moved)
        # The DM is the person's, with Slackbot in it; opening it needs only who they are.
        owner = Identity(
            team_id=job.team_id,
            user_id=item.user_id,
            token_kind="xoxp",
            token_hash="",
            is_admin=False,
            bot_id=None,
            scopes=frozenset(),
        )
        dm = open_im_tx(tx, log, owner, SLACKBOT).channel
        insert_tx(tx, log, dm, user_id=SLACKBOT, text=message_text(item), team=job.team_id)
        if item.recurrence is None:
            tx.said_reminder(job.team_id, item.id, tx.now)

    await hub.commit(job.team_id, say)
