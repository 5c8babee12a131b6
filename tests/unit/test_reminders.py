"""When a reminder falls, from the `time` argument Slack takes (domain/reminders.py)."""

from __future__ import annotations

from typing import Any

import pytest

from hubbub.domain.errors import SlackError
from hubbub.domain.reminders import (
    Recurrence,
    Reminder,
    due,
    message_text,
    recurrence_days,
    reminder_json,
    when,
)

NOW = 1_700_000_000  # 2023-11-14 22:13:20 UTC


@pytest.mark.parametrize(
    ("value", "at"),
    [
        (60, NOW + 60),
        ("86400", NOW + 86_400),
        (NOW + 86_401, NOW + 86_401),
        (f"{NOW + 90_000}.5", NOW + 90_000),
        ("in 5 minutes", NOW + 300),
        ("in 1 minute", NOW + 60),
        ("in an hour", NOW + 3_600),
        ("in a day", NOW + 86_400),
        ("IN 2 HRS", NOW + 7_200),
        ("in 10 secs", NOW + 10),
        ("in 2 weeks", NOW + 14 * 86_400),
        ("tomorrow", 1_700_038_800),  # 2023-11-15 09:00 UTC
    ],
)
def test_what_slack_takes(value: Any, at: int) -> None:
    assert due(value, NOW) == at


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (0, "time_in_past"),
        (NOW - 1, "time_in_past"),
        ("in 0 minutes", "time_in_past"),
        ("every day", "cannot_parse"),
        ("in 5 fortnights", "cannot_parse"),
        ("in five minutes", "cannot_parse"),
        ("in 1234567 minutes", "cannot_parse"),
        ("next tuesday", "cannot_parse"),
        ("", "cannot_parse"),
        (None, "cannot_parse"),
        (True, "cannot_parse"),
        (-5, "cannot_parse"),
        ([60], "cannot_parse"),
        ("tomorrow " * 20, "cannot_parse"),
        (NOW + 6 * 365 * 86_400, "cannot_parse"),
    ],
)
def test_what_slack_refuses(value: Any, code: str) -> None:
    with pytest.raises(SlackError) as err:
        due(value, NOW)
    assert err.value.code == code


def test_slackbot_says_it_with_one_full_stop() -> None:
    item = Reminder("T1", "RmA1", "U1", "U1", "call mum.", NOW, 0)
    assert message_text(item) == "Reminder: call mum."


DAY = 86_400
EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)


@pytest.mark.parametrize(
    ("phrase", "weekdays", "second", "first"),
    [
        # NOW is a Tuesday, 22:13 UTC.
        ("every day at 9am", EVERY_DAY, 9 * 3600, 1_700_038_800),
        ("every day", EVERY_DAY, 9 * 3600, 1_700_038_800),
        ("Every  Day at 23:00", EVERY_DAY, 23 * 3600, 1_700_002_800),
        ("every day at noon", EVERY_DAY, 12 * 3600, 1_700_049_600),
        ("every day at 12am", EVERY_DAY, 0, 1_700_006_400),
        ("every monday", (0,), 9 * 3600, 1_700_470_800),  # Monday 20 November
        ("every Tuesdays at 9:05 pm", (1,), 21 * 3600 + 300, 1_700_600_700),
        ("every weekday", (0, 1, 2, 3, 4), 9 * 3600, 1_700_038_800),
        ("every mon, wed and fri at 17:30", (0, 2, 4), 17 * 3600 + 1800, 1_700_069_400),
    ],
)
def test_the_recurring_phrases_slack_takes(
    phrase: str, weekdays: tuple[int, ...], second: int, first: int
) -> None:
    at, rule = when(phrase, NOW)
    assert rule == Recurrence(weekdays, second)
    assert at == first
    assert Recurrence.from_stored(rule.stored()) == rule


@pytest.mark.parametrize(
    "phrase",
    [
        "every fortnight",
        "every day at 13pm",
        "every monday at 25:00",
        "every day at 9:60",
        "every funday",
        "every",
        "every day at",
        "every day " * 20,
    ],
)
def test_recurring_phrases_it_cannot_read(phrase: str) -> None:
    with pytest.raises(SlackError) as err:
        when(phrase, NOW)
    assert err.value.code == "cannot_parse"


def test_each_occurrence_follows_the_last_on_its_days() -> None:
    weekdays = Recurrence((0, 1, 2, 3, 4), 9 * 3600)
    friday = 1_700_211_600  # Friday 17 November 09:00
    monday = weekdays.next_after(friday)
    assert monday == friday + 3 * DAY
    assert weekdays.next_after(monday - 1) == monday
    daily = Recurrence(EVERY_DAY, 0)
    assert daily.next_after(NOW) == 1_700_006_400


def test_the_recurrence_argument_as_slacks_sdks_send_it() -> None:
    assert recurrence_days({"frequency": "daily"}) == EVERY_DAY
    assert recurrence_days({"frequency": "weekly", "weekdays": ["friday", "Monday"]}) == (0, 4)
    for bad in (
        {"frequency": "monthly"},
        {"frequency": "yearly"},
        {"frequency": "weekly"},
        {"frequency": "weekly", "weekdays": []},
        {"frequency": "weekly", "weekdays": ["someday"]},
        {"frequency": "weekly", "weekdays": "monday"},
        ["daily"],
        "daily",
    ):
        with pytest.raises(SlackError) as err:
            recurrence_days(bad)
        assert err.value.code == "cannot_parse", bad


def test_a_recurring_reminder_shows_its_rule() -> None:
    weekly = Reminder("T1", "RmA1", "U1", "U1", "x", NOW, 0, recurrence=Recurrence((0, 4), 60))
    shown = reminder_json(weekly)
    assert shown["recurring"] is True
    assert shown["recurrence"] == {"frequency": "weekly", "weekdays": ["monday", "friday"]}
    daily = Reminder("T1", "RmA1", "U1", "U1", "x", NOW, 0, recurrence=Recurrence(EVERY_DAY, 0))
    assert reminder_json(daily)["recurrence"] == {"frequency": "daily"}
    assert "recurrence" not in reminder_json(Reminder("T1", "RmA1", "U1", "U1", "x", NOW, 0))
