"""Slack's response envelope, written in one place, and sent straight on the ASGI channel."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.types import Send

from hubbub.domain.errors import SlackError

_CONTENT_TYPE = (b"content-type", b"application/json; charset=utf-8")
GZIP_FROM = 1400  # bytes: about what one TCP packet carries


@dataclass(frozen=True, slots=True)
class Answer:
    """One Web API answer: the JSON body, its HTTP status and any extra headers."""

    body: dict[str, Any]
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()

    async def send(self, send: Send, request_headers: list[tuple[bytes, bytes]]) -> None:
        # Two ASGI messages with prebuilt headers: a framework Response object per call was a
        # measurable share of a post's time (docs/benchmarks.md).
        payload = orjson.dumps(self.body)
        headers = [_CONTENT_TYPE]
        # Listings compress well (a sidebar of 1,000 channels: 550 KB of JSON, 18 KB gzipped),
        # as Slack's own answers are compressed. Done here rather than by a middleware, which
        # cost every post ~2% of its rate (bench post); an answer that fits a packet is sent
        # as it is, and only then are the request's headers looked at.
        if len(payload) >= GZIP_FROM and _accepts_gzip(request_headers):
            payload = gzip.compress(payload, compresslevel=5)
            headers += [(b"content-encoding", b"gzip"), (b"vary", b"accept-encoding")]
        headers.append((b"content-length", str(len(payload)).encode()))
        headers += [(k.lower().encode(), v.encode()) for k, v in self.headers]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})


def _accepts_gzip(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(k == b"accept-encoding" and b"gzip" in v.lower() for k, v in headers)


def ok(data: dict[str, Any]) -> Answer:
    return Answer({"ok": True, **data})


def error(exc: SlackError, status: int = 200, **headers: str) -> Answer:
    return Answer({"ok": False, "error": exc.code, **exc.extra}, status, tuple(headers.items()))


def next_cursor(cursor: str | None) -> dict[str, Any]:
    return {"response_metadata": {"next_cursor": cursor or ""}}
