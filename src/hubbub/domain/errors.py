"""The one error type of the system: a Slack error code plus optional extra fields."""

from __future__ import annotations

from typing import Any


class SlackError(Exception):
    """Raised by services and turned into Slack's `{"ok": false, "error": code}` at one place."""

    def __init__(self, code: str, **extra: Any) -> None:
        super().__init__(code)
        self.code = code
        self.extra = extra
