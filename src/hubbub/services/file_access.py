"""Who may see a file, and how it is shown: its uploader, and whoever can see now a conversation
it is shared in (services/access.py decides that); nobody else, and never another workspace
but through a channel shared with it. Everyone else is told file_not_found, whether the file
exists or not.

A file's rows (the file, its shares) are on its uploader's workspace's shard; whether someone
sees a conversation is decided on the shard of the conversation's own workspace (a shared
channel's host), which may be another one. So a share in a channel of the file's own workspace
is checked in the read of the file, and the others in one read per host after it (`seen`):
the second read happens only for files shared into channels other workspaces host.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from hubbub.domain.errors import SlackError, Unavailable
from hubbub.domain.files import DELETED, READY, File, FileShare, SharedIn
from hubbub.domain.model import Identity
from hubbub.domain.shapes import file_json
from hubbub.domain.shares import ACCEPTED
from hubbub.services.access import visible_channel
from hubbub.services.hub import Hub
from hubbub.services.messages import channel_type
from hubbub.store.tx import Tx

# File ids as domain/ids.py makes them (F and base32); anything else names no file.
_FILE_ID = re.compile(r"F[A-Z0-9]{1,20}")


def check_file_id(file_id: str | None) -> str:
    if not file_id or not _FILE_ID.fullmatch(file_id):
        raise SlackError("file_not_found")
    return file_id


def teams_in_reach(tx: Tx, who: Identity) -> list[str]:
    """Workspaces whose files who might see (read on who's shard): their own, and those that
    share a channel with it either way (a file shared there lives under its uploader's
    workspace)."""
    teams = [who.team_id]
    for shared in tx.shared_channels_in(who.team_id, ACCEPTED):
        teams.append(shared.host_team_id)
    for share in tx.host_shares(who.team_id, ACCEPTED):
        teams.append(share.guest_team_id)
    return list(dict.fromkeys(teams))


def seen_here(tx: Tx, who: Identity, shares: list[FileShare]) -> list[SharedIn]:
    """Of these shares, those in conversations who can see now, as who sees them; the unit runs
    on the shard of the shares' channels' workspace."""
    out = []
    for share in shares:
        try:
            channel, _ = visible_channel(tx, who, share.channel_id, shown=False)
        except SlackError:
            continue
        if channel.team_id != share.channel_team_id:
            continue  # another channel of the same id elsewhere: not this share
        out.append(SharedIn(share, channel.name, channel_type(channel)))
    return out


@dataclass(frozen=True, slots=True)
class Looked:
    """A file as read on its own shard: the shares checked there, and those left for their
    hosts' shards."""

    file: File | None
    seen: list[SharedIn]
    elsewhere: list[FileShare]


def look(tx: Tx, who: Identity, team_id: str, file_id: str) -> Looked:
    """The file of team_id (on its shard), ready or deleted, with the shares in its own
    workspace's channels checked for who."""
    file = tx.get_file(team_id, file_id)
    if file is None or file.state not in (READY, DELETED):
        return Looked(None, [], [])
    return look_at(tx, who, file)


def look_at(tx: Tx, who: Identity, file: File) -> Looked:
    shares = tx.shares_of_file(file.team_id, file.id)
    here = [s for s in shares if s.channel_team_id == file.team_id]
    return Looked(file, seen_here(tx, who, here), [s for s in shares if s not in here])


async def seen(hub: Hub, who: Identity, looked: Looked) -> list[SharedIn]:
    """Every share of a looked-at file who can see: those checked in the look, and the others
    on their hosts' shards, in the order of the shares."""
    found = list(looked.seen)
    by_host: dict[str, list[FileShare]] = {}
    for share in looked.elsewhere:
        by_host.setdefault(share.channel_team_id, []).append(share)
    for host, shares in by_host.items():

        def check(tx: Tx, shares: list[FileShare] = shares) -> list[SharedIn]:
            return seen_here(tx, who, shares)

        try:
            found += await hub.read(host, check)
        except SlackError:
            continue  # the host is gone: nothing of it is seen
    found.sort(key=lambda s: (s.share.created, s.share.ts))
    return found


def may_see(who: Identity, file: File, shown: list[SharedIn]) -> bool:
    return (file.team_id == who.team_id and file.user_id == who.user_id) or bool(shown)


@dataclass(frozen=True, slots=True)
class Found:
    file: File
    seen: list[SharedIn]  # where who sees it shared


async def find(hub: Hub, who: Identity, file_id: str, *, team_id: str | None = None) -> Found:
    """The file if who may see it, ready or deleted; file_not_found otherwise. team_id: the
    workspace a URL names it under (downloads); else any workspace in who's reach."""
    check_file_id(file_id)
    if team_id is not None:
        teams = [team_id]
    else:
        teams = await hub.read(who.team_id, lambda tx: teams_in_reach(tx, who))
    for team in teams:

        def read(tx: Tx, team: str = team) -> Looked:
            return look(tx, who, team, file_id)

        try:
            looked = await hub.read(team, read)
        except (SlackError, Unavailable):
            # No such workspace (a URL naming one at random), or its shard out of reach
            # (this is a read: better not found now than an error that says it exists).
            continue
        if looked.file is None:
            continue
        shown = await seen(hub, who, looked)
        if may_see(who, looked.file, shown):
            return Found(looked.file, shown)
    raise SlackError("file_not_found")


async def live(hub: Hub, who: Identity, file_id: str, *, team_id: str | None = None) -> Found:
    """find, and file_deleted for one deleted (only to those who could see it)."""
    found = await find(hub, who, file_id, team_id=team_id)
    if found.file.state == DELETED:
        raise SlackError("file_deleted")
    return found


async def shown(hub: Hub, who: Identity, file: File) -> dict[str, Any]:
    """A file object, as it is now, with where who can see it shared (files.info, files.list,
    the answers of completing and files.upload)."""

    def read(tx: Tx) -> Looked:
        now = tx.get_file(file.team_id, file.id)
        return look_at(tx, who, now) if now is not None else Looked(None, [], [])

    looked = await hub.read(file.team_id, read)
    if looked.file is None:
        raise SlackError("file_not_found")
    return file_json(looked.file, hub.urls, await seen(hub, who, looked))
