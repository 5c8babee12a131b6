"""Scheduled messages (chat.scheduleMessage, chat.scheduledMessages.list,
chat.deleteScheduledMessage).

Scheduling checks the message and the caller's right to post now, then writes a row and a
`scheduled_message` job due at post_at, in one transaction on the channel's shard. The job posts
through posting.post_tx and deletes the row in one transaction, so the message is posted exactly
once: a job run again, or run after a restart, finds no row; a deleted row leaves its job nothing
to do. A post the channel refuses by then (archived, the author gone from it) is dropped, as in
Slack. docs/integrations.md, "Scheduled messages".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import structlog

from hubbub.domain.errors import SlackError, Unavailable
from hubbub.domain.ids import new_id
from hubbub.domain.jobs import Job, JobSpec, PermanentFailure
from hubbub.domain.model import Identity
from hubbub.domain.scheduled import (
    BURST_MAX,
    BURST_WINDOW_S,
    Scheduled,
    check_post_at,
    is_scheduled_id,
)
from hubbub.services.access import home, named_channel_id, visible_channel, writable_channel
from hubbub.services.direct import conversation_tx
from hubbub.services.hub import EventLog, Hub
from hubbub.services.messages import thread_parent
from hubbub.services.posting import Draft, post_tx
from hubbub.store.tx import Tx

log = structlog.get_logger()

SCHEDULED_JOB = "scheduled_message"
SPEC = JobSpec(timeout_s=30.0, max_attempts=10, backoff_base_s=1.0, backoff_cap_s=60.0)


@dataclass(frozen=True, slots=True)
class Made:
    item: Scheduled
    message: dict[str, Any]


def _author_json(who: Identity) -> dict[str, Any]:
    """What posting as who needs, kept until the message's time."""
    return {
        "team_id": who.team_id,
        "user_id": who.user_id,
        "token_kind": who.token_kind,
        "bot_id": who.bot_id,
        "app_id": who.app_id,
    }


def _author(data: dict[str, Any]) -> Identity:
    return Identity(
        team_id=data["team_id"],
        user_id=data["user_id"],
        token_kind=data["token_kind"],
        token_hash="",
        is_admin=False,
        bot_id=data["bot_id"],
        scopes=frozenset(),
        app_id=data["app_id"],
    )


def _delayed_message(who: Identity, draft: Draft) -> dict[str, Any]:
    """The message as chat.scheduleMessage shows it, before it is posted (Slack's
    `delayed_message`)."""
    out: dict[str, Any] = {"type": "delayed_message", "text": draft.text, "user": who.user_id}
    out["team"] = who.team_id
    if who.bot_id:
        out["bot_id"] = who.bot_id
    if draft.blocks is not None:
        out["blocks"] = draft.blocks
    if draft.attachments is not None:
        out["attachments"] = draft.attachments
    for shown in ("username", "icons", "metadata"):
        if shown in draft.extra:
            out[shown] = draft.extra[shown]
    return out


async def schedule(hub: Hub, who: Identity, target: str, post_at: Any, draft: Draft) -> Made:
    """Keeps draft to be posted as who at post_at (Unix seconds) where target says."""

    def unit(tx: Tx, log: EventLog) -> Made:
        at = check_post_at(post_at, tx.now)
        channel, _ = writable_channel(tx, who, conversation_tx(tx, log, who, target), shown=False)
        if draft.thread_ts:
            thread_parent(tx, channel, draft.thread_ts)
        near = tx.scheduled_between(
            channel.team_id, channel.id, at - BURST_WINDOW_S, at + BURST_WINDOW_S
        )
        if near >= BURST_MAX:
            raise SlackError("restricted_too_many")
        item = Scheduled(
            team_id=channel.team_id,
            id=new_id("Q"),
            channel_id=channel.id,
            user_id=who.user_id,
            post_at=at,
            created=tx.now,
            draft={"author": _author_json(who), "message": draft.as_json()},
        )
        tx.insert_scheduled(item)
        log.job(
            channel.team_id,
            SCHEDULED_JOB,
            {"id": item.id},
            key=item.id,
            delay_us=at * 1_000_000 - tx.now_us,
        )
        return Made(item, _delayed_message(who, draft))

    return await hub.commit(await home(hub, who, target), unit)


async def listed(
    hub: Hub,
    who: Identity,
    *,
    channel: str | None,
    oldest: int,
    latest: int,
    after: tuple[int, str] | None,
    limit: int,
) -> tuple[list[Scheduled], bool]:
    """The caller's messages still waiting, soonest first, and whether more follow."""

    def unit(tx: Tx) -> tuple[list[Scheduled], bool]:
        channel_id = None
        if channel:
            try:
                channel_id = visible_channel(tx, who, named_channel_id(tx, who, channel))[0].id
            except SlackError as exc:
                raise SlackError("invalid_channel") from exc
        found = tx.list_scheduled(
            who.team_id,
            who.user_id,
            channel_id=channel_id,
            oldest=oldest,
            latest=latest,
            after=after,
            limit=limit + 1,
        )
        return found[:limit], len(found) > limit

    return await hub.read(who.team_id, unit)


async def delete(hub: Hub, who: Identity, channel: str, scheduled_id: str) -> None:
    """Deletes one of the caller's waiting messages; invalid_scheduled_message_id for any other,
    and for one already posted or deleted (channel_not_found first for a channel the caller
    cannot see)."""
    if not is_scheduled_id(scheduled_id):
        raise SlackError("invalid_scheduled_message_id")

    def unit(tx: Tx, log: EventLog) -> None:
        channel_id = named_channel_id(tx, who, channel)
        visible_channel(tx, who, channel_id, shown=False)
        found = tx.get_scheduled(team_id, scheduled_id)
        if found is None or found.user_id != who.user_id or found.channel_id != channel_id:
            raise SlackError("invalid_scheduled_message_id")
        tx.delete_scheduled(team_id, scheduled_id)

    team_id = await home(hub, who, channel)
    await hub.commit(team_id, unit)


async def scheduled_job(hub: Hub, job: Job) -> None:
    """Posts a scheduled message at its time, and forgets it, in one transaction."""
    scheduled_id = job.payload.get("id")
    if not isinstance(scheduled_id, str):
        raise PermanentFailure("no scheduled message id")

    def post(tx: Tx, log: EventLog) -> None:
        item = tx.get_scheduled(job.team_id, scheduled_id)
        if item is None:
            return  # posted by an earlier run, or deleted
        tx.delete_scheduled(job.team_id, scheduled_id)
        draft = Draft.from_json(item.draft["message"])
        post_tx(tx, log, _author(item.draft["author"]), item.channel_id, draft)

    try:
        await hub.commit(job.team_id, post)
    except Unavailable:
        raise  # tried again by the runner
    except SlackError as exc:
        # Refused now (the channel archived, the author no longer in it): Slack drops it.
        log.info("scheduled_message_dropped", team=job.team_id, id=scheduled_id, error=exc.code)
        await hub.commit(job.team_id, lambda tx, _: tx.delete_scheduled(job.team_id, scheduled_id))
