"""Rules for channel names, workspace domains and email addresses, with Slack's error codes."""

from __future__ import annotations

import re

from hubbub.domain.errors import SlackError

MAX_CHANNEL_NAME = 80
MAX_EMAIL = 254  # RFC 5321's longest path
_ALLOWED = re.compile(r"[a-z0-9_\-]+\Z")
_HAS_WORD = re.compile(r"[a-z0-9]")
_DOMAIN = re.compile(r"[a-z0-9](?:[a-z0-9\-]{0,19}[a-z0-9])?\Z")


def check_channel_name(name: str) -> str:
    if not name:
        raise SlackError("invalid_name_required")
    if len(name) > MAX_CHANNEL_NAME:
        raise SlackError("invalid_name_maxlength")
    if not _ALLOWED.match(name):
        raise SlackError("invalid_name_specials")
    if not _HAS_WORD.search(name):
        raise SlackError("invalid_name_punctuation")
    return name


def check_domain(domain: str) -> str:
    """Workspace domains: 1-21 lowercase letters, digits and inner hyphens."""
    if not _DOMAIN.match(domain):
        raise SlackError("invalid_domain")
    return domain


def email_address(text: str) -> str:
    """An email address as people are found by it: trimmed, lower-cased, one `@` with something
    either side, no white space, at most MAX_EMAIL characters (Slack's `invalid_email`)."""
    email = text.strip().lower()
    local, at, host = email.partition("@")
    if not at or not local or not host or "@" in host or len(email) > MAX_EMAIL:
        raise SlackError("invalid_email")
    if any(c.isspace() for c in email):
        raise SlackError("invalid_email")
    return email


def mpim_name(user_names: list[str], index: int = 1) -> str:
    """Slack names group DMs `mpdm-alice--bob--carol-1`; the index tells apart namesakes."""
    return "mpdm-" + "--".join(sorted(user_names)) + f"-{index}"


def im_key(user_a: str, user_b: str) -> str:
    """The unique name of a DM row: never a valid channel name, so it cannot collide."""
    low, high = sorted((user_a, user_b))
    return f"im:{low}:{high}"


def im_other(key: str, viewer: str) -> str:
    """The other party of a DM named by im_key, as seen by viewer (self for a self-DM)."""
    _, low, high = key.split(":")
    return high if low == viewer else low
