"""The files of a Slack export's import (docs/import.md, Files): each file a message shares
becomes a file of the workspace, shared in that message's conversation at its ts, with its
bytes where the export carries them.

The bytes go to the files store (hub.blobs) before the batch's commit writes the rows that name
them, as an upload's do (services/files.py): a kill between the two leaves a blob nobody names
(the next run puts the same bytes again, which keeps them once, and names them; or the files
sweep takes it), never a row naming bytes that are not there. A run finds the rows a run before
wrote, and stores nothing twice; a row whose bytes are missing (stored without them, or lost
since) gets them from an export that has them.

A file without bytes in the export is kept as metadata only: a ready file with no blob, which
domain/shapes.py file_json shows as Slack shows a file it holds but will not hand out (mode
hidden_by_limit, no download URLs); history, files.info, files.list and search.files show it.
"""

from __future__ import annotations

import contextlib
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from hubbub.blobs.port import BlobNotFound, BlobSizeMismatch, BlobTooLarge, StoredBlob
from hubbub.domain.files import READY, UPLOADED, File, FileShare
from hubbub.domain.slack_export import ExportMessage
from hubbub.domain.slack_files import ExportFile
from hubbub.services import thumbnails
from hubbub.services.file_sharing import add_shares_tx, became_ready_tx
from hubbub.services.hub import EventLog, Hub
from hubbub.services.slack_import_tx import derived_id, held_elsewhere
from hubbub.slack_archive import ExportArchive
from hubbub.store.tx import Tx

if TYPE_CHECKING:
    from hubbub.services.slack_import import Summary


@dataclass
class BatchFiles:
    """What a batch's commit needs of its files: the ids to store them under (an id another
    workspace holds is replaced), and the bytes this run stored for them, by stored id."""

    ids: dict[str, str] = field(default_factory=dict)
    stored: dict[str, StoredBlob] = field(default_factory=dict)


def _exported(day: list[ExportMessage]) -> dict[str, ExportFile]:
    return {f.id: f for m in day for f in m.files}


async def store_files(
    hub: Hub, archive: ExportArchive, team_id: str, day: list[ExportMessage], summary: Summary
) -> BatchFiles:
    """The batch's files' bytes, stored before its commit: those of files met for the first
    time in this run whose row has no bytes yet (or is not there). Counted once per file."""
    exported = _exported(day)
    if not exported:
        return BatchFiles()
    taken = await held_elsewhere(hub, lambda tx: tx.file_ids_elsewhere(team_id, list(exported)))
    ids = {old: derived_id("F", team_id, old) if old in taken else old for old in exported}
    batch = BatchFiles(ids=ids)
    fresh = [old for old in exported if ids[old] not in summary.files_seen]
    if not fresh:
        return batch
    rows = await hub.read(
        team_id, lambda tx: tx.files_by_ids([(team_id, ids[old]) for old in fresh])
    )
    for old in fresh:
        file_id = ids[old]
        summary.files_seen.add(file_id)
        summary.counts["files"] += 1
        row = rows.get((team_id, file_id))
        if row is not None and row.state != READY:
            continue  # deleted since the run that brought it: it stays deleted
        if row is not None and row.blob_key and await _blob_there(hub, row.blob_key):
            summary.counts["file_bytes"] += row.size
            continue
        stored = await _put_bytes(hub, archive, team_id, exported[old], summary)
        if stored is not None:
            batch.stored[file_id] = stored
    return batch


async def _blob_there(hub: Hub, key: str) -> bool:
    try:
        await hub.blobs.size(key)
    except BlobNotFound:
        return False
    return True


