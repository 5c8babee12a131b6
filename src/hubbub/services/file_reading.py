"""files.info, files.list and what a download needs: files as their viewer may see them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hubbub.domain.errors import SlackError
from hubbub.domain.files import File
from hubbub.domain.model import Identity
from hubbub.domain.thumbnails import Thumb
from hubbub.services.access import home, visible_channel
from hubbub.services.file_access import full_json, live_file, may_see
from hubbub.services.hub import Hub
from hubbub.store.tx import Tx

# files.list reads at most this many rows per page asked for, skipping files the caller may not
# see, before it answers with what it found and a cursor to go on from.
SCAN_FACTOR = 10


async def info(hub: Hub, who: Identity, file_id: str) -> dict[str, Any]:
    return await hub.read(
        who.team_id, lambda tx: full_json(tx, who, hub.urls, live_file(tx, who, file_id))
    )


async def for_download(hub: Hub, who: Identity, team_id: str, file_id: str) -> File:
    """The file a download URL names, if who may read it now; file_not_found otherwise (also
    for one deleted: its URL answers like one that never was)."""
    file = await hub.read(who.team_id, lambda tx: live_file(tx, who, file_id, team_id=team_id))
    if not file.blob_key:
        raise SlackError("file_not_found")
    return file


async def thumbnail(hub: Hub, who: Identity, team_id: str, file_id: str, edge: str) -> Thumb:
    """A thumbnail of a file, to whoever may read the file itself (for_download's check, in
    the same read); file_not_found otherwise, and for an edge the file has no thumbnail of."""

    def unit(tx: Tx) -> Thumb:
        file = live_file(tx, who, file_id, team_id=team_id)
        for thumb in tx.thumbs_of(file.team_id, file.id):
            if thumb.edge == edge:
                return thumb
        raise SlackError("file_not_found")

    return await hub.read(who.team_id, unit)


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
    paging from `after`, or page paging: `skip` files, then limit, with the total."""
    team = who.team_id
    channel_home = await home(hub, who, query.channel_id) if query.channel_id else team

    def unit(tx: Tx) -> FilePage:
        channel = None
        if query.channel_id:
            # Only a channel who can see lists anything; one they cannot is not there.
            found, _ = visible_channel(tx, who, query.channel_id, shown=False)
            channel = (found.team_id, found.id)
        want = MAX_TOTAL if skip is not None else limit
        seen: list[File] = []
        before = after
        scanned, done = 0, False
        while len(seen) < want and scanned < want * SCAN_FACTOR:
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
                if may_see(tx, who, file):
                    seen.append(file)
                    if len(seen) == want:
                        break
            if len(batch) < min(want, 1000):
                done = True
                break
        if skip is not None:
            shown = seen[skip : skip + limit]
            return FilePage([full_json(tx, who, hub.urls, f) for f in shown], None, len(seen))
        return FilePage([full_json(tx, who, hub.urls, f) for f in seen], None if done else before)

    # A shared channel hosted elsewhere: its files' rows of who's workspace are on the same
    # shard as its messages (docs/files.md, Shared channels).
    return await hub.read(channel_home, unit)
