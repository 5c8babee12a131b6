"""A workspace written in Slack's export format (`hubbub admin export-slack`, docs/import.md):
`users.json`, `channels.json` (and with private: `groups.json`, `dms.json`, `mpims.json`), and
a folder of day files per conversation, messages as the Web API shows them. What
services/slack_import.py reads back into the same workspace.

Read a page of messages at a time and written a day at a time: a large workspace is never held
whole.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from typing import Any, Protocol

from hubbub.domain.model import Channel, Message
from hubbub.domain.shapes import FILE_REFS, message_json, user_json
from hubbub.domain.ts import MIN_TS
from hubbub.services.hub import Hub
from hubbub.store.tx import Tx

PAGE = 1000  # messages read per query
MEMBERS_PAGE = 1000


class ExportWriter(Protocol):
    def write(self, name: str, value: Any) -> None: ...


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
    """A message as Slack's export holds it: the Web API's shape, without the workspace's own
    hidden fields and without files (their bytes are not exported yet)."""
    out = message_json(msg)
    out.pop("team", None)
    out.pop("pinned_to", None)
    out.pop(FILE_REFS, None)
    return out


def day_of(ts: str) -> str:
    return dt.datetime.fromtimestamp(int(ts.partition(".")[0]), dt.UTC).strftime("%Y-%m-%d")


async def export_slack(
    hub: Hub,
    team_id: str,
    out: ExportWriter,
    *,
    private: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Counter[str]:
    """Writes the workspace to out; returns how many of each kind were written."""
    counts: Counter[str] = Counter()
    users = await hub.read(team_id, lambda tx: _all_users(tx, team_id))
    out.write("users.json", [user_json(u) for u in users])
    counts["users"] = len(users)
    channels = await hub.read(team_id, lambda tx: tx.team_channels(team_id))
    chosen = [c for c in channels if private or _kind(c) == "public"]
    records: dict[str, list[dict[str, Any]]] = {name: [] for name in _FILE_OF_KIND.values()}
    for channel in chosen:
        members, pins = await hub.read(team_id, _reader(channel))
        records[_FILE_OF_KIND[_kind(channel)]].append(channel_record(channel, members, pins))
        written = await _write_days(hub, channel, out, progress)
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
    hub: Hub, channel: Channel, out: ExportWriter, progress: Callable[[int], None] | None
) -> int:
    """The conversation's messages, a day file each, oldest first; returns how many."""
    team_id, folder = channel.team_id, folder_of(channel)
    after, day, written = MIN_TS, "", 0
    held: list[dict[str, Any]] = []
    while True:

        def read(tx: Tx, after: str = after) -> list[Message]:
            return tx.hydrate(tx.channel_messages(team_id, channel.id, after, PAGE))

        page = await hub.read(team_id, read)
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
