"""files.* methods (docs/files.md). The upload URL and the downloads are api/file_routes.py."""

from __future__ import annotations

from typing import Any

from hubbub.api.call import Call
from hubbub.api.registry import TIER_2, TIER_3, TIER_4, Router
from hubbub.api.upload_body import BodyEndedEarly
from hubbub.domain import cursor
from hubbub.domain.errors import SlackError
from hubbub.domain.files import type_filter
from hubbub.services import file_reading, file_sharing, files

router = Router()


@router.method(
    "files.getUploadURLExternal",
    scopes="files:write",
    tier=TIER_4,
    args={"filename": "string", "length": "integer", "alt_txt": "string", "snippet_type": "string"},
)
async def get_upload_url(call: Call) -> dict[str, Any]:
    """Gets a URL to upload a file's bytes to, once, within 10 minutes."""
    found = await files.upload_url(
        call.hub,
        call.who,
        filename=call.text("filename", missing="invalid_arguments"),
        length=call.integer("length"),
        alt_txt=call.text("alt_txt"),
        snippet_type=call.text("snippet_type"),
    )
    return {"upload_url": found.url, "file_id": found.file_id}


def _share(call: Call) -> file_sharing.Share:
    channels = [c.strip() for c in (call.text("channels") or "").split(",") if c.strip()]
    single = call.text("channel_id") or call.text("channel")
    if single:
        channels = [single, *channels]
    return file_sharing.check_share(
        channels,
        call.text("initial_comment"),
        call.json("blocks", "invalid_blocks"),
        call.text("thread_ts"),
    )


def _items(call: Call) -> list[tuple[str, str | None]]:
    """`files`: a JSON array of {"id", "title"}."""
    given = call.json("files", "invalid_arguments")
    if not isinstance(given, list) or not given:
        raise SlackError("invalid_arguments")
    out = []
    for item in given:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise SlackError("invalid_arguments")
        title = item.get("title")
        if title is not None and not isinstance(title, str):
            raise SlackError("invalid_arguments")
        out.append((item["id"], title))
    return out


@router.method(
    "files.completeUploadExternal",
    scopes="files:write",
    tier=TIER_4,
    args={
        "files": "json",
        "channel_id": "string",
        "channels": "string",
        "initial_comment": "string",
        "thread_ts": "string",
        "blocks": "json",
    },
)
async def complete_upload(call: Call) -> dict[str, Any]:
    """Finishes uploads, sharing the files into a channel or keeping them private."""
    done = await files.complete(call.hub, call.who, _items(call), _share(call))
    return {"files": done}


@router.method(
    "files.upload",
    scopes="files:write",
    tier=TIER_2,
    streams=True,
    args={
        "file": "string",
        "content": "string",
        "filename": "string",
        "filetype": "string",
        "title": "string",
        "initial_comment": "string",
        "channels": "string",
        "thread_ts": "string",
    },
)
async def upload(call: Call) -> dict[str, Any]:
    """Uploads a file (multipart `file`) or creates one from `content` (older bots' way)."""
    stored = None
    body = call.body
    if body is not None:
        if body.has_file:
            try:
                stored = await files.store_bytes(call.hub, call.who, body.file())
            except BodyEndedEarly as exc:
                raise SlackError("invalid_form_data") from exc
        try:
            await body.finish()
        except BaseException:
            if stored is not None:
                await files.drop_blob(call.hub, call.who.team_id, stored.key, besides="")
            raise
        call.args.update({k: v for k, v in body.fields.items() if k not in call.args})
        filename = call.text("filename") or body.filename
    else:
        filename = call.text("filename")
    if stored is None:
        content = call.text("content")
        if not content:
            raise SlackError("no_file_data")
        stored = await files.store_bytes(call.hub, call.who, _once(content.encode()))
    try:
        share = _share(call)
    except BaseException:
        await files.drop_blob(call.hub, call.who.team_id, stored.key, besides="")
        raise
    file = await files.upload_legacy(
        call.hub,
        call.who,
        stored,
        name=filename or "-",
        title=call.text("title"),
        filetype=call.text("filetype"),
        share=share,
    )
    return {"file": file}


async def _once(data: bytes) -> Any:
    yield data


@router.method(
    "files.info",
    scopes="files:read",
    tier=TIER_4,
    args={
        "file": "string",
        "count": "integer",
        "page": "integer",
        "cursor": "string",
        "limit": "integer",
    },
)
async def info(call: Call) -> dict[str, Any]:
    """A file, with its comments (hubbub keeps none)."""
    file = await file_reading.info(call.hub, call.who, call.required("file", "file_not_found"))
    count = cursor.clamp_limit(call.integer("count"), 100)
    page = call.integer("page") or 1
    if page < 1:
        raise SlackError("invalid_arguments")
    return {
        "file": file,
        "comments": [],
        "response_metadata": {"next_cursor": ""},
        "paging": {"count": count, "total": 0, "page": page, "pages": 0},
    }


def _seconds(call: Call, name: str) -> int | None:
    """ts_from, ts_to: seconds, given as an integer or a ts ("1700000000.000100")."""
    value = call.text(name)
    if not value or value == "now":
        return None
    whole, _, frac = value.partition(".")
    if not whole.isascii() or not whole.isdigit() or len(whole) > 12:
        raise SlackError("invalid_arguments")
    if frac and (not frac.isascii() or not frac.isdigit()):
        raise SlackError("invalid_arguments")
    return int(whole)


@router.method(
    "files.list",
    scopes="files:read",
    tier=TIER_3,
    args={
        "channel": "string",
        "user": "string",
        "types": "string",
        "ts_from": "string",
        "ts_to": "string",
        "count": "integer",
        "page": "integer",
        "cursor": "string",
        "limit": "integer",
        "show_files_hidden_by_limit": "boolean",
    },
)
async def list_files(call: Call) -> dict[str, Any]:
    """Files the caller may see, newest first: page paging (count, page) or cursors."""
    types = call.text("types")
    query = file_reading.Query(
        user_id=call.text("user") or None,
        channel_id=call.text("channel") or None,
        filetypes=type_filter([t.strip() for t in types.split(",") if t.strip()])
        if types
        else None,
        ts_from=_seconds(call, "ts_from"),
        ts_to=_seconds(call, "ts_to"),
    )
    token = call.text("cursor")
    if token or call.integer("limit") is not None:
        after = None
        if token:
            created, file_id = cursor.fields("files", token, 2)
            after = (cursor.decimal(created), cursor.identifier(file_id))
        limit = cursor.clamp_limit(call.integer("limit"), 100)
        page = await file_reading.list_files(call.hub, call.who, query, after=after, limit=limit)
        following = ""
        if page.next is not None:
            following = cursor.encode("files", f"{page.next[0]}:{page.next[1]}")
        return {"files": page.files, "response_metadata": {"next_cursor": following}}
    count = cursor.clamp_limit(call.integer("count"), 100)
    number = call.integer("page") or 1
    if not 1 <= number <= 1000:
        raise SlackError("invalid_arguments")
    page = await file_reading.list_files(
        call.hub, call.who, query, skip=(number - 1) * count, limit=count
    )
    pages = -(-page.total // count)
    return {
        "files": page.files,
        "paging": {"count": count, "total": page.total, "page": number, "pages": pages},
        "response_metadata": {"next_cursor": ""},
    }


@router.method("files.delete", scopes="files:write", tier=TIER_3, args={"file": "string"})
async def delete(call: Call) -> dict[str, Any]:
    """Deletes a file: its uploader's, or an admin's."""
    await files.delete(call.hub, call.who, call.required("file", "file_not_found"))
    return {}
