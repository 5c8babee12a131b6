"""People's time zones, by IANA name (`users.tz`): what a day is for them (search's dates) and
what their profile shows (`tz_label`, `tz_offset`). No I/O but the zone database's own files,
which zoneinfo reads once per zone."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo


def zone_named(name: str) -> tzinfo:
    """A zone by its IANA name; UTC for a name this system does not know (an import may bring
    any text there), so nothing that shows or uses it fails for it."""
    try:
        return ZoneInfo(name)
    except (LookupError, ValueError, OSError):  # unknown, malformed, or a directory's name
        return UTC


def zone_at(name: str, at: datetime) -> tuple[str, int]:
    """The zone's label and its offset from UTC in seconds at that instant, as Slack's
    `tz_label` and `tz_offset` (summer time included: Los Angeles is -25200 in July)."""
    local = at.astimezone(zone_named(name))
    offset = local.utcoffset()
    return local.tzname() or name, int(offset.total_seconds()) if offset else 0
