"""Block Kit's text objects as the tests write them: plain text as Slack's Block Kit Builder
makes it (with `"emoji": true`), and mrkdwn."""

from __future__ import annotations

from typing import Any


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def md(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}
