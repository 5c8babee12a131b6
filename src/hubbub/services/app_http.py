"""The one place apps' HTTP requests go out (Events API, slash commands, url_verification):
signed with the app's signing secret, through the Hub's outbound client (outbound/port.py),
which refuses private, loopback and link-local addresses unless Settings.allow_private_outbound
is set. No redirects are followed, as Slack follows none to a request URL."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

import orjson

from hubbub.domain import apps as rules
from hubbub.domain.apps import App
from hubbub.domain.errors import SlackError
from hubbub.outbound.port import OutboundError as _Failed
from hubbub.outbound.port import Refused, TimedOut
from hubbub.services.hub import Hub

MAX_RESPONSE = 1 << 20
# Who Slack's requests to apps say they are from.
USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"


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


def signed_headers(
    app: App, body: bytes, content_type: str, *, retry: int = 0, reason: str | None = None
) -> dict[str, str]:
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": content_type,
        "User-Agent": USER_AGENT,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": rules.signature(app.signing_secret, stamp, body),
    }
    if retry:
        headers["X-Slack-Retry-Num"] = str(retry)
        headers["X-Slack-Retry-Reason"] = reason or "http_error"
    return headers


@dataclass(frozen=True, slots=True)
class Sent:
    ok: bool
    reason: str  # X-Slack-Retry-Reason of the next try when not ok
    status: int = 0
    body: bytes = b""
    content_type: str = ""
    no_retry: bool = False


async def http_send(
    hub: Hub,
    app: App,
    url: str,
    body: bytes,
    content_type: str,
    *,
    retry: int = 0,
    reason: str | None = None,
) -> Sent:
    """POSTs a signed request to the app; ok for a 2xx within the timeout."""
    headers = signed_headers(app, body, content_type, retry=retry, reason=reason)
    timings = hub.app_timings
    try:
        status, answer_headers, answer = await post(
            hub, url, body, headers, timeout_s=timings.http_timeout_s
        )
    except OutboundError as exc:
        return Sent(False, exc.reason)
    no_retry = answer_headers.get("x-slack-no-retry") == "1"
    kind = answer_headers.get("content-type", "")
    return Sent(200 <= status < 300, "http_error", status, answer, kind, no_retry)


async def verify_url(hub: Hub, app: App, url: str) -> None:
    """Slack's url_verification: the app must echo the challenge."""
    challenge = secrets.token_urlsafe(24)
    body = orjson.dumps(
        {"token": app.verification_token, "challenge": challenge, "type": "url_verification"}
    )
    sent = await http_send(hub, app, url, body, "application/json")
    echoed: Any = sent.body.decode(errors="replace").strip()
    if sent.ok and echoed != challenge:
        try:
            answer = orjson.loads(sent.body)
            echoed = answer.get("challenge") if isinstance(answer, dict) else None
        except orjson.JSONDecodeError:
            echoed = None
    if not sent.ok or echoed != challenge:
        raise SlackError("url_verification_failed", status=sent.status, reason=sent.reason)
