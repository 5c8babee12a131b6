"""The files inside messages, as they are when the messages are read: whoever reads a message
sees the files it shares, as in Slack (docs/files.md, Files in messages).

A message keeps its files' (team, id) pairs in its extra (FILE_REFS); they are looked up when
it is shown: `with_files` inside the read of the messages, in the same transaction. A file's
row is on its uploader's workspace's shard, which for a message in a channel shared from
another workspace may be another shard: such a file is not found there, and `files_elsewhere`
reads it from its own shard after the read, only for the messages that need it.

An event written in a unit of work cannot wait for another shard's read: a unit that shows
files in its events runs under `commit_showing_files`, and `with_files(..., known=...)` stops it
(FilesElsewhere) when a file is on another shard and not known yet; the files are read from
their shards and the unit runs again knowing them. A message's files never change after it is
posted, so the second run finds them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any, TypeVar

from hubbub.domain.errors import SlackError, Unavailable
from hubbub.domain.files import DELETED, File
from hubbub.domain.model import Message
from hubbub.domain.shapes import FILE_REFS, FILES_ELSEWHERE, file_json
from hubbub.domain.urls import PublicUrls
from hubbub.services.hub import EventLog, Hub
from hubbub.store.tx import Tx

T = TypeVar("T")
FileRef = tuple[str, str]  # (team_id, file_id)
# Files read from other shards for a unit of work; None: found on no shard (a tombstone).
Known = dict[FileRef, File | None]


class FilesElsewhere(Exception):
    """Raised inside a unit of work by with_files when files are on other shards."""

    def __init__(self, refs: set[FileRef]) -> None:
        super().__init__(f"{len(refs)} files on other shards")
        self.refs = refs


def with_files(
    tx: Tx, urls: PublicUrls, msgs: list[Message], *, known: Known | None = None
) -> list[Message]:
    """Messages that share files, each with its files as they are now (a deleted one as a
    tombstone). Files whose rows are not on this shard are shown as tombstones for now and
    named in the hidden FILES_ELSEWHERE, for `files_elsewhere`; or, in a unit of work under
    commit_showing_files (known given), taken from known, or asked for with FilesElsewhere."""
    refs: list[tuple[str, str]] = []
    for msg in msgs:
        refs.extend((team, file_id) for team, file_id in msg.extra.get(FILE_REFS, ()))
    if not refs:
        return msgs
    found = tx.files_by_ids(refs)
    out = []
    unknown: set[FileRef] = set()
    for msg in msgs:
        pairs = msg.extra.get(FILE_REFS)
        if not pairs:
            out.append(msg)
            continue
        shown = []
        missing = []
        for team, file_id in pairs:
            file = found.get((team, file_id))
            if file is None and known is not None:
                file = known.get((team, file_id))
                if (team, file_id) not in known:
                    missing.append([team, file_id])
            elif file is None:
                missing.append([team, file_id])
            shown.append(file_json(file or _gone(team, file_id), urls))
        extra: dict[str, Any] = {**msg.extra, "files": shown}
        if missing and known is not None:
            unknown.update((t, f) for t, f in missing)
        elif missing:
            extra[FILES_ELSEWHERE] = missing
        out.append(replace(msg, extra=extra))
    if unknown:
        raise FilesElsewhere(unknown)
    return out


async def commit_showing_files(
    hub: Hub, team_id: str, unit: Callable[[Tx, EventLog, Known], T]
) -> T:
    """hub.commit for a unit whose events show messages' files (message_changed, pin_added):
    unit(tx, log, known) passes known to with_files; files on other shards are read and the
    unit runs again (module docstring)."""
    known: Known = {}
    for _ in range(3):
        try:
            return await hub.commit(team_id, lambda tx, log: unit(tx, log, known))
        except FilesElsewhere as exc:
            found = await read_files(hub, exc.refs)
            known.update({ref: found.get(ref) for ref in exc.refs})
    raise RuntimeError("a message's files kept changing")  # never: they are fixed at posting


async def read_files(hub: Hub, refs: Iterable[FileRef]) -> dict[FileRef, File]:
    """Files from their own workspaces' shards, one read per workspace; those of a workspace
    gone, or of a shard down, are left out (tombstones, for now)."""
    wanted = set(refs)
    found: dict[FileRef, File] = {}
    for team in sorted({t for t, _ in wanted}):
        mine = [r for r in wanted if r[0] == team]

        def read(tx: Tx, mine: list[FileRef] = mine) -> dict[FileRef, File]:
            return tx.files_by_ids(mine)

        try:
            found.update(await hub.read(team, read))
        except (SlackError, Unavailable):
            continue
    return found


async def files_elsewhere(hub: Hub, msgs: list[Message]) -> list[Message]:
    """The files `with_files` did not find on the messages' shard, read from their own
    workspaces' shards (one read per workspace). A file found nowhere (its workspace is gone)
    stays a tombstone."""
    wanted = {(t, f) for msg in msgs for t, f in msg.extra.get(FILES_ELSEWHERE, ())}
    if not wanted:
        return msgs
    found = await read_files(hub, wanted)
    out = []
    for msg in msgs:
        if FILES_ELSEWHERE not in msg.extra:
            out.append(msg)
            continue
        pairs = msg.extra.get(FILE_REFS) or []
        shown = [file_json(found.get((t, f)) or _gone(t, f), hub.urls) for t, f in pairs]
        extra = {k: v for k, v in msg.extra.items() if k != FILES_ELSEWHERE}
        out.append(replace(msg, extra={**extra, "files": shown}))
    return out


def _gone(team_id: str, file_id: str) -> File:
    """A file whose row is not there: shown as deleted."""
    return File(team_id, file_id, "", 0, "", "", "", "", 0, DELETED)
