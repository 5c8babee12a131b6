"""Requests to an app that a person waits on: a slash command, a press on a block. Sent over
Socket Mode (an envelope the app acks, perhaps with a payload) or over HTTP (a signed, form-encoded
POST), and answered within Slack's 3 s; what the app answered comes back to the caller.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import orjson

from hubbub.domain.apps import App
from hubbub.domain.errors import SlackError
from hubbub.services.app_http import http_send
from hubbub.services.app_sockets import socket_send
from hubbub.services.hub import Hub

FORM = "application/x-www-form-urlencoded"


async def dispatch(
    hub: Hub,
    app: App,
    url: str | None,
    kind: str,
    payload: dict[str, Any],
    form: dict[str, str],
    *,
    accepts_response_payload: bool,
) -> dict[str, Any]:
    """Sends payload as a `kind` envelope when url is None, else form to url; the app's answer
    (an ack's payload, or a JSON or text body), {} for none. operation_timeout when the app
    did not answer in time, dispatch_failed when it answered with a failure."""
    timeout = hub.app_timings.http_timeout_s
    if url is None:
        acked = await socket_send(
            hub,
            app.id,
            kind,
            payload,
            accepts_response_payload=accepts_response_payload,
            timeout_s=timeout,
        )
        if acked is None:
            raise SlackError("operation_timeout")
        answer = acked.get("payload")
        return answer if isinstance(answer, dict) else {}
    sent = await http_send(hub, app, url, urlencode(form).encode(), FORM)
    if not sent.ok:
        raise SlackError(
            "operation_timeout" if sent.reason == "http_timeout" else "dispatch_failed"
        )
    if not sent.body.strip():
        return {}
    if "json" in sent.content_type:
        try:
            answer = orjson.loads(sent.body)
        except orjson.JSONDecodeError as exc:
            raise SlackError("dispatch_failed") from exc
        return answer if isinstance(answer, dict) else {}
    return {"text": sent.body.decode(errors="replace")}
