"""A workspace written in Slack's export format (`hubbub admin export-slack`, docs/import.md):
`users.json`, `channels.json` (and with private: `groups.json`, `dms.json`, `mpims.json`), and
a folder of day files per conversation, messages as the Web API shows them, with their files
as files.info shows them; with files, each file's bytes under `__uploads/<id>/<name>`
(slackdump's layout, which the import reads). What services/slack_import.py reads back into the
same workspace.

Read a page of messages at a time and written a day at a time, a file's bytes streamed from
the files store into the archive: a large workspace is never held whole.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol

from hubbub.blobs.port import BlobNotFound
from hubbub.domain.files import READY
from hubbub.domain.model import Channel, Message
from hubbub.domain.shapes import FILE_REFS, FILES_ELSEWHERE, message_json, user_json
from hubbub.domain.ts import MIN_TS
from hubbub.services.file_shown import FileRef, files_elsewhere, read_files, with_files
from hubbub.services.hub import Hub
from hubbub.store.tx import Tx

PAGE = 1000  # messages read per query
MEMBERS_PAGE = 1000


# Where the export puts a file's bytes: slackdump's "mattermost" layout, as the import reads it.
UPLOADS = "__uploads"


class ExportWriter(Protocol):
    def write(self, name: str, value: Any) -> None: ...

    async def stream(self, name: str, size: int, chunks: AsyncIterator[bytes]) -> int: ...


def _kind(channel: Channel) -> str:
    if channel.is_im:
        return "im"
    if channel.is_mpim:
        return "mpim"
    return "private" if channel.is_private else "public"


_FILE_OF_KIND = {
    "public": "channels.json",
    "private": "groups.json",
    "im": "dms.json",
    "mpim": "mpims.json",
}


def folder_of(channel: Channel) -> str:
    """Where a conversation's day files go: a channel's name, a DM's id (as Slack names them)."""
    return channel.id if channel.is_im else channel.name


def _about(value: str, creator: str, last_set: int) -> dict[str, Any]:
    return {"value": value, "creator": creator, "last_set": last_set}


def channel_record(
    channel: Channel, members: list[str], pins: list[dict[str, Any]]
) -> dict[str, Any]:
    record: dict[str, Any] = {"id": channel.id, "created": channel.created, "members": members}
    if channel.is_im:
        return record
    record.update(
        name=channel.name,
        creator=channel.creator,
        is_archived=channel.is_archived,
        topic=_about(channel.topic, channel.topic_creator, channel.topic_last_set),
        purpose=_about(channel.purpose, channel.purpose_creator, channel.purpose_last_set),
        pins=pins,
    )
    return record


def message_record(msg: Message) -> dict[str, Any]:
    """A message as Slack's export holds it: the Web API's shape, its files as the Web API
    shows them, without the workspace's own hidden fields."""
    out = message_json(msg)
    out.pop("team", None)
    out.pop("pinned_to", None)
    out.pop(FILE_REFS, None)
    out.pop(FILES_ELSEWHERE, None)
    return out


def day_of(ts: str) -> str:
    return dt.datetime.fromtimestamp(int(ts.partition(".")[0]), dt.UTC).strftime("%Y-%m-%d")


