"""Slack's response envelope, written in one place."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

from hubbub.domain.errors import SlackError


def json_response(body: dict[str, Any], status: int = 200, **headers: str) -> Response:
    return Response(
        orjson.dumps(body),
        status_code=status,
        media_type="application/json; charset=utf-8",
        headers=headers or None,
    )


def ok(data: dict[str, Any]) -> Response:
    return json_response({"ok": True, **data})


def error(exc: SlackError, status: int = 200, **headers: str) -> Response:
    return json_response({"ok": False, "error": exc.code, **exc.extra}, status, **headers)


def next_cursor(cursor: str | None) -> dict[str, Any]:
    return {"response_metadata": {"next_cursor": cursor or ""}}
