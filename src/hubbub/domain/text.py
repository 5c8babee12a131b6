"""Validation of message content, with Slack's limits and error codes."""

from __future__ import annotations

import re
from typing import Any

from hubbub.domain.blocks import check_blocks
from hubbub.domain.errors import SlackError

MAX_TEXT = 40_000
MAX_ATTACHMENTS = 100
MAX_TOPIC = 250
MAX_PURPOSE = 250


def check_content(
    text: str | None, blocks: Any, attachments: Any
) -> tuple[str, list[Any] | None, list[Any] | None]:
    """Returns normalised (text, blocks, attachments) or raises the error Slack would."""
    if blocks is not None:
        blocks = check_blocks(blocks) or None
    if attachments is not None:
        if not isinstance(attachments, list) or not all(isinstance(a, dict) for a in attachments):
            raise SlackError("invalid_attachments")
        if len(attachments) > MAX_ATTACHMENTS:
            raise SlackError("too_many_attachments")
        if not attachments:
            attachments = None
    text = text or ""
    if not text.strip() and blocks is None and attachments is None:
        raise SlackError("no_text")
    if len(text) > MAX_TEXT:
        raise SlackError("msg_too_long")
    return text, blocks, attachments


# Emoji names as Slack spells them (`+1`, `white_check_mark`, `thumbsup::skin-tone-2`).
_EMOJI_NAME = re.compile(r"[a-z0-9_+\-'.]{1,90}(::skin-tone-[2-6])?\Z")
MAX_EMOJI_PER_MESSAGE = 50  # distinct names on one message
MAX_REACTIONS_PER_USER = 23  # names one person may add to one message


def check_reaction_name(name: str) -> str:
    """The emoji name without its surrounding colons, or invalid_name."""
    name = name.strip()
    if name.startswith(":") and name.endswith(":") and len(name) > 2:
        name = name[1:-1]
    if not _EMOJI_NAME.match(name):
        raise SlackError("invalid_name")
    return name


def check_topic(value: str, limit: int = MAX_TOPIC) -> str:
    if len(value) > limit:
        raise SlackError("too_long")
    return value
