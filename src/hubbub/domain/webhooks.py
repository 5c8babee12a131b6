"""Incoming webhooks: a URL per channel that posts what is sent to it, as Slack's do.

`/services/<team_id>/<webhook_id>/<secret>`: the team in the path lets a router find the
workspace's shard, as in tokens; the secret is random and stored only as its hash.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from hubbub.domain.ids import is_team_id, looks_like
from hubbub.domain.urls import WEBHOOK_PATH

_SECRET = re.compile(r"[A-Za-z0-9]{24}\Z")
_SECRET_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


@dataclass(frozen=True, slots=True)
class Webhook:
    team_id: str
    id: str  # B…, as the second part of Slack's webhook URLs
    channel_id: str
    user_id: str  # the bot it posts as
    created: int


def new_secret() -> str:
    """24 letters and digits, as Slack's webhook secrets look: 142 bits."""
    return "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(24))


def parse_path(path: str) -> tuple[str, str, str] | None:
    """(team_id, webhook_id, secret) of a webhook path, or None if it is no webhook's."""
    if not path.startswith(WEBHOOK_PATH):
        return None
    parts = path[len(WEBHOOK_PATH) :].split("/")
    if len(parts) != 3:
        return None
    team_id, webhook_id, secret = parts
    if not is_team_id(team_id) or not looks_like("B", webhook_id):
        return None
    return team_id, webhook_id, secret


def secret_shape_ok(secret: str) -> bool:
    return bool(_SECRET.match(secret))
