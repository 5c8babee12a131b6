"""Opaque pagination cursors, shaped like Slack's (base64 of `kind:key`)."""

from __future__ import annotations

import base64
import binascii
import re

from hubbub.domain.errors import SlackError


def encode(kind: str, key: str) -> str:
    return base64.b64encode(f"{kind}:{key}".encode()).decode()


def decode(kind: str, cursor: str) -> str:
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise SlackError("invalid_cursor") from exc
    prefix, sep, key = text.partition(":")
    if not sep or prefix != kind or not key:
        raise SlackError("invalid_cursor")
    return key


# A count inside a cursor or resume token (a creation time in µs, a seq): ASCII digits only, as
# str.isdigit() also takes "²", which int() refuses, and at most 18 of them, below 2**63 and so
# inside every store's integers.
_DECIMAL = re.compile(r"[0-9]{1,18}")
# A stream, channel, invite or other id inside a cursor.
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def decimal(text: str) -> int:
    """The count a cursor carries; invalid_cursor unless it is 1-18 ASCII digits."""
    if not _DECIMAL.fullmatch(text):
        raise SlackError("invalid_cursor")
    return int(text)


def identifier(text: str) -> str:
    """An id a cursor carries; invalid_cursor unless it is 1-64 ASCII letters, digits, - or _."""
    if not _ID.fullmatch(text):
        raise SlackError("invalid_cursor")
    return text


def fields(kind: str, cursor: str, count: int) -> list[str]:
    """A cursor whose key is `count` fields joined by ":" (the last may hold ":" itself), each
    non-empty; invalid_cursor otherwise."""
    parts = decode(kind, cursor).split(":", count - 1)
    if len(parts) != count or not all(parts):
        raise SlackError("invalid_cursor")
    return parts


def clamp_limit(limit: int | None, default: int, maximum: int = 1000) -> int:
    """A page size as Slack takes it: none or 0 is the method's default, more than the maximum
    is the maximum, and a negative one is refused (invalid_limit)."""
    if limit is not None and limit < 0:
        raise SlackError("invalid_limit")
    if not limit:
        return default
    return min(limit, maximum)
