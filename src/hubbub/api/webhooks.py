"""Incoming webhooks' front door: `POST /services/T…/B…/<secret>`, answered as Slack answers
them: `ok` in plain text, or an error code in plain text with an HTTP status (400 for what the
body says, 403 for a wrong secret, 404 for a webhook or channel that does not exist, 410 for
an archived channel); over a limit (docs/limits.md, Abuse), 429 `ratelimited` with Retry-After.

The body is Slack's JSON payload, sent as JSON or as a form field `payload=<json>`, up to the
same size a Web API call may have.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import orjson
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from hubbub.domain.errors import RateLimited, SlackError, Unavailable
from hubbub.domain.urls import WEBHOOK_PATH
from hubbub.domain.webhooks import parse_path
from hubbub.services import abuse, webhooks
from hubbub.services.hub import Hub
from hubbub.web.session import client_address

_STATUS = {
    "invalid_token": 403,
    "action_prohibited": 403,
    "no_service": 404,
    "no_team": 404,
    "channel_not_found": 404,
    "channel_is_archived": 410,
    "request_too_large": 413,
    "ratelimited": 429,
    "service_unavailable": 503,
}


def webhook_routes(hub: Hub, max_body: int) -> list[BaseRoute]:
    async def endpoint(request: Request) -> Response:
        return await receive(hub, request, max_body)

    return [Route(WEBHOOK_PATH + "{rest:path}", endpoint, methods=["POST"])]


async def receive(hub: Hub, request: Request, max_body: int) -> Response:
    where = parse_path(request.url.path)
    if where is None:
        return _answer("no_service")
    try:
        await abuse.webhook(hub, client_address(request), *where)
    except RateLimited as exc:
        return _answer(exc.code, {"Retry-After": str(exc.retry_after_s)})
    body = await _body(request, max_body)
    if body is None:
        # Read no further, and close: the rest of the body would be taken for the next request.
        return _answer("request_too_large", {"Connection": "close"})
    try:
        await webhooks.post(hub, *where, _payload(body, request.headers.get("content-type", "")))
    except Unavailable:
        return _answer("service_unavailable", {"Retry-After": str(Unavailable.RETRY_AFTER_S)})
    except SlackError as exc:
        return _answer(exc.code)
    return PlainTextResponse("ok")


def _answer(code: str, headers: dict[str, str] | None = None) -> Response:
    return PlainTextResponse(code, status_code=_STATUS.get(code, 400), headers=headers)


async def _body(request: Request, limit: int) -> bytes | None:
    """The body, or None past limit bytes (read no further)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def _payload(body: bytes, content_type: str) -> Any:
    """What the body says: a JSON object, or one in a form's `payload` field; None if neither."""
    if content_type.partition(";")[0].strip().lower() == "application/x-www-form-urlencoded":
        try:
            fields = parse_qs(body.decode(), strict_parsing=True)
        except (UnicodeDecodeError, ValueError):
            return None
        values = fields.get("payload", [])
        if len(values) != 1:
            return None
        body = values[0].encode()
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return payload if isinstance(payload, dict) else None
