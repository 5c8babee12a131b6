"""Reminders as Slack defines them (reminders.*): when one is due, from the `time` argument
Slack takes (a recurring phrase among them: "every day at 9am", "every Monday", "every
weekday"), the ids that name them and the shape methods answer with. No I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from hubbub.domain.errors import SlackError
from hubbub.domain.scheduled import seconds
from hubbub.domain.slackbot import SLACKBOT as SLACKBOT  # who delivers reminders

# Slack: a number up to a day is seconds from now; a larger one is a Unix time, up to five
# years ahead.
MAX_RELATIVE_S = 86_400
MAX_AHEAD_S = 5 * 365 * 86_400
MAX_TEXT = 4_000
# reminders.list has no pages in Slack: a bound on how many one answer holds.
MAX_LISTED = 1_000
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
# "every <days>" and an optional "at <time>": days are `day`, `weekday`, or weekday names.
_EVERY = re.compile(r"every\s+(?P<days>[a-z ,]+?)(?:\s+at\s+(?P<time>[0-9a-z: ]+))?\Z")
# "9am", "9:30 pm", "17:00", "9": an hour and maybe minutes, in 12- or 24-hour form.
_CLOCK = re.compile(r"(?P<h>[0-9]{1,2})(?::(?P<m>[0-9]{2}))?\s*(?P<half>am|pm)?\Z")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_NAMES = {
    **{name: i for i, name in enumerate(WEEKDAYS)},
    **{name + "s": i for i, name in enumerate(WEEKDAYS)},
    **{name[:3]: i for i, name in enumerate(WEEKDAYS)},
}
_EVERY_DAY = tuple(range(7))
_WORKDAYS = tuple(range(5))
# Weekday (Monday 0) of the Unix epoch's day, 1970-01-01: a Thursday.
_EPOCH_WEEKDAY = 3


@dataclass(frozen=True, slots=True)
class Recurrence:
    """When a recurring reminder falls: `second` seconds into the day (UTC: hubbub keeps no
    time zone per reminder) on each of `weekdays` (Monday 0; all seven: every day)."""

    weekdays: tuple[int, ...]
    second: int

    def next_after(self, after: int) -> int:
        """The first time it falls strictly after `after` (seconds)."""
        first_day = after // 86_400
        for offset in range(8):
            day = first_day + offset
            at = day * 86_400 + self.second
            if at > after and (day + _EPOCH_WEEKDAY) % 7 in self.weekdays:
                return at
        raise AssertionError("a week always holds one of its weekdays")

    def json(self) -> dict[str, Any]:
        """Slack's `recurrence` of a reminder: daily, or weekly on named days."""
        if self.weekdays == _EVERY_DAY:
            return {"frequency": "daily"}
        return {"frequency": "weekly", "weekdays": [WEEKDAYS[d] for d in self.weekdays]}

    def stored(self) -> str:
        return ",".join(str(d) for d in self.weekdays) + f"@{self.second}"

    @classmethod
    def from_stored(cls, text: str) -> Recurrence:
        days, second = text.split("@")
        return cls(tuple(int(d) for d in days.split(",")), int(second))


def recurrence(value: str) -> Recurrence | None:
    """The rule a recurring phrase names ("every day at 9am", "every Monday and Thursday at
    17:30", "every weekday"; 9:00 when no time is given, as Slack sets it), or None for
    anything else."""
    if len(value) > _PHRASE_MAX:
        return None
    found = _EVERY.match(" ".join(value.lower().split()))
    if found is None:
        return None
    minute = _minute(found.group("time") or "9am")
    days = _days(found.group("days"))
    if minute is None or days is None:
        return None
    return Recurrence(days, minute * 60)


def recurrence_days(value: Any) -> tuple[int, ...]:
    """The weekdays of reminders.add's `recurrence` argument, as Slack's SDKs send it:
    `{"frequency": "daily"}` or `{"frequency": "weekly", "weekdays": ["monday", ...]}`;
    cannot_parse for anything else (`monthly` and `yearly` among them: hubbub's rules are
    weekly)."""
    if not isinstance(value, dict):
        raise SlackError("cannot_parse")
    frequency = value.get("frequency")
    if frequency == "daily":
        return _EVERY_DAY
    names = value.get("weekdays")
    if (
        frequency != "weekly"
        or not isinstance(names, list)
        or not 0 < len(names) <= 7
        or not all(isinstance(n, str) and n.lower() in WEEKDAYS for n in names)
    ):
        raise SlackError("cannot_parse")
    return tuple(sorted({WEEKDAYS.index(n.lower()) for n in names}))


def _days(text: str) -> tuple[int, ...] | None:
    if text == "day":
        return _EVERY_DAY
    if text == "weekday":
        return _WORKDAYS
    names = [n for n in re.split(r"\s*,\s*|\s+and\s+|\s+", text) if n]
    if not names or any(n not in _DAY_NAMES for n in names):
        return None
    return tuple(sorted({_DAY_NAMES[n] for n in names}))


def _minute(text: str) -> int | None:
    """Minutes into the day of a clock time, or None."""
    text = text.strip()
    if text in ("noon", "midday"):
        return 12 * 60
    if text == "midnight":
        return 0
    found = _CLOCK.match(text)
    if found is None:
        return None
    hour, minute, half = int(found.group("h")), int(found.group("m") or 0), found.group("half")
    if minute > 59:
        return None
    if half is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    elif hour > 23:
        return None
    return hour * 60 + minute


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
    # A recurring one: `time` is its next occurrence, moved on each time it is said.
    recurrence: Recurrence | None = None


def when(value: Any, now: int) -> tuple[int, Recurrence | None]:
    """When a reminder with Slack's `time` argument first falls, and its rule if the phrase is
    a recurring one; due's errors otherwise."""
    rule = recurrence(value) if isinstance(value, str) else None
    if rule is not None:
        return rule.next_after(now), rule
    return due(value, now), None


def due(value: Any, now: int) -> int:
    """When a one-off reminder with Slack's `time` argument falls: cannot_parse for what it is
    not (recurring phrases among them: `when` reads those), time_in_past for a time gone."""
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
    """Slack's reminder object; a recurring one carries its `recurrence`, and `time` is its
    next occurrence."""
    out: dict[str, Any] = {
        "id": item.id,
        "creator": item.creator,
        "user": item.user_id,
        "text": item.text,
        "recurring": item.recurrence is not None,
        "time": item.time,
        "complete_ts": item.complete_ts,
    }
    if item.recurrence is not None:
        out["recurrence"] = item.recurrence.json()
    return out
