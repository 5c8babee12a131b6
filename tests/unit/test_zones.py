"""People's zones as their profile shows them (domain/zones.py, `users.info` tz_label and
tz_offset): the offset at the instant asked about, summer time included."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from hubbub.domain.shapes import external_user_json, user_json
from hubbub.domain.zones import zone_at
from tests.unit.test_responses import USER

WINTER = datetime(2026, 1, 15, 12, tzinfo=UTC)
SUMMER = datetime(2026, 7, 15, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "at", "label", "offset"),
    [
        ("America/Los_Angeles", WINTER, "PST", -28_800),
        ("America/Los_Angeles", SUMMER, "PDT", -25_200),
        ("Asia/Tokyo", SUMMER, "JST", 32_400),
        ("Asia/Kolkata", WINTER, "IST", 19_800),
        ("Europe/Berlin", SUMMER, "CEST", 7_200),
        ("UTC", SUMMER, "UTC", 0),
        # What an import may bring: never an error, the offset of UTC.
        ("Mars/Olympus_Mons", WINTER, "UTC", 0),
        ("../../etc/passwd", WINTER, "UTC", 0),
        ("", WINTER, "UTC", 0),
    ],
)
def test_a_zone_gives_its_label_and_offset_at_the_instant(
    zone: str, at: datetime, label: str, offset: int
) -> None:
    assert zone_at(zone, at) == (label, offset)


def test_a_person_shows_their_zone_at_the_instant_to_their_workspace_and_others() -> None:
    person = replace(USER, tz="America/Los_Angeles")
    for shown in (user_json(person, SUMMER), external_user_json(person, SUMMER)):
        assert (shown["tz"], shown["tz_label"], shown["tz_offset"]) == (
            "America/Los_Angeles",
            "PDT",
            -25_200,
        )
    assert user_json(person, WINTER)["tz_offset"] == -28_800
