"""The one place apps' HTTP requests go out (Events API, slash commands, url_verification).

INTERIM: a tiny client on httpx until the shared outbound client (hubbub.outbound, a field of
the Hub) lands; then `post` below becomes a call to it. Like it, this refuses private, loopback
and link-local addresses unless Timings.allow_private (Settings.allow_private_outbound) is set,
but checks only the URL's host as resolved once, not after redirects (none are followed).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

import httpx

MAX_RESPONSE = 1 << 20


class OutboundError(Exception):
    """The request did not get an answer: `reason` as Slack's X-Slack-Retry-Reason names it."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


Answer = tuple[int, dict[str, str], bytes]


async def _check_host(url: str, allow_private: bool) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutboundError("connection_failed", "not an http(s) URL")
    if allow_private:
        return
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            parts.hostname, parts.port or 443, type=socket.SOCK_STREAM
        )
    except OSError as exc:
        raise OutboundError("connection_failed", str(exc)) from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise OutboundError("connection_failed", "private address refused")


async def post(
    url: str, body: bytes, headers: dict[str, str], *, timeout_s: float, allow_private: bool
) -> Answer:
    """POSTs body; (status, headers, body) of the answer, or OutboundError."""
    await _check_host(url, allow_private)
    try:
        async with (
            httpx.AsyncClient(timeout=timeout_s, follow_redirects=False) as client,
            asyncio.timeout(timeout_s),
        ):
            response = await client.post(url, content=body, headers=headers)
            data = response.content[:MAX_RESPONSE]
    except (TimeoutError, httpx.TimeoutException) as exc:
        raise OutboundError("http_timeout") from exc
    except httpx.HTTPError as exc:
        raise OutboundError("connection_failed", str(exc)) from exc
    return response.status_code, {k.lower(): v for k, v in response.headers.items()}, data