async def export_slack(
    hub: Hub,
    team_id: str,
    out: ExportWriter,
    *,
    private: bool = False,
    files: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Counter[str]:
    """Writes the workspace to out (with files: the bytes of the files its messages share);
    returns how many of each kind were written."""
    counts: Counter[str] = Counter(files=0, file_bytes=0)
    bytes_of = _Bytes(hub, out, counts, files)
    users = await hub.read(team_id, lambda tx: _all_users(tx, team_id))
    out.write("users.json", [user_json(u, dt.datetime.now(dt.UTC)) for u in users])
    counts["users"] = len(users)
    channels = await hub.read(team_id, lambda tx: tx.team_channels(team_id))
    chosen = [c for c in channels if private or _kind(c) == "public"]
    records: dict[str, list[dict[str, Any]]] = {name: [] for name in _FILE_OF_KIND.values()}
    for channel in chosen:
        members, pins = await hub.read(team_id, _reader(channel))
        records[_FILE_OF_KIND[_kind(channel)]].append(channel_record(channel, members, pins))
        written = await _write_days(hub, channel, out, bytes_of, progress)
        counts["messages"] += written
        counts["channels"] += 1
        counts["pins"] += len(pins)
    for name, listed in records.items():
        if name == "channels.json" or private:
            out.write(name, listed)
    out.write("integration_logs.json", [])
    return counts


def _all_users(tx: Tx, team_id: str) -> list[Any]:
    found, after = [], ""
    while True:
        page = tx.list_users(team_id, after, 1000)
        found.extend(page)
        if len(page) < 1000:
            return found
        after = page[-1].id


def _reader(channel: Channel) -> Callable[[Tx], tuple[list[str], list[dict[str, Any]]]]:
    return lambda tx: _members_pins(tx, channel)


def _members_pins(tx: Tx, channel: Channel) -> tuple[list[str], list[dict[str, Any]]]:
    members: list[str] = []
    after = ""
    while True:
        page = tx.member_ids(channel.team_id, channel.id, after, MEMBERS_PAGE)
        members.extend(page)
        if len(page) < MEMBERS_PAGE:
            break
        after = page[-1]
    pins = [
        {"id": msg.ts, "type": "C", "created": at, "user": by}
        for msg, by, at in tx.list_pins(channel.team_id, channel.id)
    ]
    return members, pins


async def _write_days(
    hub: Hub,
    channel: Channel,
    out: ExportWriter,
    bytes_of: _Bytes,
    progress: Callable[[int], None] | None,
) -> int:
    """The conversation's messages, a day file each, oldest first; returns how many."""
    team_id, folder = channel.team_id, folder_of(channel)
    after, day, written = MIN_TS, "", 0
    held: list[dict[str, Any]] = []
    while True:

        def read(tx: Tx, after: str = after) -> list[Message]:
            msgs = tx.hydrate(tx.channel_messages(team_id, channel.id, after, PAGE))
            return with_files(tx, hub.urls, msgs)

        page = await files_elsewhere(hub, await hub.read(team_id, read))
        await bytes_of.write(page)
        for msg in page:
            if day_of(msg.ts) != day and held:
                out.write(f"{folder}/{day}.json", held)
                held = []
            day = day_of(msg.ts)
            held.append(message_record(msg))
        written += len(page)
        if progress is not None:
            progress(len(page))
        if len(page) < PAGE:
            break
        after = page[-1].ts
    if held:
        out.write(f"{folder}/{day}.json", held)
    return written


class _Bytes:
    """The files the exported messages share: counted once each, and with files, their bytes
    streamed into the archive once each, as the import reads them (`__uploads/<id>/<name>`).
    A file whose bytes are gone from the store stays in its messages, metadata only."""

    def __init__(self, hub: Hub, out: ExportWriter, counts: Counter[str], files: bool) -> None:
        self.hub, self.out, self.counts, self.files = hub, out, counts, files
        self.seen: set[FileRef] = set()

    async def write(self, page: list[Message]) -> None:
        refs = {(t, f) for msg in page for t, f in msg.extra.get(FILE_REFS, ())} - self.seen
        if not refs:
            return
        self.seen |= refs
        found = await read_files(self.hub, refs)
        for ref in sorted(refs):
            file = found.get(ref)
            if file is None or file.state != READY:
                continue  # a tombstone in its messages
            self.counts["files"] += 1
            if not self.files or not file.blob_key:
                continue
            try:
                async with self.hub.blobs.open(file.blob_key) as body:
                    name = f"{UPLOADS}/{file.id}/{file.name}"
                    self.counts["file_bytes"] += await self.out.stream(name, file.size, body)
            except BlobNotFound:
                self.counts["files_without_bytes"] += 1
