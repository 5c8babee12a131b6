"""`hubbub admin reindex`: the search index of a workspace built again from its messages and
its files (docs/search.md). Every write of a message or a file keeps the index in step by
itself; this is for an index lost or changed (a new folding, a store restored from an older
copy) and for messages written by anything that went around the store's message queries.

The workspace's rows go in one commit, then its messages are indexed a page per commit, oldest
first, while the server runs: searches meanwhile find what has been indexed so far, and posts,
edits and deletes under way index themselves (a page skips a message already indexed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hubbub.domain.errors import SlackError
from hubbub.services.hub import EventLog, Hub
from hubbub.store.tx import Tx

PAGE = 2000
Progress = Callable[[str, int, int], None]  # (team, messages read, messages in all)


@dataclass(frozen=True, slots=True)
class Reindexed:
    team_id: str
    messages: int  # read
    indexed: int  # rows of the index now (system messages have none)
    dropped: int  # rows there were before
    files: int = 0  # files read (their text is on their own rows)
    files_indexed: int = 0  # of them, those in the index now (deleted ones are not)


async def teams(hub: Hub, team: str | None) -> list[str]:
    """The workspaces to reindex: the one named (by id or domain), or every one on every
    shard."""
    if team is not None:
        found = await hub.shards.team_for_domain(team)
        team_id = found or team
        known = await hub.read(team_id, lambda tx: tx.get_team(team_id))
        if known is None:
            raise SlackError("team_not_found")
        return [team_id]
    out: list[str] = []
    for store in hub.shards.stores().values():
        out += [t.id for t in await store.read(lambda tx: tx.list_teams())]
    return sorted(set(out))


async def reindex(hub: Hub, team_id: str, progress: Progress | None = None) -> Reindexed:
    total = await hub.read(team_id, lambda tx: tx.count_messages(team_id))

    def drop(tx: Tx, _log: EventLog) -> int:
        return tx.unindex_team(team_id)

    dropped = await hub.commit(team_id, drop)
    after: tuple[str, str] | None = None
    done = 0
    while True:

        def page(
            tx: Tx, _log: EventLog, after: tuple[str, str] | None = after
        ) -> tuple[int, tuple[str, str] | None]:
            return tx.index_page(team_id, after, PAGE)

        read, after = await hub.commit(team_id, page)
        done += read
        if progress is not None:
            progress(team_id, done, max(total, done))
        if after is None:
            break
    indexed = await hub.read(team_id, lambda tx: tx.count_indexed(team_id))
    files, files_indexed = await _reindex_files(hub, team_id)
    return Reindexed(team_id, done, indexed, dropped, files, files_indexed)


async def _reindex_files(hub: Hub, team_id: str) -> tuple[int, int]:
    """Each file's indexed text written again from its name and title, a page per commit."""
    after: str | None = None
    while True:

        def page(tx: Tx, _log: EventLog, after: str | None = after) -> tuple[int, str | None]:
            return tx.index_files_page(team_id, after, PAGE)

        _read, after = await hub.commit(team_id, page)
        if after is None:
            return await hub.read(team_id, lambda tx: tx.count_files(team_id))
