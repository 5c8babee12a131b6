"""Notifications, as rules: who a new message notifies and why, per-conversation preferences,
do-not-disturb snoozes, and what a notification says (desktop and email). No I/O here.

A message notifies a member of its conversation (never its author, never a bot) for a *strong*
reason: they are named (`<@U…>`, or an enabled user group of theirs, `<!subteam^S…>`: the caller
reads the groups' members into `Posted.group_people`), the whole conversation is (`<!channel>`,
`<!everyone>`), those present are and they are (`<!here>`), or it is a reply in a thread they
took part in (its parent's author and every replier). A *weak* reason, any message at all,
notifies only those whose level for the conversation is `all`: the default in DMs and group DMs,
where it is called `dm`. `mentions` (the default in channels) takes strong reasons only,
`nothing` and `muted` none. A reply shown only in its thread has no weak reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hubbub.domain.mentions import mentioned

ALL, MENTIONS, NOTHING = "all", "mentions", "nothing"
LEVELS = (ALL, MENTIONS, NOTHING)

# A person's words notify; what the system writes for them (joins, topics, ...) does not, nor
# do edits and deletes (message_changed, message_deleted).
NOTIFYING_SUBTYPES = frozenset(
    {None, "thread_broadcast", "me_message", "bot_message", "file_share"}
)


@dataclass(frozen=True, slots=True)
class Pref:
    """One person's setting for one conversation; level None is the default."""

    level: str | None = None
    muted: bool = False

    def effective(self, is_dm: bool) -> str:
        return self.level or (ALL if is_dm else MENTIONS)


@dataclass(frozen=True, slots=True)
class Posted:
    """A new message, as the rules need it."""

    author: str
    text: str
    is_dm: bool  # an IM or a group DM
    thread_only: bool  # a reply shown only in its thread
    thread_people: frozenset[str] = frozenset()  # a reply's: its parent's author, repliers
    group_people: frozenset[str] = frozenset()  # the members of the enabled groups it names


@dataclass(frozen=True, slots=True)
class Notification:
    """The record of one person notified of one message."""

    user_id: str
    channel_id: str
    ts: str
    author_id: str
    reason: str
    thread_ts: str | None
    created: int  # microseconds
    emailed: int | None  # microseconds, once its email went out


def notifies(event: Mapping[str, Any]) -> bool:
    """True for a logged event that is a new message someone may be notified of."""
    return (
        event.get("type") == "message"
        and event.get("subtype") in NOTIFYING_SUBTYPES
        and not event.get("hidden")
        and isinstance(event.get("ts"), str)
        and isinstance(event.get("user"), str)
    )


def strong_reason(posted: Posted, user_id: str, active: bool) -> str | None:
    named, broadcasts = mentioned(posted.text)
    if user_id in named or user_id in posted.group_people:
        return "mention"
    if user_id in posted.thread_people:
        return "thread"
    if "channel" in broadcasts or "everyone" in broadcasts:
        return "channel"
    if "here" in broadcasts and active:
        return "here"
    return None


def reason(posted: Posted, user_id: str, pref: Pref, *, active: bool) -> str | None:
    """Why posted notifies user_id (a member who is neither its author nor a bot), or None."""
    level = pref.effective(posted.is_dm)
    if pref.muted or level == NOTHING:
        return None
    strong = strong_reason(posted, user_id, active)
    if strong is not None:
        return strong
    if level == ALL and not posted.thread_only:
        return "dm" if posted.is_dm else "message"
    return None


def recipients(
    posted: Posted,
    members: Iterable[str],
    *,
    prefs: Mapping[str, Pref],
    active: frozenset[str] = frozenset(),
    bots: frozenset[str] = frozenset(),
) -> dict[str, str]:
    """Each member posted notifies, with the reason."""
    out: dict[str, str] = {}
    for user_id in members:
        if user_id == posted.author or user_id in bots:
            continue
        why = reason(posted, user_id, prefs.get(user_id, Pref()), active=user_id in active)
        if why is not None:
            out[user_id] = why
    return out


def candidates(posted: Posted, listeners: Iterable[str]) -> frozenset[str] | None:
    """Who posted may notify, before membership is checked; None: every member may (a DM, a
    broadcast). listeners: those whose level for the conversation is `all`."""
    named, broadcasts = mentioned(posted.text)
    if posted.is_dm or broadcasts:
        return None
    return (
        named
        | posted.group_people
        | posted.thread_people
        | (frozenset() if posted.thread_only else frozenset(listeners))
    )


