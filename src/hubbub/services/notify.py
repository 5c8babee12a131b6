"""Notifications: who a new message notifies (domain/notify.py decides), a record of each, a
`desktop_notification` to the person's own sessions, and an email to those offline.

Three steps, each idempotent:
- react (to every logged event): a new message that may notify anyone queues one `notify` job,
  keyed by (channel, ts).
- the `notify` job writes one row per person notified, keyed by (person, channel, ts); for each
  row it writes (none on a rerun) it sends the live notice after the commit, unless the person
  snoozed, and queues an `email` job, keyed like the row, for someone with no open socket. It
  takes the people it may notify a batch at a time (`notify_batch`, in person order): the
  commit of one batch's rows queues the job of the next, keyed by where it starts, so a
  broadcast to 100,000 people is a chain of bounded commits, and a job that dies mid-way is run
  again from the start of its own batch, writing (and notifying, and emailing) nobody twice.
- the `email` job (services/notify_email.py) sends the mail unless it went already, the person
  snoozed since, read the conversation past the message, or has no address.

What a notice shows of the message is services/notify_notice.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

import orjson

from hubbub.domain.jobs import Job
from hubbub.domain.mentions import may_mention, mentioned, subteams
from hubbub.domain.model import Channel, Message, User
from hubbub.domain.notify import (
    Notice,
    Posted,
    Pref,
    candidates,
    desktop_notification,
    notifies,
    recipients,
    snoozed,
)
from hubbub.domain.shapes import USER_TEAM
from hubbub.domain.shares import ACCEPTED
from hubbub.services.access import guests_of
from hubbub.services.follow_up import Logged
from hubbub.services.hub import EventLog, Hub
from hubbub.services.messages import TOMBSTONE, user_stream
from hubbub.services.notify_email import EMAIL_JOB, no_email_once
from hubbub.services.notify_notice import notice_of, with_people
from hubbub.services.usergroups import mentioned_members
from hubbub.store.tx import Tx

NOTIFY_JOB = "notify"
# How many people's presence one notify job asks for at once.
PRESENCE_AT_ONCE = 100
# At most this many people set one conversation to `all` count as listeners.
MAX_LISTENERS = 10_000


# -- react -----------------------------------------------------------------------------------


async def react(hub: Hub, logged: Logged) -> None:
    """Queues a `notify` job for a new message that may notify someone."""
    team_id, event = logged.team_id, logged.event
    if not notifies(event):
        return
    channel_id, ts = event.get("channel"), event["ts"]
    if not isinstance(channel_id, str):
        return
    thread_ts = event.get("thread_ts")
    strong = (
        event.get("channel_type") in ("im", "mpim")
        or (thread_ts is not None and thread_ts != ts)
        or may_mention(str(event.get("text") or ""))
    )
    if not strong:
        # A plain message in a channel notifies only those who set it to `all`.
        found = await hub.read(team_id, lambda tx: tx.listeners(team_id, channel_id, 1))
        if not found and USER_TEAM in event:  # a shared channel's message
            found = await _guest_listeners(hub, team_id, channel_id)
        if not found:
            return
    payload = {"channel": channel_id, "ts": ts}
    await hub.commit(
        team_id,
        lambda tx, events: events.job(team_id, NOTIFY_JOB, payload, key=f"{channel_id}:{ts}"),
    )


async def _guest_listeners(hub: Hub, host: str, channel_id: str) -> list[str]:
    """Who set a shared channel to `all` in the other workspaces in it: each keeps its people's
    settings on its own shard. Remembered per process until the identity version moves, which a
    guest's change to or from `all` does (services/notify_settings.py): otherwise every message
    of the channel would read every guest workspace's shard."""
    out: list[str] = []
    for guest in await guests_of(hub, host, channel_id):
        found = hub.guest_listeners.get((guest, channel_id))
        if found is None:
            version = hub.guest_listeners.version()

            def theirs(tx: Tx, guest: str = guest) -> tuple[str, ...]:
                return tuple(tx.listeners(guest, channel_id, MAX_LISTENERS))

            found = await hub.read(guest, theirs)
            hub.guest_listeners.put((guest, channel_id), found, version)
        out += found
    return out


# -- the notify job --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Plan:
    msg: Message
    channel: Channel
    posted: Posted
    members: list[str]
    users: dict[str, User]
    prefs: dict[str, Pref]
    here: bool  # the text holds <!here>: whether each member is active matters
    shared: bool  # another workspace is in the channel
    # In a shared channel, the members it may notify from other workspaces, by workspace:
    # their records, settings and sockets are their own workspace's.
    guests: dict[str, list[str]]
    # Members from other workspaces the text mentions, with their workspace: their names are
    # read there (the host's shard has no profile of them).
    named_elsewhere: dict[str, str]
    # Where the next batch starts (the last person of this one), None if this is the last.
    next_after: str | None


