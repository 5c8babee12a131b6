"""Identifiers in Slack's style: a one-letter kind prefix and uppercase base32 characters."""

from __future__ import annotations

import hashlib
import re
import secrets

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def _random_chars(n: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(n))


def new_id(prefix: str) -> str:
    """T=team, U=user, B=bot, C=channel, D=direct message, G=group DM."""
    return prefix + _random_chars(10)


def new_token(kind: str, team_id: str, user_id: str) -> str:
    """`xoxp`/`xoxb`/`xoxc` token. The team is visible in it so a router can find its shard."""
    return f"{kind}-{team_id}-{user_id}-{secrets.token_hex(16)}"


def new_app_token(team_id: str, app_id: str) -> str:
    """An app-level token as Slack writes them, `xapp-1-<app>-<team>-<secret>`."""
    return f"xapp-1-{app_id}-{team_id}-{secrets.token_hex(32)}"


def token_team(token: str) -> str | None:
    parts = token.split("-")
    if len(parts) == 5 and parts[0] == "xapp" and parts[3].startswith("T"):
        return parts[3]
    if len(parts) != 4 or not parts[1].startswith("T"):
        return None
    return parts[1]


_INVITE_SECRET = re.compile(r"[A-Za-z0-9_\-]{32}\Z")


def new_invite_code(team_id: str) -> str:
    """An invite link's code: `<team_id>.<secret>`, the team visible so a router can find its
    shard, as in tokens; the secret URL-safe, to sit in a path."""
    return f"{team_id}.{secrets.token_urlsafe(24)}"


def invite_team(code: str) -> str | None:
    """The team an invite code names, or None if it is no code of ours."""
    team_id, dot, secret = code.partition(".")
    if not dot or not is_team_id(team_id) or not _INVITE_SECRET.match(secret):
        return None
    return team_id


def token_hash(token: str) -> str:
    """Tokens are random and long, so a fast hash is enough; only hashes are stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like(kind: str, value: str) -> bool:
    """An id hubbub made (new_id): the kind's letter and ten base32 characters."""
    return len(value) == 11 and value.startswith(kind) and all(c in _ALPHABET for c in value[1:])


# Slack's own ids, which imports keep (docs/import.md): a kind letter, uppercase letters and
# digits, 9 to 11 long today.
SLACK_ID_PATTERN = r"[A-Z][A-Z0-9]{2,15}"
_SLACK_ID = re.compile(SLACK_ID_PATTERN + r"\Z")


def is_slack_id(value: str) -> bool:
    """Any id in Slack's shape (hubbub's own are too)."""
    return bool(_SLACK_ID.match(value))


def is_team_id(value: str) -> bool:
    """A workspace's id, hubbub's own or one kept from a Slack export."""
    return value.startswith("T") and is_slack_id(value)
