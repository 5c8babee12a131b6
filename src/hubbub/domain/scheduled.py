"""Scheduled messages as Slack defines them (chat.scheduleMessage and its kin): when one may be
set for, how many a channel takes at once, and the ids and cursors that name them. No I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from hubbub.domain import cursor
from hubbub.domain.errors import SlackError
from hubbub.domain.ids import is_slack_id

# Slack: at most 120 days ahead.
MAX_AHEAD_S = 120 * 86_400
# Slack: at most 30 messages scheduled for one channel within any 5 minutes
# (restricted_too_many).
BURST_WINDOW_S = 300
BURST_MAX = 30
# A Unix time as Slack's clients send it: whole seconds, perhaps with a fraction, which counts
# for nothing; at most 12 digits (past the year 33,000).
_SECONDS = re.compile(r"([0-9]{1,12})(\.[0-9]{1,9})?\Z")
CURSOR_KIND = "scheduled"


@dataclass(frozen=True, slots=True)
class Scheduled:
    team_id: str
    id: str  # Q…
    channel_id: str
    user_id: str
    post_at: int
    created: int
    # The checked message and its author (services/scheduled.py), as stored.
    draft: dict[str, Any]


def seconds(value: Any) -> int | None:
    """A Unix time in whole seconds, from an integer or its text; None if it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value < 10**12 else None
    if isinstance(value, float):
        return int(value) if 0 <= value < 10**12 else None
    found = _SECONDS.match(value) if isinstance(value, str) else None
    return int(found.group(1)) if found else None


def check_post_at(value: Any, now: int) -> int:
    """When a message may be scheduled for: Slack's invalid_time, time_in_past, time_too_far."""
    post_at = seconds(value)
    if post_at is None:
        raise SlackError("invalid_time")
    if post_at <= now:
        raise SlackError("time_in_past")
    if post_at > now + MAX_AHEAD_S:
        raise SlackError("time_too_far")
    return post_at


def is_scheduled_id(value: str) -> bool:
    return value.startswith("Q") and is_slack_id(value)


def scheduled_json(item: Scheduled) -> dict[str, Any]:
    """One entry of chat.scheduledMessages.list, as Slack writes it."""
    return {
        "id": item.id,
        "channel_id": item.channel_id,
        "post_at": item.post_at,
        "date_created": item.created,
        "text": str(item.draft["message"]["text"]),
    }


def page_cursor(item: Scheduled) -> str:
    return cursor.encode(CURSOR_KIND, f"{item.post_at}:{item.id}")


def after_cursor(token: str) -> tuple[int, str]:
    """The (post_at, id) a list cursor continues after; invalid_cursor for anything else."""
    at, scheduled_id = cursor.fields(CURSOR_KIND, token, 2)
    return cursor.decimal(at), cursor.identifier(scheduled_id)
