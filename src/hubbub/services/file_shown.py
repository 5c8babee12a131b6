"""The files inside messages, as they are when the messages are read: whoever reads a message
sees the files it shares, as in Slack (docs/files.md, Files in messages).

A message keeps its files' (team, id) pairs in its extra (FILE_REFS); they are looked up when
it is shown: `with_files` inside the read of the messages, in the same transaction. A file's
row is on its uploader's workspace's shard, which for a message in a channel shared from
another workspace may be another shard: such a file is not found there, and `files_elsewhere`
reads it from its own shard after the read, only for the messages that need it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hubbub.domain.errors import SlackError, Unavailable
from hubbub.domain.files import DELETED, File
from hubbub.domain.model import Message
from hubbub.domain.shapes import FILE_REFS, FILES_ELSEWHERE, file_json
from hubbub.domain.urls import PublicUrls
from hubbub.services.hub import Hub
from hubbub.store.tx import Tx


def with_files(tx: Tx, urls: PublicUrls, msgs: list[Message]) -> list[Message]:
    """Messages that share files, each with its files as they are now (a deleted one as a
    tombstone). Files whose rows are not on this shard are shown as tombstones for now and
    named in the hidden FILES_ELSEWHERE, for `files_elsewhere`."""
    refs: list[tuple[str, str]] = []
    for msg in msgs:
        refs.extend((team, file_id) for team, file_id in msg.extra.get(FILE_REFS, ()))
    if not refs:
        return msgs
    found = tx.files_by_ids(refs)
    out = []
    for msg in msgs:
        pairs = msg.extra.get(FILE_REFS)
        if not pairs:
            out.append(msg)
            continue
        shown = []
        missing = []
        for team, file_id in pairs:
            file = found.get((team, file_id))
            if file is None:
                missing.append([team, file_id])
            shown.append(file_json(file or _gone(team, file_id), urls))
        extra: dict[str, Any] = {**msg.extra, "files": shown}
        if missing:
            extra[FILES_ELSEWHERE] = missing
        out.append(replace(msg, extra=extra))
    return out


async def files_elsewhere(hub: Hub, msgs: list[Message]) -> list[Message]:
    """The files `with_files` did not find on the messages' shard, read from their own
    workspaces' shards (one read per workspace). A file found nowhere (its workspace is gone)
    stays a tombstone."""
    wanted = {(t, f) for msg in msgs for t, f in msg.extra.get(FILES_ELSEWHERE, ())}
    if not wanted:
        return msgs
    found: dict[tuple[str, str], File] = {}
    for team in sorted({t for t, _ in wanted}):
        refs = [r for r in wanted if r[0] == team]

        def read(tx: Tx, refs: list[tuple[str, str]] = refs) -> dict[tuple[str, str], File]:
            return tx.files_by_ids(refs)

        try:
            found.update(await hub.read(team, read))
        except (SlackError, Unavailable):
            continue  # no such workspace any more, or its shard is down: tombstones, for now
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
