"""When a reminder falls, from the `time` argument Slack takes (domain/reminders.py)."""

from __future__ import annotations

from typing import Any

import pytest

from hubbub.domain.errors import SlackError
from hubbub.domain.reminders import Reminder, due, message_text

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
