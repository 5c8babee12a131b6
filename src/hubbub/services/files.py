"""Files: upload URLs, the bytes sent to them, completing and sharing, files.upload, deleting
(docs/files.md). Reading and listing are in file_reading.py, who may see what in
file_access.py.

The bytes go to the Blobs port (hub.blobs) before any row says they are there, and a row names
them only once they are whole; a failure on the way deletes what was stored unless another file
names the same blob (blobs are per content).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import structlog

from hubbub.blobs.port import BlobSizeMismatch, BlobTooLarge, StoredBlob
from hubbub.domain.errors import SlackError
from hubbub.domain.files import (
    DELETED,
    MAX_FILES_PER_COMPLETE,
    PENDING,
    READY,
    UPLOADED,
    File,
    check_alt_txt,
    check_length,
    check_name,
    check_snippet_type,
    check_title,
    filetype_of,
    mimetype_of,
)
from hubbub.domain.ids import new_id
from hubbub.domain.model import Identity
from hubbub.services import file_events
from hubbub.services.file_access import check_file_id, find, shown
from hubbub.services.file_sharing import (
    Share,
    add_shares_tx,
    became_ready_tx,
    post_tx,
    share_elsewhere,
    share_home,
)
from hubbub.services.hub import EventLog, Hub
from hubbub.store.tx import Tx
from hubbub.tickets.port import Ticket

log = structlog.get_logger()


@dataclass(frozen=True, slots=True)
class UploadUrl:
    url: str
    file_id: str


class UploadRefused(Exception):
    """What the upload URL answers instead of 200: a status and a short reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def _new_file(
    who: Identity,
    now: int,
    *,
    name: str,
    title: str | None,
    filetype: str | None = None,
    alt_txt: str | None = None,
    snippet_type: str | None = None,
) -> File:
    kind, _ = filetype_of(name, filetype)
    return File(
        team_id=who.team_id,
        id=new_id("F"),
        user_id=who.user_id,
        created=now,
        name=name,
        title=check_title(title, name),
        mimetype=mimetype_of(name, kind),
        filetype=kind,
        size=0,
        state=PENDING,
        alt_txt=check_alt_txt(alt_txt),
        snippet_type=check_snippet_type(snippet_type),
    )


def _check_quota(hub: Hub, tx: Tx, team_id: str, more: int) -> None:
    quota = hub.file_limits.quota_bytes
    if quota is not None and tx.bytes_held(team_id) + more > quota:
        raise SlackError("storage_limit_reached")


# -- files.getUploadURLExternal and the upload URL ---------------------------------------------


async def upload_url(
    hub: Hub,
    who: Identity,
    *,
    filename: str | None,
    length: int | None,
    alt_txt: str | None = None,
    snippet_type: str | None = None,
) -> UploadUrl:
    """A single-use URL for the bytes of one new file, good for upload_url_ttl_s, bound to the
    length announced and to who; the length counts against the quota from now on."""
    limits = hub.file_limits
    size = check_length(length, limits.max_bytes)
    name = check_name(filename)

    def unit(tx: Tx, _log: EventLog) -> File:
        _check_quota(hub, tx, who.team_id, size)
        file = _new_file(
            who, tx.now, name=name, title=None, alt_txt=alt_txt, snippet_type=snippet_type
        )
        tx.insert_file(file, upload=(size, tx.now_us + limits.upload_url_ttl_s * 10**6))
        return file

    file = await hub.commit(who.team_id, unit)
    # The ticket outlives the row's expiry by a little: the row's is the one that counts, and
    # tests move it (the ticket's own is the store's housekeeping).
    key = await hub.tickets.issue(
        Ticket(who, None, upload=file.id), ttl_s=limits.upload_url_ttl_s + 60
    )
    return UploadUrl(hub.urls.upload(key), file.id)