def _posted(tx: Tx, msg: Message, channel: Channel) -> Posted:
    is_reply = msg.thread_ts is not None and msg.thread_ts != msg.ts
    people: frozenset[str] = frozenset()
    if is_reply:
        assert msg.thread_ts is not None
        parent = tx.get_message(msg.team_id, msg.channel_id, msg.thread_ts)
        if parent is not None:
            authors = () if parent.subtype == TOMBSTONE else (parent.user_id,)
            people = frozenset((*authors, *parent.reply_users))
    return Posted(
        author=msg.user_id,
        text=msg.text,
        is_dm=channel.is_im or channel.is_mpim,
        thread_only=is_reply and msg.subtype != "thread_broadcast",
        thread_people=people,
        group_people=frozenset(mentioned_members(tx, msg.team_id, subteams(msg.text))),
    )


def _plan(
    tx: Tx,
    team_id: str,
    channel_id: str,
    ts: str,
    *,
    shared: bool,
    elsewhere: tuple[str, ...],
    after: str,
    batch: int,
) -> _Plan | None:
    """The batch of up to `batch` people after `after` (in id order) that the message may
    notify. shared: other workspaces are in the channel (access.guests_of); elsewhere: those
    of their people who set it to `all`."""
    msg = tx.get_message(team_id, channel_id, ts)
    channel = tx.get_channel(team_id, channel_id)
    if msg is None or channel is None or msg.subtype == TOMBSTONE or channel.is_archived:
        return None
    posted = _posted(tx, msg, channel)
    listeners = [*tx.listeners(team_id, channel_id, MAX_LISTENERS), *elsewhere]
    maybe = candidates(posted, listeners)
    if maybe is None:
        page = found = tx.member_ids(team_id, channel_id, after, batch)
    else:
        page = sorted(u for u in maybe if u > after)[:batch]
        found = tx.members_among(team_id, channel_id, page)
    named, broadcasts = mentioned(msg.text)
    users = tx.get_users(team_id, {*found, *named, msg.user_id})
    people = [u for u in found if u in users and not users[u].deleted]
    guests: dict[str, list[str]] = {}
    named_elsewhere: dict[str, str] = {}
    if shared:
        others = [u for u in found if u not in users]
        for user_id, team in tx.member_teams(team_id, channel_id, others).items():
            guests.setdefault(team, []).append(user_id)
        unknown = [u for u in named if u not in users]
        named_elsewhere = tx.member_teams(team_id, channel_id, unknown)
    return _Plan(
        msg=msg,
        channel=channel,
        posted=posted,
        members=people,
        users=users,
        prefs=tx.notification_prefs(team_id, channel_id, people),
        here="here" in broadcasts,
        shared=shared,
        guests=guests,
        named_elsewhere=named_elsewhere,
        next_after=page[-1] if len(page) == batch else None,
    )


async def _online(hub: Hub, team_id: str, user_ids: Iterable[str]) -> dict[str, int]:
    """Open sockets per person, asked PRESENCE_AT_ONCE at a time (one Redis round trip each
    in the scaled deployment)."""
    ids = list(user_ids)
    out: dict[str, int] = {}
    for start in range(0, len(ids), PRESENCE_AT_ONCE):
        chunk = ids[start : start + PRESENCE_AT_ONCE]
        found = await asyncio.gather(*(hub.presence.connections(team_id, u) for u in chunk))
        out.update((u, count) for u, (count, _) in zip(chunk, found, strict=True))
    return out


async def notify_job(hub: Hub, job: Job) -> None:
    """The `notify` job: records, live notices and email jobs for one new message, for one
    batch of the people it may notify: those after `after` in the payload (the first job has
    none), up to `notify_batch`."""
    team_id = job.team_id
    channel_id, ts = str(job.payload["channel"]), str(job.payload["ts"])
    after, batch = str(job.payload.get("after") or ""), hub.job_limits.notify_batch
    shared = bool(await guests_of(hub, team_id, channel_id))
    elsewhere = tuple(await _guest_listeners(hub, team_id, channel_id)) if shared else ()

    def plan_of(tx: Tx) -> _Plan | None:
        where = (team_id, channel_id, ts)
        return _plan(tx, *where, shared=shared, elsewhere=elsewhere, after=after, batch=batch)

    plan = await hub.read(team_id, plan_of)
    if plan is None:
        return
    people = {**plan.named_elsewhere, **_author_elsewhere(plan.msg)}
    plan = replace(plan, users=await with_people(hub, people, plan.users))
    if plan.guests:
        notice = await hub.read(
            team_id, lambda tx: notice_of(tx, hub, plan.msg, plan.channel, plan.users, plan.shared)
        )
        for guest, user_ids in sorted(plan.guests.items()):
            await _notify_guests(hub, plan, notice, guest, user_ids)
    # Last: its commit queues the next batch's job, so once that exists this batch is done.
    await _notify_hosts_people(hub, team_id, plan)


