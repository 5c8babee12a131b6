"""files.info, files.list and what a download needs: files as their viewer may see them
(services/file_access.py decides who sees what, across shards)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hubbub.domain.errors import SlackError
from hubbub.domain.files import File, SharedIn
from hubbub.domain.model import Identity
from hubbub.domain.shapes import file_json
from hubbub.domain.thumbnails import Thumb
from hubbub.services.access import home, visible_channel
from hubbub.services.file_access import Looked, live, look_at, seen
from hubbub.services.hub import Hub
from hubbub.store.tx import Tx

# files.list reads at most this many rows per page asked for, skipping files the caller may not
# see, before it answers with what it found and a cursor to go on from.
SCAN_FACTOR = 10


async def info(hub: Hub, who: Identity, file_id: str) -> dict[str, Any]:
    found = await live(hub, who, file_id)
    return file_json(found.file, hub.urls, found.seen)


async def where_to_open(hub: Hub, who: Identity, file_id: str) -> tuple[File, SharedIn | None]:
    """What a file's permalink opens for who: the file, and the first message sharing it that
    who can see (None: who may read it, uploaded it, and sees it shared nowhere);
    file_not_found or file_deleted otherwise."""
    found = await live(hub, who, file_id)
    first = min(found.seen, key=lambda s: s.share.ts, default=None)
    return found.file, first


async def for_download(hub: Hub, who: Identity, team_id: str, file_id: str) -> File:
    """The file a download URL names, if who may read it now; file_not_found otherwise (also
    for one deleted: its URL answers like one that never was)."""
    file = (await live(hub, who, file_id, team_id=team_id)).file
    if not file.blob_key:
        raise SlackError("file_not_found")
    return file


async def thumbnail(hub: Hub, who: Identity, team_id: str, file_id: str, edge: str) -> Thumb:
    """A thumbnail of a file, to whoever may read the file itself (for_download's check);
    file_not_found otherwise, and for an edge the file has no thumbnail of."""
    file = (await live(hub, who, file_id, team_id=team_id)).file
    thumbs = await hub.read(file.team_id, lambda tx: tx.thumbs_of(file.team_id, file.id))
    for thumb in thumbs:
        if thumb.edge == edge:
            return thumb
    raise SlackError("file_not_found")


@dataclass(frozen=True, slots=True)
class Query:
    user_id: str | None = None
    channel_id: str | None = None
    filetypes: frozenset[str] | None = None
    ts_from: int | None = None
    ts_to: int | None = None


@dataclass(frozen=True, slots=True)
class FilePage:
    files: list[dict[str, Any]]
    # Where the next page starts (created, id), or None at the end.
    next: tuple[int, str] | None
    # Page paging only: how many files the caller may see in all (counted up to MAX_TOTAL).
    total: int = 0


# files.list's page paging counts the files it could page through up to this many.
MAX_TOTAL = 10_000


@dataclass(frozen=True, slots=True)
class _Scan:
    """What one read of the workspace's files found: files who may see by what the read could
    check, files whose only shares are in other workspaces' channels (to check on their hosts'
    shards), and where the scan stopped."""

    looked: list[Looked]
    next: tuple[int, str] | None


async def list_files(
    hub: Hub,
    who: Identity,
    query: Query,
    *,
    after: tuple[int, str] | None = None,
    skip: int | None = None,
    limit: int,
) -> FilePage:
    """The files of who's workspace that who may see, newest first; of one channel (a channel
    another workspace hosts included, for files of who's own workspace shared there). Cursor
    paging from `after`, or page paging: `skip` files, then limit, with the total.

    The files' rows are on who's workspace's shard; a channel another workspace hosts is
    looked up on its host's shard first, and files shared only in such channels are checked
    there after the scan (a page may then hold fewer files than asked for while more remain,
    as Slack's cursors allow)."""
    team = who.team_id
    channel = None
    if query.channel_id:
        # Only a channel who can see lists anything; one they cannot is not there.
        def where(tx: Tx) -> tuple[str, str]:
            found, _ = visible_channel(tx, who, str(query.channel_id), shown=False)
            return found.team_id, found.id

        channel = await hub.read(await home(hub, who, query.channel_id), where)
    want = MAX_TOTAL if skip is not None else limit

    def unit(tx: Tx) -> _Scan:
        kept: list[Looked] = []
        before = after
        scanned, done = 0, False
        while len(kept) < want and scanned < want * SCAN_FACTOR:
            batch = tx.files_page(
                team,
                user_id=query.user_id,
                channel=channel,
                filetypes=query.filetypes,
                ts_from=query.ts_from,
                ts_to=query.ts_to,
                before=before,
                limit=min(want, 1000),
            )
            scanned += len(batch)
            for file in batch:
                before = (file.created, file.id)
                looked = look_at(tx, who, file)
                mine = file.user_id == who.user_id
                if mine or looked.seen or looked.elsewhere:
                    kept.append(looked)
                    if len(kept) == want:
                        break
            if len(batch) < min(want, 1000):
                done = True
                break
        return _Scan(kept, None if done else before)

    scan = await hub.read(team, unit)
    shown: list[dict[str, Any]] = []
    for looked in scan.looked:
        assert looked.file is not None
        where_seen = await seen(hub, who, looked) if looked.elsewhere else looked.seen
        if looked.file.user_id == who.user_id or where_seen:
            shown.append(file_json(looked.file, hub.urls, where_seen))
    if skip is not None:
        return FilePage(shown[skip : skip + limit], None, len(shown))
    return FilePage(shown, scan.next)
