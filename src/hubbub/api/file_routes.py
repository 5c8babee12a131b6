"""The file routes outside /api: the upload URL (`POST /upload/v1/<ticket>`, no token: the URL
is the secret) and the downloads (`GET /files-pri/<team>-<file>/<name>` and
`.../download/<name>`, and the thumbnails at `/files-tmb/<team>-<file>/<edge>/<name>`, with a
bearer token or the browser's session), docs/files.md; and custom emoji's images (`/emoji/…`,
public), docs/integrations.md."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass

import structlog
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from hubbub.api.parse import BodyTooLarge, bearer_token
from hubbub.api.upload_body import BodyEndedEarly, UploadBody, is_multipart
from hubbub.blobs.port import BlobNotFound, content_disposition
from hubbub.domain.byte_ranges import ByteRange, Unsatisfiable, parse_range
from hubbub.domain.emoji import EXTENSIONS, emoji_name
from hubbub.domain.errors import SlackError, Unavailable
from hubbub.domain.files import is_inline_image, served_type
from hubbub.domain.ids import is_team_id
from hubbub.domain.model import Identity
from hubbub.domain.urls import EMOJI_PATH, FILES_PRI_PATH, FILES_TMB_PATH, UPLOAD_PATH
from hubbub.services import emoji, file_reading, files
from hubbub.services.auth import authenticate
from hubbub.services.hub import Hub
from hubbub.web.session import session_token

log = structlog.get_logger()

# What every file answer carries: nothing in it runs as a page of ours, whatever it holds.
SAFE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox; default-src 'none'; img-src 'self'; media-src 'self'",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Referrer-Policy": "no-referrer",
}
# A redirect to the store's own URL (S3) is good this long; the page that follows it is not kept.
DOWNLOAD_URL_TTL_S = 300


def file_routes(hub: Hub) -> list[BaseRoute]:
    async def upload(request: Request) -> Response:
        return await _upload(hub, request)

    async def private(request: Request) -> Response:
        return await _download(hub, request, attachment=False)

    async def download(request: Request) -> Response:
        return await _download(hub, request, attachment=True)

    async def thumbnail(request: Request) -> Response:
        return await _thumbnail(hub, request)

    async def emoji_image(request: Request) -> Response:
        return await _emoji(hub, request)

    return [
        Route(UPLOAD_PATH + "{ticket}", upload, methods=["POST"]),
        Route(FILES_TMB_PATH + "{ref}/{edge}/{name}", thumbnail, methods=["GET", "HEAD"]),
        Route(FILES_PRI_PATH + "{ref}/download/{name}", download, methods=["GET", "HEAD"]),
        Route(FILES_PRI_PATH + "{ref}/{name}", private, methods=["GET", "HEAD"]),
        Route(EMOJI_PATH + "{team}/{name}/{file}", emoji_image, methods=["GET", "HEAD"]),
    ]


def _text(status: int, body: str) -> Response:
    # The rest of a refused body may still be on its way: close rather than read it as the
    # next request.
    headers = {"Connection": "close"} if status >= 400 else None
    return PlainTextResponse(body, status_code=status, headers=headers)


async def _upload(hub: Hub, request: Request) -> Response:
    """Slack's upload URL answers 200 `OK - <bytes>`; what we refuse: 404 for a URL unknown,
    used or bound to another, 410 expired, 400 a body of another length, 413 over the limit."""
    key = request.path_params["ticket"]
    try:
        body = UploadBody(request, hub.file_limits.max_bytes, any_file_part=True)
        await body.start()
        if not body.has_file:
            return _text(400, "no_file_data")
        size = await files.receive_upload(hub, key, body.file())
        if is_multipart(request):
            await body.finish()
    except files.UploadRefused as exc:
        return _text(exc.status, exc.reason)
    except BodyTooLarge:
        return _text(413, "request_too_large")
    except BodyEndedEarly:
        return _text(400, "length_mismatch")
    except Unavailable:
        return _text(503, "service_unavailable")
    except SlackError as exc:
        return _text(400, exc.code)
    return PlainTextResponse(f"OK - {size}")


async def _viewer(hub: Hub, request: Request) -> Identity | None:
    """A bearer token (bots, as Slack asks), or the browser's session cookie: a GET changes
    nothing, so it needs no CSRF token."""
    token = bearer_token(request) or session_token(request)
    if not token:
        return None
    try:
        return await authenticate(hub, token)
    except SlackError:
        return None


def _not_found() -> Response:
    return PlainTextResponse("file_not_found", status_code=404, headers=SAFE_HEADERS)


async def _download(hub: Hub, request: Request, *, attachment: bool) -> Response:
    who = await _viewer(hub, request)
    team_id, dash, file_id = request.path_params["ref"].partition("-")
    if who is None or not dash:
        return _not_found()
    try:
        file = await file_reading.for_download(hub, who, team_id, file_id)
    except SlackError:
        return _not_found()
    assert file.blob_key is not None
    inline = not attachment and is_inline_image(file.mimetype)
    blob = _Blob(file.blob_key, file.size, file.sha256, served_type(file.mimetype), file.name)
    return await _serve(hub, request, blob, inline=inline, team_id=file.team_id, file_id=file.id)


async def _thumbnail(hub: Hub, request: Request) -> Response:
    """`/files-tmb/<team>-<file>/<edge>/<name>`: to whoever may read the file, 404 to anyone
    else, as the file's own URLs; always inline (a PNG or JPEG we made)."""
    who = await _viewer(hub, request)
    team_id, dash, file_id = request.path_params["ref"].partition("-")
    if who is None or not dash:
        return _not_found()
    edge = request.path_params["edge"]
    try:
        thumb = await file_reading.thumbnail(hub, who, team_id, file_id, edge)
    except SlackError:
        return _not_found()
    name = request.path_params["name"]
    blob = _Blob(
        thumb.blob_key, thumb.size, thumb.blob_key.rsplit("/", 1)[-1], thumb.mimetype, name
    )
    return await _serve(hub, request, blob, inline=True, team_id=team_id, file_id=file_id)