async def _put_bytes(
    hub: Hub, archive: ExportArchive, team_id: str, file: ExportFile, summary: Summary
) -> StoredBlob | None:
    """A file's bytes from the export into the files store, checked as an upload's are: at most
    the server's limit, exactly the size the export declares. None, with the reason counted,
    when they are not taken: the file is then metadata only."""
    upload = None if file.external else archive.upload(file.id)
    if upload is None:
        reason = "an external file" if file.external else "not in the export"
        summary.skip(f"file bytes: {reason}")
        return None
    limit = hub.file_limits.max_bytes
    declared = upload.size if file.size is None else file.size
    if upload.size > limit or declared > limit:
        summary.skip("file bytes: larger than the upload limit")
        return None
    if upload.size != declared:
        summary.skip("file bytes: not the size the export declares")
        return None
    try:
        # Closed here however put ends (it stops reading at the first byte too many).
        async with contextlib.aclosing(archive.chunks(upload)) as chunks:
            stored = await hub.blobs.put(
                team_id, chunks, max_bytes=declared, expected_size=declared
            )
    except (BlobTooLarge, BlobSizeMismatch):
        summary.skip("file bytes: not the size the export declares")
        return None
    except (zipfile.BadZipFile, OSError):
        summary.skip("file bytes: unreadable")
        return None
    summary.counts["file_bytes"] += stored.size
    summary.written["file_bytes"] += stored.size
    return stored


def renamed(day: list[ExportMessage], batch: BatchFiles) -> list[ExportMessage]:
    """The batch's messages with their files under the ids they are stored under."""
    if all(old == new for old, new in batch.ids.items()):
        return day
    return [
        replace(m, files=tuple(replace(f, id=batch.ids[f.id]) for f in m.files)) if m.files else m
        for m in day
    ]


def put_files_tx(
    tx: Tx,
    log: EventLog,
    team_id: str,
    channel_id: str,
    day: Iterable[ExportMessage],
    batch: BatchFiles,
) -> int:
    """The rows of the batch's files not there yet (ready, as an upload makes them: an image
    queues its thumbnails), the bytes stored for a row that had none, and a share per message
    and file. Returns how many files were written or given their bytes."""
    written = 0
    for m in day:
        for f in m.files:
            written += _put_file(tx, log, team_id, f, m, batch.stored.get(f.id))
            share = FileShare(
                file_id=f.id,
                channel_team_id=team_id,
                channel_id=channel_id,
                ts=m.ts,
                thread_ts=m.thread_ts if m.thread_ts not in (None, m.ts) else None,
                user_id=m.user_id,
                created=int(m.ts.partition(".")[0]),
            )
            add_shares_tx(tx, [_file(team_id, f, m, None)], [share])
    return written


def _file(team_id: str, f: ExportFile, m: ExportMessage, stored: StoredBlob | None) -> File:
    return File(
        team_id=team_id,
        id=f.id,
        user_id=f.user_id or m.user_id,
        created=f.created or int(m.ts.partition(".")[0]),
        name=f.name,
        title=f.title,
        mimetype=f.mimetype,
        filetype=f.filetype,
        size=stored.size if stored is not None else f.size or 0,
        state=READY,
        blob_key=stored.key if stored is not None else None,
        sha256=stored.sha256 if stored is not None else None,
        alt_txt=f.alt_txt,
        snippet_type=f.snippet_type,
    )


def _put_file(
    tx: Tx, log: EventLog, team_id: str, f: ExportFile, m: ExportMessage, stored: StoredBlob | None
) -> int:
    row = tx.get_file(team_id, f.id)
    if row is None:
        file = _file(team_id, f, m, stored)
        if stored is None:
            tx.insert_file(file)  # metadata only: nothing to read, nothing to queue
        else:
            tx.insert_file(replace(file, state=UPLOADED))
            became_ready_tx(tx, log, file)
        return 1
    if stored is None or row.blob_key == stored.key:
        return 0
    # Bytes for a row that had none, or whose bytes were lost: the row names them now.
    tx.set_file(team_id, f.id, size=stored.size, blob_key=stored.key, sha256=stored.sha256)
    if row.state == READY and not row.thumbs:
        thumbnails.queue_tx(log, replace(row, blob_key=stored.key, size=stored.size))
    return 1