# -- do not disturb ----------------------------------------------------------------------------

# What Slack answers for someone with no do-not-disturb schedule; hubbub has no schedules.
NO_SCHEDULE = {"dnd_enabled": False, "next_dnd_start_ts": 1, "next_dnd_end_ts": 1}
# The longest snooze dnd.setSnooze takes, in minutes (a year); longer is `too_long`.
MAX_SNOOZE_MINUTES = 525_600


def snoozed(until: int, now: int) -> bool:
    return until > now


def snooze_fields(until: int, now: int) -> dict[str, Any]:
    """The snooze_* fields of dnd.info and dnd.setSnooze, as Slack shapes them: the end time and
    what remains (seconds) only while a snooze is on."""
    if not snoozed(until, now):
        return {"snooze_enabled": False}
    return {
        "snooze_enabled": True,
        "snooze_endtime": until,
        "snooze_remaining": until - now,
        "snooze_is_indefinite": False,
    }


def dnd_status(until: int, now: int, *, own: bool) -> dict[str, Any]:
    """dnd.info: snooze fields only for the caller's own status, as in Slack."""
    return {**NO_SCHEDULE, **(snooze_fields(until, now) if own else {})}


# -- what a notification says ------------------------------------------------------------------

_LINK = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))


def plain_text(text: str, names: Mapping[str, str] | None = None) -> str:
    """mrkdwn as plain text: `<@U1>` as @name, `<#C1|x>` as #x, `<!here>` as @here, links as
    their label and address, then &lt; &gt; &amp; decoded (in that order, so `&amp;lt;` stays
    `&lt;`)."""
    names = names or {}

    def one(found: re.Match[str]) -> str:
        target, label = found.group(1), found.group(2)
        if target.startswith("@"):
            return "@" + (label or names.get(target[1:], target[1:]))
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            word = target[1:].split("^")[0]
            return label if label and label.startswith("@") else "@" + (label or word)
        return f"{label} ({target})" if label and label != target else target

    out = _LINK.sub(one, text)
    for entity, char in _ENTITIES:
        out = out.replace(entity, char)
    return out


@dataclass(frozen=True, slots=True)
class Notice:
    """What one notification says, whoever shows it."""

    team_id: str
    team_name: str
    channel_id: str
    where: str  # "#general", or the author's name in a DM
    is_dm: bool
    author_name: str
    text: str  # plain text
    ts: str
    permalink: str
    avatar: str = ""
    is_shared: bool = False  # the channel is shared with another workspace


def desktop_notification(notice: Notice, event_ts: str) -> dict[str, Any]:
    """Slack's RTM `desktop_notification` event."""
    return {
        "type": "desktop_notification",
        "title": notice.team_name,
        "subtitle": notice.where,
        "msg": notice.ts,
        "content": f"{notice.author_name}: {notice.text}",
        "channel": notice.channel_id,
        "launchUri": notice.permalink,
        "avatarImage": notice.avatar,
        "ssbFilename": "knock_brush.mp3",
        "imageUri": None,
        "is_shared": notice.is_shared,
        "event_ts": event_ts,
    }


def email_message_id(user_id: str, channel_id: str, ts: str, domain: str) -> str:
    """The Message-ID of the email of one notification: the same each time it is sent. The
    email job sends, then records that it did; a crash in between (or a job run again after
    its lease ran out) sends it again, and a mailbox that keeps one message per Message-ID
    shows it once."""
    return f"<notify.{user_id}.{channel_id}.{ts}@{domain or 'localhost'}>"


def email_subject(notice: Notice) -> str:
    if notice.is_dm:
        return f"New message from {notice.author_name}"
    return f"New message from {notice.author_name} in {notice.where}"


def email_body(notice: Notice) -> str:
    where = "a direct message" if notice.is_dm else notice.where
    return (
        f"{notice.author_name} wrote in {where} ({notice.team_name}):\n"
        "\n"
        f"{notice.text}\n"
        "\n"
        f"Open it: {notice.permalink}\n"
        "\n"
        "-- \n"
        "You get this email because you were notified while you were away from hubbub.\n"
    )