async def _emoji(hub: Hub, request: Request) -> Response:
    """`/emoji/<team>/<name>/<sha256's first 16>.<ext>`: a custom emoji's image, to anyone (as
    Slack's), for a year: the URL changes with the image."""
    team_id = request.path_params["team"]
    digest, _, extension = request.path_params["file"].partition(".")
    try:
        name = emoji_name(request.path_params["name"])
        found = await emoji.image(hub, team_id, name, digest) if is_team_id(team_id) else None
        size = await hub.blobs.size(found.blob_key) if found and found.blob_key else 0
    except (SlackError, BlobNotFound):
        return _not_found()
    if found is None or found.blob_key is None or found.mimetype is None:
        return _not_found()
    if EXTENSIONS[found.mimetype] != extension:
        return _not_found()
    blob = _Blob(found.blob_key, size, found.sha256, found.mimetype, f"{name}.{extension}")
    return await _serve(
        hub,
        request,
        blob,
        inline=True,
        team_id=team_id,
        file_id=f":{name}:",
        cache="public, max-age=31536000, immutable",
    )


@dataclass(frozen=True, slots=True)
class _Blob:
    """What a download serves: a blob, its length and sha256, its type and its name."""

    key: str
    size: int
    sha256: str | None
    content_type: str
    name: str


async def _serve(
    hub: Hub,
    request: Request,
    blob: _Blob,
    *,
    inline: bool,
    team_id: str,
    file_id: str,
    cache: str = "private, max-age=3600",
) -> Response:
    """The blob's bytes with the safe headers: a redirect to the store's own URL (S3), else
    streamed from `open`, with ETag, If-None-Match and one byte range. What is shown inline (an
    image, a thumbnail) is served from here, never redirected to the store: the browser
    client's Content-Security-Policy lets it load images from its own address only."""
    direct = None
    if not inline:
        direct = await hub.blobs.download_url(
            blob.key,
            filename=blob.name,
            content_type=blob.content_type,
            inline=False,
            expires_s=DOWNLOAD_URL_TTL_S,
        )
    if direct is not None:
        return RedirectResponse(direct, 302, headers={"Cache-Control": "no-store", **SAFE_HEADERS})
    size = blob.size
    headers = {
        **SAFE_HEADERS,
        "Content-Type": blob.content_type,
        "Content-Disposition": content_disposition(blob.name, inline=inline),
        "Accept-Ranges": "bytes",
        "Cache-Control": cache,
    }
    if blob.sha256:
        headers["ETag"] = f'"{blob.sha256}"'
        if request.headers.get("if-none-match") == headers["ETag"]:
            return Response(status_code=304, headers=headers)
    try:
        wanted = parse_range(request.headers.get("range"), size)
    except Unsatisfiable:
        headers["Content-Range"] = f"bytes */{size}"
        return Response(status_code=416, headers=headers)
    span = wanted or ByteRange(0, size)
    headers["Content-Length"] = str(span.end - span.start)
    status = 200
    if wanted is not None:
        status = 206
        headers["Content-Range"] = wanted.content_range(size)
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers)
    stack = AsyncExitStack()
    try:
        chunks = await stack.enter_async_context(hub.blobs.open(blob.key, span.start, span.end))
    except BlobNotFound:
        log.warning("file_blob_missing", team=team_id, file=file_id, key=blob.key)
        await stack.aclose()
        return _not_found()
    return StreamingResponse(_closing(stack, chunks), status_code=status, headers=headers)


async def _closing(stack: AsyncExitStack, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    try:
        async for chunk in chunks:
            yield chunk
    finally:
        await stack.aclose()
