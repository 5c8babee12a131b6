"""Slack's workspace export, read: the records of `users.json`, `channels.json`,
`groups.json`, `dms.json`, `mpims.json` and the day files, checked and turned into hubbub's
(docs/import.md). Pure: the archive is read by slack_archive.py, written by
services/slack_import.py.

Every value comes from a file someone handed us: each is checked here, once, and a record that
fails is skipped with its reason (`Skipped`), never half taken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from hubbub.domain.ids import is_slack_id
from hubbub.domain.slack_files import ExportFile, files_of
from hubbub.domain.ts import parse_bound, to_micros

MAX_TEXT = 40_000  # Slack's own limit on a message's text
MAX_NAME = 80
# A message older than Slack or later than a day past the import is no message of Slack's.
EARLIEST_US = 1_000_000_000 * 10**6  # 2001-09-09
FUTURE_SLACK_US = 24 * 3600 * 10**6
# The system's own user, for bot messages with no user of their own (as Slack shows them).
SLACKBOT = "USLACKBOT"


class Refused(Exception):
    """A record, or the export itself, that cannot be taken; str(exc) is the reason (for a
    record, without its values: the summary counts records by reason)."""


def check_id(value: Any, kinds: str) -> str:
    if not isinstance(value, str) or not is_slack_id(value) or value[0] not in kinds:
        raise Refused("a bad id")
    return value


def _text(value: Any, limit: int = MAX_TEXT) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Refused("text is not a string")
    return value[:limit]


_STORED_TS = re.compile(r"[0-9]{10}\.[0-9]{6}\Z")


def check_ts(value: Any, now_us: int) -> str:
    """A message's ts in stored form, within Slack's lifetime and not past tomorrow."""
    if not isinstance(value, str):
        raise Refused("ts is not a string")
    # Slack writes them in stored form already (ten digits, six decimals): parse_bound would
    # give the same string back, at a few times the cost (two per message of a day file).
    ts = value if _STORED_TS.match(value) else parse_bound(value)
    if ts is None or not EARLIEST_US <= to_micros(ts) <= now_us + FUTURE_SLACK_US:
        raise Refused("a ts out of range")
    return ts


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _seconds(value: Any) -> int:
    return value if isinstance(value, int) and 0 <= value < 10**10 else 0


@dataclass(frozen=True, slots=True)
class ExportUser:
    id: str
    name: str
    real_name: str
    email: str | None
    tz: str
    is_admin: bool
    is_owner: bool
    is_bot: bool
    bot_id: str | None
    deleted: bool
    profile: dict[str, Any]


_PROFILE_KEYS = (
    "title",
    "phone",
    "display_name",
    "status_text",
    "status_emoji",
    "first_name",
    "last_name",
    "pronouns",
)


def user_of(raw: Any) -> ExportUser:
    if not isinstance(raw, dict):
        raise Refused("a user is not an object")
    profile = _dict(raw.get("profile"))
    user_id = check_id(raw.get("id"), "UW")
    name = _text(raw.get("name"), MAX_NAME).strip() or user_id.lower()
    real = _text(raw.get("real_name") or profile.get("real_name"), MAX_NAME).strip() or name
    email = profile.get("email")
    bot_id = profile.get("bot_id")
    return ExportUser(
        id=user_id,
        name=name,
        real_name=real,
        email=email.strip().lower()[:254] if isinstance(email, str) and "@" in email else None,
        tz=_text(raw.get("tz"), 64) or "UTC",
        is_admin=raw.get("is_admin") is True,
        is_owner=raw.get("is_owner") is True,
        is_bot=raw.get("is_bot") is True,
        bot_id=bot_id if isinstance(bot_id, str) and is_slack_id(bot_id) else None,
        deleted=raw.get("deleted") is True,
        profile={
            k: _text(profile[k], 250) for k in _PROFILE_KEYS if isinstance(profile.get(k), str)
        },
    )


@dataclass(frozen=True, slots=True)
class Pinned:
    ts: str
    user: str
    created: int


@dataclass(frozen=True, slots=True)
class ExportChannel:
    """A conversation: kind is "public", "private", "im" or "mpim". folder: the name of its
    folder of day files (a channel's name; a DM's or group DM's id or name)."""

    id: str
    kind: str
    name: str
    folder: str
    creator: str
    created: int
    is_archived: bool
    members: tuple[str, ...]
    topic: tuple[str, str, int]
    purpose: tuple[str, str, int]
    pins: tuple[Pinned, ...] = ()
    other_folders: tuple[str, ...] = field(default=())


def _about(raw: Any) -> tuple[str, str, int]:
    if not isinstance(raw, dict):
        return "", "", 0
    creator = raw.get("creator")
    return (
        _text(raw.get("value"), 250),
        creator if isinstance(creator, str) and is_slack_id(creator) else "",
        _seconds(raw.get("last_set")),
    )


_KIND_PREFIX = {"public": "C", "private": "CG", "im": "D", "mpim": "CG"}


def channel_of(raw: Any, kind: str, now_us: int) -> ExportChannel:
    if not isinstance(raw, dict):
        raise Refused("a conversation is not an object")
    channel_id = check_id(raw.get("id"), _KIND_PREFIX[kind])
    members = _list(raw.get("members"))
    people = tuple(dict.fromkeys(m for m in members if isinstance(m, str) and is_slack_id(m)))
    if kind == "im":
        user = raw.get("user")
        if isinstance(user, str) and is_slack_id(user) and user not in people:
            people = (*people, user)
        name = channel_id
        folder = channel_id
    else:
        name = _text(raw.get("name"), MAX_NAME).strip()
        if not name:
            raise Refused("no name")
        folder = name
    creator = raw.get("creator")
    pins = []
    for pin in _list(raw.get("pins")):
        if isinstance(pin, dict):
            try:
                ts = check_ts(pin.get("id"), now_us)
            except Refused:
                continue
            by = pin.get("user")
            pins.append(Pinned(ts, by if isinstance(by, str) else "", _seconds(pin.get("created"))))
    return ExportChannel(
        id=channel_id,
        kind=kind,
        name=name,
        folder=folder,
        creator=creator if isinstance(creator, str) and is_slack_id(creator) else "",
        created=_seconds(raw.get("created")),
        is_archived=raw.get("is_archived") is True,
        members=people,
        topic=_about(raw.get("topic")),
        purpose=_about(raw.get("purpose")),
        pins=tuple(pins),
        # slackdump and some exporters name a DM's or group DM's folder by its id, Slack by
        # its name: both are looked for.
        other_folders=(channel_id,) if folder != channel_id else (),
    )


@dataclass(frozen=True, slots=True)
class ExportMessage:
    ts: str
    user_id: str
    bot_id: str | None
    subtype: str | None
    text: str
    thread_ts: str | None
    reply_count: int
    reply_users: tuple[str, ...]
    latest_reply: str | None
    edited: tuple[str, str] | None
    reactions: tuple[tuple[str, tuple[str, ...]], ...]
    blocks: list[Any] | None
    attachments: list[Any] | None
    client_msg_id: str | None
    extra: dict[str, Any]
    # Its files (domain/slack_files.py), and the reasons of those skipped.
    files: tuple[ExportFile, ...] = ()
    skipped_files: tuple[str, ...] = ()


# What a message of the export shows that hubbub keeps as it is (docs/import.md).
_KEPT_EXTRA = (
    "username",
    "icons",
    "bot_profile",
    "app_id",
    "inviter",
    "old_name",
    "name",
    "purpose",
    "topic",
    "parent_user_id",
    "upload",
    "display_as_bot",
)
_SUBTYPE = re.compile(r"[a-z_]{1,32}\Z")
_EMOJI = re.compile(r"[a-z0-9_+'\-:]{1,100}\Z")


def message_of(raw: Any, now_us: int, bots: dict[str, str]) -> ExportMessage:
    """A day file's message. bots: bot ids to their bot user's id, for bot_message."""
    if not isinstance(raw, dict):
        raise Refused("a message is not an object")
    if raw.get("type", "message") != "message":
        raise Refused("not a message")
    ts = check_ts(raw.get("ts"), now_us)
    subtype = raw.get("subtype")
    if subtype is not None and (not isinstance(subtype, str) or not _SUBTYPE.match(subtype)):
        raise Refused("bad subtype")
    bot_id = raw.get("bot_id") if isinstance(raw.get("bot_id"), str) else None
    if bot_id is not None and not is_slack_id(bot_id):
        bot_id = None
    user = raw.get("user")
    if user is None and bot_id is not None:
        user = bots.get(bot_id, SLACKBOT)
    user_id = check_id(user, "UW")
    thread_ts = None
    if raw.get("thread_ts") is not None:
        thread_ts = check_ts(raw.get("thread_ts"), now_us)
    replies = _list(raw.get("reply_users"))
    edited = None
    if isinstance(raw.get("edited"), dict):
        try:
            edited = (
                check_ts(raw["edited"].get("ts"), now_us),
                check_id(raw["edited"].get("user"), "UW"),
            )
        except Refused:
            edited = None
    reactions = []
    for r in _list(raw.get("reactions")):
        if isinstance(r, dict) and isinstance(r.get("name"), str) and _EMOJI.match(r["name"]):
            users = tuple(u for u in _list(r.get("users")) if isinstance(u, str) and is_slack_id(u))
            if users:
                reactions.append((r["name"], tuple(dict.fromkeys(users))))
    latest = raw.get("latest_reply")
    client_msg_id = raw.get("client_msg_id")
    files, skipped_files = files_of(raw)
    return ExportMessage(
        ts=ts,
        user_id=user_id,
        bot_id=bot_id,
        subtype=subtype,
        text=_text(raw.get("text")),
        thread_ts=thread_ts,
        reply_count=raw["reply_count"] if isinstance(raw.get("reply_count"), int) else 0,
        reply_users=tuple(u for u in replies if isinstance(u, str) and is_slack_id(u)),
        latest_reply=parse_bound(latest) if isinstance(latest, str) else None,
        edited=edited,
        reactions=tuple(reactions),
        blocks=raw["blocks"] if isinstance(raw.get("blocks"), list) else None,
        attachments=raw["attachments"] if isinstance(raw.get("attachments"), list) else None,
        client_msg_id=client_msg_id[:64] if isinstance(client_msg_id, str) else None,
        extra={k: raw[k] for k in _KEPT_EXTRA if k in raw},
        files=files,
        skipped_files=skipped_files,
    )


DAY_FILE = re.compile(r"(\d{4}-\d{2}-\d{2})\.json\Z")
