"""Reminders as Slack defines them (reminders.*): when one is due, from the `time` argument
Slack takes, the ids that name them and the shape methods answer with. No I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from hubbub.domain.errors import SlackError
from hubbub.domain.scheduled import seconds

# Slack: a number up to a day is seconds from now; a larger one is a Unix time, up to five
# years ahead.
MAX_RELATIVE_S = 86_400
MAX_AHEAD_S = 5 * 365 * 86_400
MAX_TEXT = 4_000
# reminders.list has no pages in Slack: a bound on how many one answer holds.
MAX_LISTED = 1_000
# Slackbot, who delivers reminders (Slack's own id for it).
SLACKBOT = "USLACKBOT"
# "tomorrow": 9:00 the next day, as Slack sets it; hubbub keeps no time zone per person, so UTC.
TOMORROW_HOUR = 9
_PHRASE_MAX = 100
_UNITS = {
    "second": 1,
    "sec": 1,
    "minute": 60,
    "min": 60,
    "hour": 3_600,
    "hr": 3_600,
    "day": 86_400,
    "week": 7 * 86_400,
}
# "in 5 minutes", "in an hour", "in 2 hrs": one count (at most six digits) and one unit.
_IN = re.compile(r"in\s+(a|an|[0-9]{1,6})\s+([a-z]+?)s?\Z")
_ID = re.compile(r"Rm[A-Z0-9]{2,15}\Z")


@dataclass(frozen=True, slots=True)
class Reminder:
    team_id: str
    id: str  # Rm…
    creator: str
    user_id: str
    text: str
    time: int
    complete_ts: int  # 0 until completed
    # When Slackbot said it (0 until then): a reminder said stays listed, not complete, as in Slack.
    said_ts: int = 0


def due(value: Any, now: int) -> int:
    """When a reminder with Slack's `time` argument falls: cannot_parse for what it is not
    (recurring phrases among them), time_in_past for a time gone."""
    at = seconds(value)
    if at is None:
        at = _phrase(value, now) if isinstance(value, str) else None
    elif 0 < at <= MAX_RELATIVE_S:
        at = now + at
    if at is None or at > now + MAX_AHEAD_S:
        raise SlackError("cannot_parse")
    if at <= now:
        raise SlackError("time_in_past")
    return at


def _phrase(value: str, now: int) -> int | None:
    if len(value) > _PHRASE_MAX:
        return None
    words = " ".join(value.lower().split())
    if words == "tomorrow":
        return (now // 86_400 + 1) * 86_400 + TOMORROW_HOUR * 3_600
    found = _IN.match(words)
    if found is None:
        return None
    count, unit = found.groups()
    if unit not in _UNITS:
        return None
    return now + (1 if count in ("a", "an") else int(count)) * _UNITS[unit]


def check_text(value: str) -> str:
    text = value.strip()
    if not text:
        raise SlackError("invalid_arguments")
    if len(text) > MAX_TEXT:
        raise SlackError("msg_too_long")
    return text


def is_reminder_id(value: str) -> bool:
    return bool(_ID.match(value))


def message_text(item: Reminder) -> str:
    """What Slackbot says at the reminder's time."""
    return f"Reminder: {item.text.rstrip('.')}."


def reminder_json(item: Reminder) -> dict[str, Any]:
    return {
        "id": item.id,
        "creator": item.creator,
        "user": item.user_id,
        "text": item.text,
        "recurring": False,
        "time": item.time,
        "complete_ts": item.complete_ts,
    }
