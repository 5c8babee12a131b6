"""search.files: the files a person may read whose name or title matches a query (docs/search.md,
Files).

Who may read a file is services/file_access.py's rule (its uploader, and whoever sees now a
conversation it is shared in), applied twice as for messages: as the SQL's scope on each shard
that holds files the searcher might see (file_access `teams_in_reach`), and again on each
result, through file_access itself, before it is shown. The scope needs the conversations the
searcher sees on each workspace that hosts any (their own, and each host sharing channels with
them): those are read first, on their own shards.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import structlog

from hubbub.domain.errors import SlackError
from hubbub.domain.files import READY, File, SharedIn
from hubbub.domain.model import Identity
from hubbub.domain.search_query import SearchQuery
from hubbub.services import shares
from hubbub.services.file_access import Looked, look, may_see, seen, teams_in_reach
from hubbub.services.hub import Hub
from hubbub.services.search import (
    MAX_MATCHES,
    MAX_PAGE,
    Ask,
    named,
    now_and_latest,
    page_of,
    parsed,
)
from hubbub.store.queries.search_files import FileHit, FileScope, FilesFound
from hubbub.store.queries.search_statements import Page, Scope
from hubbub.store.tx import Tx

log = structlog.get_logger()


@dataclass(frozen=True, slots=True)
class FileMatch:
    file: File
    seen: list[SharedIn]  # where the searcher sees it shared
    score: float


@dataclass(frozen=True, slots=True)
class FileResults:
    query: SearchQuery
    total: int
    matches: list[FileMatch]
    latest_us: int


async def search_files(hub: Hub, who: Identity, text: str, ask: Ask) -> FileResults:
    if who.token_kind == "xoxb":
        raise SlackError("not_allowed_token_type")
    now_us, latest_us = now_and_latest(ask)
    query = await parsed(hub, who, text, now_us)
    empty = FileResults(query, 0, [], latest_us)
    # What only a message has (a link in its text, a pin, a reaction, a thread) no file has.
    messages_only = query.has_link or query.has_pin or query.has_reaction or query.is_thread
    if query.impossible or messages_only or ask.page > MAX_PAGE:
        return empty
    channel_ids, author_ids = await named(hub, who, query)
    if channel_ids == () or author_ids == ():
        return empty
    visible = await _visible(hub, who, channel_ids)
    teams = await hub.read(who.team_id, lambda tx: teams_in_reach(tx, who))
    # Their own uploads are found wherever they are (if anywhere) shared, but not `in:` a
    # conversation they are not shared in.
    mine = who.user_id if channel_ids is None else None
    scopes = [
        FileScope(team, mine if team == who.team_id else None, visible, author_ids)
        for team in teams
    ]
    single = len(scopes) == 1
    page = page_of(ask, single, latest_us, now_us)
    found: list[tuple[FileHit, str]] = []
    total = 0
    for scope in scopes:
        result: FilesFound = await hub.read(
            scope.team_id, partial(_search, scope=scope, query=query, page=page)
        )
        total += result.total
        found += [(hit, scope.team_id) for hit in result.hits]
    if not single:
        # The pages merged in the order each shard sorts by (store/queries/search_files.py).
        if ask.by_time:
            newest_first = not ask.ascending
            found.sort(key=lambda item: (item[0].created, item[0].file_id), reverse=newest_first)
        else:
            found.sort(key=lambda item: (-item[0].score, -item[0].created, item[0].file_id))
        found = found[ask.offset : ask.offset + ask.count]
    return FileResults(query, min(total, MAX_MATCHES), await _shown(hub, who, found), latest_us)


def _search(tx: Tx, *, scope: FileScope, query: SearchQuery, page: Page) -> FilesFound:
    return tx.search_files(scope, query, page)


async def _visible(
    hub: Hub, who: Identity, channel_ids: tuple[str, ...] | None
) -> dict[str, tuple[str, ...]]:
    """Host workspace -> the conversations there who may read (of those `in:` names, if any):
    their own workspace's, and those each host shares with it, each read on its host's shard
    by the scope messages are searched in (store/queries/search.py)."""
    hosts = sorted(await shares.hosted_elsewhere(hub, who))
    scopes = [Scope(who.team_id, who.user_id)]
    scopes += [Scope(host, who.user_id, who.team_id) for host in hosts]
    out: dict[str, tuple[str, ...]] = {}
    for scope in scopes:
        ids = await hub.read(scope.team_id, partial(_channels, scope=scope))
        if channel_ids is not None:
            ids = [i for i in ids if i in channel_ids]
        out[scope.team_id] = tuple(sorted(ids))
    return out


def _channels(tx: Tx, *, scope: Scope) -> list[str]:
    return tx.channels_in_scope(scope)


async def _shown(hub: Hub, who: Identity, found: list[tuple[FileHit, str]]) -> list[FileMatch]:
    """The page's files, each checked again by file_access's own rule, with where who sees
    them shared."""
    by_team: dict[str, list[FileHit]] = {}
    for hit, team in found:
        by_team.setdefault(team, []).append(hit)
    looked: dict[tuple[str, str], Looked] = {}
    for team, hits in by_team.items():

        def read(tx: Tx, team: str = team, hits: list[FileHit] = hits) -> list[Looked]:
            return [look(tx, who, team, hit.file_id) for hit in hits]

        for hit, one in zip(hits, await hub.read(team, read), strict=True):
            looked[(team, hit.file_id)] = one
    out = []
    for hit, team in found:
        one = looked[(team, hit.file_id)]
        if one.file is None or one.file.state != READY:
            continue  # deleted since the search's read
        where = await seen(hub, who, one)
        if not may_see(who, one.file, where):
            log.error("search_scope_disagrees", team=team, file=hit.file_id)
            continue
        out.append(FileMatch(one.file, where, hit.score))
    return out