async def _notify_hosts_people(hub: Hub, team_id: str, plan: _Plan) -> None:
    def notice(tx: Tx) -> Notice:
        return notice_of(tx, hub, plan.msg, plan.channel, plan.users, plan.shared)

    await _notify_people(
        hub, plan, team_id, plan.members, plan.users, plan.prefs, notice, {}, then=plan.next_after
    )


async def _notify_guests(
    hub: Hub, plan: _Plan, notice: Notice, team_id: str, user_ids: list[str]
) -> None:
    """The members of a shared channel from another workspace: notified as the host's people
    are, recorded on their own workspace's shard (notifications.list reads it there) and named
    by their workspace's name for the channel; emailed while offline like the host's people,
    by a job queued on their own shard beside the record it checks, which reads the message
    from the host's."""
    channel_id = plan.channel.id

    def read(tx: Tx) -> tuple[list[str], dict[str, User], dict[str, Pref], str] | None:
        shared = tx.shared_channel(team_id, channel_id)
        if shared is None or shared.state != ACCEPTED:
            return None  # disconnected since the message
        users = tx.get_users(team_id, user_ids)
        people = [u for u in user_ids if u in users and not users[u].deleted]
        return people, users, tx.notification_prefs(team_id, channel_id, people), shared.name

    found = await hub.read(team_id, read)
    if found is None:
        return
    people, users, prefs, name = found
    shown = replace(notice, where="#" + name)
    host = {"host": plan.channel.team_id}
    await _notify_people(hub, plan, team_id, people, users, prefs, lambda _tx: shown, host)


async def _notify_people(
    hub: Hub,
    plan: _Plan,
    team_id: str,
    people: list[str],
    users: dict[str, User],
    prefs: dict[str, Pref],
    notice_of: Callable[[Tx], Notice],
    email_extra: dict[str, Any],
    *,
    then: str | None = None,
) -> None:
    """Records, live notices and email jobs for the people of one workspace (team_id) that
    the message notifies, on that workspace's shard; with `then`, the same commit queues the
    job of the batch after that person."""
    channel_id, ts = plan.channel.id, plan.msg.ts
    sockets = await _online(hub, team_id, people if plan.here else ())
    # Present as presence reckons it: a socket open and not set away.
    active = frozenset(u for u, n in sockets.items() if n and not users[u].manual_away)
    bots = frozenset(u for u in people if users[u].is_bot)
    chosen = recipients(plan.posted, people, prefs=prefs, active=active, bots=bots)
    if not chosen and then is None:
        return
    missing = [u for u in chosen if u not in sockets]
    sockets.update(await _online(hub, team_id, missing))
    offline = {u for u in chosen if not sockets[u]}
    if offline and hub.mailer is None:
        no_email_once()

    def unit(tx: Tx, events: EventLog) -> None:
        if then is not None:
            following = {"channel": channel_id, "ts": ts, "after": then}
            events.job(team_id, NOTIFY_JOB, following, key=f"{channel_id}:{ts}:{then}")
        if not chosen:
            return
        added = tx.add_notifications(
            team_id,
            channel_id,
            ts,
            chosen,
            author_id=plan.msg.user_id,
            thread_ts=plan.msg.thread_ts,
        )
        if not added:
            return
        snoozes = tx.snoozes(team_id, added)
        shown = orjson.dumps(desktop_notification(notice_of(tx), events.tx_ts()))
        for user_id in sorted(added):
            if snoozed(snoozes.get(user_id, 0), tx.now):
                continue
            events.notices.append((user_stream(user_id), shown))
            if user_id in offline and hub.mailer is not None and users[user_id].email:
                payload = {"user": user_id, "channel": channel_id, "ts": ts, **email_extra}
                payload.update(_by(plan))
                events.job(team_id, EMAIL_JOB, payload, key=f"{user_id}:{channel_id}:{ts}")

    await hub.commit(team_id, unit)


def _author_team(msg: Message) -> str | None:
    """The workspace of an author from another one than the channel's (a shared channel)."""
    team = msg.extra.get(USER_TEAM)
    return str(team) if team and team != msg.team_id else None


def _author_elsewhere(msg: Message) -> dict[str, str]:
    team = _author_team(msg)
    return {msg.user_id: team} if team else {}


def _by(plan: _Plan) -> dict[str, Any]:
    """What an email job needs to name the people of other workspaces in its message."""
    elsewhere = {**plan.named_elsewhere, **_author_elsewhere(plan.msg)}
    return {"elsewhere": elsewhere} if elsewhere else {}