async def receive_upload(hub: Hub, key: str, chunks: AsyncIterator[bytes]) -> int:
    """The bytes sent to an upload URL: stored whole, and exactly the length announced, or not
    at all. The URL is used up by this call whatever happens. Raises UploadRefused."""
    ticket = await hub.tickets.consume(key) if 0 < len(key) <= 64 else None
    if ticket is None or ticket.upload is None:
        raise UploadRefused(404, "upload_url_not_found")
    who, file_id = ticket.who, ticket.upload
    pending, now_us = await hub.read(
        who.team_id, lambda tx: (tx.pending_upload(who.team_id, file_id), tx.now_us)
    )
    if pending is None or pending[0] != who.user_id:
        raise UploadRefused(404, "upload_url_not_found")
    _, length, expires = pending
    if expires <= now_us:
        raise UploadRefused(410, "upload_url_expired")
    try:
        stored = await hub.blobs.put(who.team_id, chunks, max_bytes=length, expected_size=length)
    except (BlobTooLarge, BlobSizeMismatch) as exc:
        raise UploadRefused(400, "length_mismatch") from exc

    def unit(tx: Tx, _log: EventLog) -> None:
        if not tx.drop_upload(who.team_id, file_id):
            raise SlackError("upload_url_not_found")
        tx.set_file(
            who.team_id,
            file_id,
            state=UPLOADED,
            size=stored.size,
            blob_key=stored.key,
            sha256=stored.sha256,
        )

    try:
        await hub.commit(who.team_id, unit)
    except BaseException:
        await drop_blob(hub, who.team_id, stored.key, besides=file_id)
        raise
    return stored.size


async def drop_blob(hub: Hub, team_id: str, key: str, *, besides: str) -> None:
    """Deletes a blob no file but `besides` names (blobs are per content: another file may have
    the same bytes). Best effort: a blob left behind costs space, never access."""
    try:
        used = await hub.read(
            team_id, lambda tx: tx.blob_in_use(team_id, key, besides=besides), snapshot=False
        )
        if not used:
            await hub.blobs.delete(key)
    except Exception:
        log.exception("blob_drop_failed", team=team_id, key=key)


async def store_bytes(hub: Hub, who: Identity, chunks: AsyncIterator[bytes]) -> StoredBlob:
    """files.upload's bytes, stored under who's workspace, up to the size limit; an empty body
    is no file (no_file_data), and leaves nothing."""
    try:
        stored = await hub.blobs.put(who.team_id, chunks, max_bytes=hub.file_limits.max_bytes)
    except BlobTooLarge as exc:
        raise SlackError("file_upload_size_restricted") from exc
    if stored.size == 0:
        await drop_blob(hub, who.team_id, stored.key, besides="")
        raise SlackError("no_file_data")
    return stored


# -- files.completeUploadExternal and files.upload ---------------------------------------------


def _claim_tx(tx: Tx, who: Identity, items: dict[str, str | None]) -> tuple[list[File], list[File]]:
    """The files to complete (all of them, and those not completed before, made ready with
    their titles); file_not_found for one that is not who's, or has no bytes yet."""
    found: list[File] = []
    fresh: list[File] = []
    for file_id, title in items.items():
        file = tx.get_file(who.team_id, file_id)
        if file is None or file.user_id != who.user_id or file.state not in (UPLOADED, READY):
            raise SlackError("file_not_found")
        if file.state == UPLOADED:
            file = replace(file, state=READY, title=check_title(title, file.name))
            fresh.append(file)
        found.append(file)
    return found, fresh


