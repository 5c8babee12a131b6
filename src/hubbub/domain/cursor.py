"""Opaque pagination cursors, shaped like Slack's (base64 of `kind:key`)."""

from __future__ import annotations

import base64
import binascii

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


def clamp_limit(limit: int | None, default: int, maximum: int = 1000) -> int:
    if limit is None or limit <= 0:
        return default
    return min(limit, maximum)
