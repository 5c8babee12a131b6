"""An app's ephemeral message as hubbub keeps it: never shown again from the store (history has
none, as in Slack), only what a press on it, its response_url and the image proxy check against
(services/ephemerals.py). No I/O here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# How long one is kept: a press on it, or its images, work this long after it was shown. Slack
# keeps them as long as the person's client shows them (until a reload); a day covers a tab
# left open overnight.
TTL_S = 24 * 3600


@dataclass(frozen=True, slots=True)
class Ephemeral:
    team_id: str  # the app's workspace
    user_id: str  # the one person who sees it
    ts: str
    channel_id: str
    bot_id: str
    text: str
    blocks: Any  # as stored messages hold them: a list, or None
    attachments: Any

    def body(self) -> dict[str, Any]:
        """What is stored of it (the row's JSON)."""
        return {"text": self.text, "blocks": self.blocks, "attachments": self.attachments}
