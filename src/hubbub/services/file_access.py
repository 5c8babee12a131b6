"""Who may see a file, and how it is shown: its uploader, and whoever can see now a conversation
it is shared in (services/access.py decides that); nobody else, and never another workspace
but through a channel shared with it. Everyone else is told file_not_found, whether the file
exists or not."""

from __future__ import annotations

import re
from typing import Any

from hubbub.domain.errors import SlackError
from hubbub.domain.files import DELETED, READY, File, SharedIn
from hubbub.domain.model import Identity
from hubbub.domain.shapes import file_json
from hubbub.domain.shares import ACCEPTED
from hubbub.domain.urls import PublicUrls
from hubbub.services.access import visible_channel
from hubbub.services.messages import channel_type
from hubbub.store.tx import Tx

# File ids as domain/ids.py makes them (F and base32); anything else names no file.
_FILE_ID = re.compile(r"F[A-Z0-9]{1,20}")


def check_file_id(file_id: str | None) -> str:
    if not file_id or not _FILE_ID.fullmatch(file_id):
        raise SlackError("file_not_found")
    return file_id


def _teams_in_reach(tx: Tx, who: Identity) -> list[str]:
    """Workspaces whose files who might see: their own, and those that share a channel with it
    either way (a file shared there lives under its uploader's workspace)."""
    teams = [who.team_id]
    for shared in tx.shared_channels_in(who.team_id, ACCEPTED):
        teams.append(shared.host_team_id)
    for share in tx.host_shares(who.team_id, ACCEPTED):
        teams.append(share.guest_team_id)
    return list(dict.fromkeys(teams))


def shown_shares(tx: Tx, who: Identity, file: File) -> list[SharedIn]:
    """The shares of the file in conversations who can see now, as who sees them."""
    out = []
    for share in tx.shares_of_file(file.team_id, file.id):
        try:
            channel, _ = visible_channel(tx, who, share.channel_id, shown=False)
        except SlackError:
            continue
        if channel.team_id != share.channel_team_id:
            continue  # another channel of the same id elsewhere: not this share
        out.append(SharedIn(share, channel.name, channel_type(channel)))
    return out


def may_see(tx: Tx, who: Identity, file: File) -> bool:
    if file.team_id == who.team_id and file.user_id == who.user_id:
        return True
    return bool(shown_shares(tx, who, file))


def find_file(tx: Tx, who: Identity, file_id: str, *, team_id: str | None = None) -> File:
    """The file if who may see it, ready or deleted; file_not_found otherwise. team_id: the
    workspace a URL names it under (downloads); else any workspace in who's reach."""
    check_file_id(file_id)
    teams = [team_id] if team_id else _teams_in_reach(tx, who)
    for team in teams:
        file = tx.get_file(team, file_id)
        if file is not None and file.state in (READY, DELETED) and may_see(tx, who, file):
            return file
    raise SlackError("file_not_found")


def live_file(tx: Tx, who: Identity, file_id: str, *, team_id: str | None = None) -> File:
    """find_file, and file_deleted for one deleted (only to those who could see it)."""
    file = find_file(tx, who, file_id, team_id=team_id)
    if file.state == DELETED:
        raise SlackError("file_deleted")
    return file


def full_json(tx: Tx, who: Identity, urls: PublicUrls, file: File) -> dict[str, Any]:
    """A file object with where who can see it shared (files.info, files.list, completion)."""
    return file_json(file, urls, shown_shares(tx, who, file))
