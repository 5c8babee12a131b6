"""The one error type of the system: a Slack error code plus optional extra fields."""

from __future__ import annotations

from typing import Any


class SlackError(Exception):
    """Raised by services and turned into Slack's `{"ok": false, "error": code}` at one place."""

    def __init__(self, code: str, **extra: Any) -> None:
        super().__init__(code)
        self.code = code
        self.extra = extra


class Unavailable(SlackError):
    """Something the answer depends on (a database) cannot be reached just now: the caller
    should try again. The Web API answers HTTP 503 with Retry-After, which slack_sdk's
    ServerErrorRetryHandler retries."""

    RETRY_AFTER_S = 1

    def __init__(self) -> None:
        super().__init__("service_unavailable")


class RateLimited(SlackError):
    """Over a limit (docs/limits.md): HTTP answers 429 with Retry-After, RTM an error frame.
    Nothing was done."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__("ratelimited")
        self.retry_after_s = retry_after_s
