"""The Outbound port: every HTTP request hubbub makes to someone else's server goes through it
(link previews; the Events API, slash commands and response_url).

Services call `request`; the adapter (outbound/guarded.py) decides where a connection may go.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    # Header names in lower case; a repeated header's values joined with ", ".
    headers: Mapping[str, str]
    body: bytes
    url: str  # where the answer came from, after any redirects
    truncated: bool = False  # the body went past max_bytes: this is its first max_bytes
    redirects: tuple[str, ...] = field(default=())

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


class OutboundError(Exception):
    """A request that got no answer. `retryable`: trying again later may help (a timeout, a
    connection refused); not so for a refused address or scheme."""

    retryable = True

    def __init__(self, reason: str, *, retryable: bool | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        if retryable is not None:
            self.retryable = retryable


class Refused(OutboundError):
    """The request may not be made: the scheme, the address (private, loopback, ...) or the
    number of redirects. Nothing was sent."""

    retryable = False


class TimedOut(OutboundError):
    """No full answer within the time allowed."""


class Outbound(Protocol):
    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        content: bytes | None = None,
        timeout_s: float | None = None,
        max_bytes: int | None = None,
        max_redirects: int | None = None,
    ) -> Response:
        """Sends one request and reads its answer, following redirects itself (at most
        max_redirects, each checked as the first). Raises OutboundError when there is no answer;
        any HTTP status is an answer. timeout_s bounds the whole exchange, redirects included."""
        ...

    async def close(self) -> None: ...


class NoOutbound:
    """For a Hub built without an outbound client: every request is refused."""

    async def request(self, method: str, url: str, **_: Any) -> Response:
        raise Refused("outbound_disabled")

    async def close(self) -> None:
        return None
