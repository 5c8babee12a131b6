"""The one place apps' HTTP requests go out (Events API, slash commands, url_verification):
through the Hub's outbound client (outbound/port.py), which refuses private, loopback and
link-local addresses unless Settings.allow_private_outbound is set. No redirects are followed,
as Slack follows none to a request URL."""

from __future__ import annotations

from hubbub.outbound.port import OutboundError as _Failed
from hubbub.outbound.port import Refused, TimedOut
from hubbub.services.hub import Hub

MAX_RESPONSE = 1 << 20


class OutboundError(Exception):
    """The request did not get an answer: `reason` as Slack's X-Slack-Retry-Reason names it."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


Answer = tuple[int, dict[str, str], bytes]


async def post(
    hub: Hub, url: str, body: bytes, headers: dict[str, str], *, timeout_s: float
) -> Answer:
    """POSTs body; (status, headers with lower-case names, body) of the answer, or
    OutboundError (http_timeout, connection_failed)."""
    try:
        answer = await hub.outbound.request(
            "POST",
            url,
            headers=headers,
            content=body,
            timeout_s=timeout_s,
            max_bytes=MAX_RESPONSE,
            max_redirects=0,
        )
    except TimedOut as exc:
        raise OutboundError("http_timeout") from exc
    except Refused as exc:
        raise OutboundError("connection_failed", exc.reason) from exc
    except _Failed as exc:
        raise OutboundError("connection_failed", exc.reason) from exc
    return answer.status, dict(answer.headers), answer.body
