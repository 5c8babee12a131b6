"""Reading a Web API request's arguments: query string, form (urlencoded or multipart) or JSON."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import ClientDisconnect, Request

from hubbub.domain.errors import SlackError

# Bodies Slack reads as a form: its `invalid_post_type` names these (with multipart/form-data)
# as the valid types besides JSON, text/plain among them.
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "text/plain"})


class BodyTooLarge(Exception):
    pass


# urllib (under slack_sdk's WebClient) sends the whole body before it reads the answer: hanging up
# mid-body resets the connection, and the client sees "connection reset" instead of our 413. So a
# body over the cap is still read to its end and dropped, up to this much; past it we hang up.
DRAIN_LIMIT = 32 << 20


async def read_body(request: Request, cap: int) -> bytes:
    """The whole body, read straight from the ASGI channel: Starlette's `body()` goes through
    an async generator per request, a measurable cost on the busiest path."""
    drain = max(cap, DRAIN_LIMIT)
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > drain:
        raise BodyTooLarge
    receive = request.receive
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > drain:
            raise BodyTooLarge
        if size <= cap:
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    if size > cap:
        raise BodyTooLarge
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def _replay(body: bytes) -> AsyncGenerator[bytes, None]:
    yield body
    yield b""


async def read_args(request: Request, cap: int) -> dict[str, Any]:
    """Query arguments, overlaid by the body's. Raises SlackError for an unreadable body."""
    args = await _read_args(request, cap)
    # No text column of PostgreSQL can hold a NUL, and no Slack argument needs one: refused
    # here, for every method, rather than failing deep inside a write.
    if any(isinstance(v, str) and "\x00" in v for v in args.values()):
        raise SlackError("invalid_arguments")
    return args


async def _read_args(request: Request, cap: int) -> dict[str, Any]:
    args: dict[str, Any] = dict(request.query_params) if request.scope["query_string"] else {}
    if request.method != "POST":
        return args
    body = await read_body(request, cap)
    if not body:
        return args
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise SlackError("invalid_json") from exc
        if not isinstance(parsed, dict):
            raise SlackError("invalid_json")
        args.update(parsed)
    elif content_type == "multipart/form-data":
        try:
            form = await MultiPartParser(request.headers, _replay(body)).parse()
        except MultiPartException as exc:
            raise SlackError("invalid_form_data") from exc
        # Uploaded files stay UploadFile objects for the methods that take them.
        args.update(form.multi_items())
    elif content_type in FORM_TYPES:
        try:
            text = body.decode()
        except UnicodeDecodeError as exc:
            raise SlackError("invalid_form_data") from exc
        args.update(parse_qsl(text, keep_blank_values=True))
    elif not content_type:
        raise SlackError("missing_post_type")
    else:
        raise SlackError("invalid_post_type")
    return args


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None
