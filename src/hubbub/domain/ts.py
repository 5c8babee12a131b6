"""Message timestamps: `"%d.%06d"` strings, strictly increasing within a channel."""

from __future__ import annotations

import re

# Decimal seconds with up to six decimals: nothing looser (no sign, spaces, "_" or other digits).
_BOUND = re.compile(r"([0-9]{1,30})(?:\.([0-9]{0,6}))?\Z")
_TS = re.compile(r"[0-9]{1,12}\.[0-9]{6}\Z")


def to_micros(ts: str) -> int:
    seconds, _, micros = ts.partition(".")
    return int(seconds) * 1_000_000 + int(micros)


# Stored ts have ten digits of seconds (until the year 2286), so text order is time order.
SECONDS_DIGITS = 10
MIN_TS = "0" * SECONDS_DIGITS + ".000000"
MAX_TS = "9" * SECONDS_DIGITS + ".999999"


def from_micros(us: int) -> str:
    seconds, micros = divmod(us, 1_000_000)
    return f"{seconds:0{SECONDS_DIGITS}d}.{micros:06d}"


def is_ts(value: str) -> bool:
    return bool(_TS.match(value))


def parse_bound(value: str) -> str | None:
    """An `oldest`/`latest`/`ts` argument ("123", "123.45", "1355517523.000005") in stored form.

    Stored ts compare as text, so the seconds are zero-padded; bounds past the last
    representable second clamp to MAX_TS.
    """
    found = _BOUND.match(value)
    if found is None:
        return None
    seconds, frac = int(found[1]), found[2] or ""
    if seconds >= 10**SECONDS_DIGITS:
        return MAX_TS
    return f"{seconds:0{SECONDS_DIGITS}d}.{int(frac.ljust(6, '0') or '0'):06d}"