async def complete(
    hub: Hub, who: Identity, items: list[tuple[str, str | None]], share: Share
) -> list[dict[str, Any]]:
    """Makes uploaded files ready and shares them. Into channels of who's own workspace, in one
    unit of work with the messages that share them; into channels another workspace hosts,
    in three steps across the two shards (_share_elsewhere). A file completed before is
    answered as it is and shared again nowhere."""
    if not 0 < len(items) <= MAX_FILES_PER_COMPLETE:
        raise SlackError("invalid_arguments")
    for file_id, _ in items:
        check_file_id(file_id)
    wanted = dict(items)
    team = await share_home(hub, who, share)
    if team != who.team_id:
        found, fresh = await hub.read(who.team_id, lambda tx: _claim_tx(tx, who, wanted))
        await share_elsewhere(hub, who, fresh, share, team)
    else:

        def unit(tx: Tx, log: EventLog) -> list[File]:
            found, fresh = _claim_tx(tx, who, wanted)
            for file in fresh:
                became_ready_tx(tx, log, file)
            add_shares_tx(tx, fresh, post_tx(hub, tx, log, who, fresh, share))
            return found

        found = await hub.commit(team, unit)
    return [await shown(hub, who, f) for f in found]


async def upload_legacy(
    hub: Hub,
    who: Identity,
    stored: StoredBlob,
    *,
    name: str | None,
    title: str | None,
    filetype: str | None,
    share: Share,
) -> dict[str, Any]:
    """files.upload: bytes already stored (stored), made a ready file and shared at once."""
    try:
        checked = check_name(name or "-")
        team = await share_home(hub, who, share)

        def unit(tx: Tx, log: EventLog) -> File:
            _check_quota(hub, tx, who.team_id, stored.size)
            file = _new_file(who, tx.now, name=checked, title=title, filetype=filetype)
            file = replace(file, size=stored.size, blob_key=stored.key, sha256=stored.sha256)
            if team != who.team_id:
                # Its row here, uploaded: the channels are on another shard (_share_elsewhere).
                tx.insert_file(replace(file, state=UPLOADED))
                return file
            file = replace(file, state=READY)
            tx.insert_file(replace(file, state=UPLOADED))
            became_ready_tx(tx, log, file)
            add_shares_tx(tx, [file], post_tx(hub, tx, log, who, [file], share))
            return file

        file = await hub.commit(who.team_id if team != who.team_id else team, unit)
        if team != who.team_id:
            try:
                await share_elsewhere(hub, who, [replace(file, state=READY)], share, team)
            except BaseException:
                await hub.commit(who.team_id, lambda tx, _log: tx.forget_file(who.team_id, file.id))
                raise
        return await shown(hub, who, file)
    except BaseException:
        await drop_blob(hub, who.team_id, stored.key, besides="")
        raise


# -- files.delete ------------------------------------------------------------------------------


async def delete(hub: Hub, who: Identity, file_id: str) -> None:
    """Deletes a file: its uploader, or an admin of its workspace with a person's token. A
    file_deleted goes to each channel it was shared in, with the row's change (channels of
    other workspaces just after: services/file_events.py); its blob and its thumbnails' go
    after the commit, each unless another file names the same bytes."""
    file = (await find(hub, who, file_id)).file
    if file.state == DELETED:
        raise SlackError("file_deleted")
    admin = who.is_admin and who.token_kind != "xoxb" and file.team_id == who.team_id
    if not (file.team_id == who.team_id and file.user_id == who.user_id) and not admin:
        raise SlackError("cant_delete_file")

    def unit(tx: Tx, log: EventLog) -> tuple[list[str], file_events.Later]:
        now = tx.get_file(file.team_id, file.id)
        if now is None or now.state == DELETED:
            raise SlackError("file_deleted")
        tx.set_file(file.team_id, file.id, state=DELETED, thumbs={})
        thumbs = tx.drop_thumbs(file.team_id, file.id)
        return thumbs, file_events.log_tx(tx, log, now, file_events.deleted_event(now))

    thumbs, later = await hub.commit(file.team_id, unit)
    await file_events.elsewhere(hub, later)
    for key in dict.fromkeys([*([file.blob_key] if file.blob_key else []), *thumbs]):
        await drop_blob(hub, file.team_id, key, besides=file.id)
