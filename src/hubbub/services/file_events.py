"""The events of a file's life after it is shared (`file_change`, `file_deleted`), logged in
each channel it is shared in (docs/files.md, Events).

A file's rows are on its uploader's workspace's shard; a channel's events are in the log of the
channel's own workspace (a shared channel's host), which may be on another shard. So the unit of
work that changes the file logs the events of the channels of its own workspace, in the same
commit, and hands back the shares of other workspaces' channels: `elsewhere` logs theirs, one
commit per host, on the host's shard. A crash between the two loses those channels' copies of
the event (clients there see the change at their next read), never the change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hubbub.domain.files import File, FileShare
from hubbub.services.hub import EventLog, Hub
from hubbub.store.tx import Tx

# An event for one channel: (channel_id, all the file's channel ids) -> the event.
Event = Callable[[str, list[str]], dict[str, Any]]


def change_event(file: File) -> Event:
    def event(channel_id: str, _all: list[str]) -> dict[str, Any]:
        return {
            "type": "file_change",
            "file_id": file.id,
            "file": {"id": file.id},
            "channel_id": channel_id,  # hubbub's, as in file_deleted
        }

    return event


def deleted_event(file: File) -> Event:
    def event(channel_id: str, every: list[str]) -> dict[str, Any]:
        return {
            "type": "file_deleted",
            "file_id": file.id,
            "channel_ids": every,
            # hubbub's: which of them this stream's copy is for (apps hear it where their bot
            # is a member, as a channel's other events).
            "channel_id": channel_id,
        }

    return event


@dataclass(frozen=True, slots=True)
class Later:
    """The event still to log after the commit, in channels of other workspaces."""

    event: Event
    every: list[str] = field(default_factory=list)  # all the file's channel ids
    by_host: dict[str, list[str]] = field(default_factory=dict)


def log_tx(tx: Tx, log: EventLog, file: File, event: Event) -> Later:
    """Logs the event in each channel of the file's own workspace it is shared in; what is
    left for the others, for `elsewhere` after the commit."""
    channels = _channels(tx.shares_of_file(file.team_id, file.id))
    later = Later(event, [c for _, c in channels])
    for team_id, channel_id in channels:
        if team_id == file.team_id:
            log.channel_event(team_id, channel_id, event(channel_id, later.every))
        else:
            later.by_host.setdefault(team_id, []).append(channel_id)
    return later


async def elsewhere(hub: Hub, later: Later) -> None:
    """Logs the event in channels of other workspaces, each host in a commit on its shard."""
    for host, ids in later.by_host.items():

        def unit(_tx: Tx, log: EventLog, host: str = host, ids: list[str] = ids) -> None:
            for channel_id in ids:
                log.channel_event(host, channel_id, later.event(channel_id, later.every))

        await hub.commit(host, unit)


def _channels(shares: list[FileShare]) -> list[tuple[str, str]]:
    return list(dict.fromkeys((s.channel_team_id, s.channel_id) for s in shares))


def file_changed(tx: Tx, log: EventLog, file: File) -> Later:
    """A file_change in every channel of the file's workspace it is shared in (thumbnails made,
    a title edited); the channels of other workspaces, for `elsewhere`."""
    return log_tx(tx, log, file, change_event(file))
