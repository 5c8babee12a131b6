"""Searching files on one shard (docs/search.md, Files): the ready files of one workspace whose
folded name and title (files.search_body) match the query, among those the searcher may read,
ranked as messages are (store/queries/search_statements.py, whose text tests and score this reuses).

Who may read a file is the rule of services/file_access.py: its uploader, and whoever sees a
conversation it is shared in. A file's rows and its shares are on its uploader's workspace's
shard, but whether a conversation is seen is decided on its host's shard, so the caller reads
the channels the searcher sees on each host first (SearchQueries.channels_in_scope) and hands
them here; services/search_files.py checks each result with file_access again.

Files are far fewer than messages: SQLite looks at the workspace's ready files newest first
with instr() on each (no FTS5 table), PostgreSQL answers terms of three characters or more from
a pg_trgm index on search_body (migration 0018).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, func, literal_column, or_, select

from hubbub.domain.files import READY
from hubbub.domain.search_query import SearchQuery
from hubbub.store.queries.base import TxBase
from hubbub.store.queries.search_statements import Page, custom_plan, score, text_match
from hubbub.store.tables_files import file_shares, files


@dataclass(frozen=True, slots=True)
class FileScope:
    """Which files of one workspace a search may find."""

    team_id: str  # the files' workspace (their uploaders')
    # The searcher, when team_id is their own workspace: the files they uploaded are theirs to
    # find wherever (if anywhere) they are shared. None otherwise, or when `in:` narrows.
    uploader: str | None
    # Host workspace -> the conversations there the searcher may read (narrowed by `in:`): a
    # file shared in one of them may be found.
    channels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    author_ids: tuple[str, ...] | None = None  # from:…: only these uploaders


@dataclass(frozen=True, slots=True)
class FileHit:
    file_id: str
    created: int
    score: float


@dataclass(frozen=True, slots=True)
class FilesFound:
    total: int
    hits: list[FileHit]


class SearchFileQueries(TxBase):
    def search_files(self, scope: FileScope, query: SearchQuery, page: Page) -> FilesFound:
        if query.impossible or scope.author_ids == ():
            return FilesFound(0, [])
        if scope.uploader is None and not any(scope.channels.values()):
            return FilesFound(0, [])
        dialect = self.conn.dialect.name
        if dialect == "postgresql":
            custom_plan(self.conn)
        stmt, params = _statement(dialect, scope, query, page)
        rows = self.conn.execute(stmt, params).all()
        total = int(rows[0].total) if rows else 0
        if not rows and page.offset:
            stmt, params = _statement(dialect, scope, query, page, count=True)
            total = int(self.conn.execute(stmt, params).scalar() or 0)
        return FilesFound(total, [FileHit(r.file_id, int(r.created), float(r.score)) for r in rows])


def _statement(
    dialect: str, scope: FileScope, query: SearchQuery, page: Page, *, count: bool = False
) -> tuple[Any, dict[str, Any]]:
    """One statement: the newest `window` matching files in scope, ranked, one page of them
    with their count. Its text depends on the query's shape and the number of hosts only."""
    params: dict[str, Any] = {
        "team_id": scope.team_id,
        "ready": READY,
        "latest_s": int(page.latest_ts.partition(".")[0]),
        "window": page.window,
    }
    f = files.alias("f")
    where: list[ColumnElement[bool]] = [
        f.c.team_id == bindparam("team_id"),
        f.c.state == bindparam("ready"),
        f.c.search_body.is_not(None),
        f.c.created <= bindparam("latest_s"),
        _readable(f, scope, params),
    ]
    if scope.author_ids is not None:
        params["author_ids"] = list(scope.author_ids)
        where.append(f.c.user_id.in_(bindparam("author_ids", expanding=True)))
    if query.filetypes:
        params["filetypes"] = list(query.filetypes)
        where.append(f.c.filetype.in_(bindparam("filetypes", expanding=True)))
    if query.after_us is not None:
        params["after_s"] = -(-query.after_us // 1_000_000)  # from the first whole second on
        where.append(f.c.created >= bindparam("after_s"))
    if query.before_us is not None:
        params["before_s"] = -(-query.before_us // 1_000_000)
        where.append(f.c.created < bindparam("before_s"))
    body = f.c.search_body.label("body")
    # The text as the messages' (instr() on SQLite, LIKE on PostgreSQL, which its trigram index
    # on search_body answers for three characters or more).
    matched = select(f.c.file_id, f.c.created, body).where(*where).subquery("f2")
    inner = (
        select(matched.c.file_id, matched.c.created, matched.c.body)
        .where(*text_match(dialect, matched, query, params, indexed=True))
        .order_by(matched.c.created.desc(), matched.c.file_id.desc())
        .limit(bindparam("window"))
    )
    w = inner.subquery("w")
    if count:
        return select(func.count()).select_from(w), params
    ranking = score(w, query, params, page, seconds=w.c.created)
    params.update(limit=page.limit, offset=page.offset)
    ranked = select(
        w.c.file_id, w.c.created, ranking.label("score"), func.count().over().label("total")
    )
    if page.by_time:
        # Files are dated to the second: ties go by id, either way, so one order is the
        # other reversed.
        if page.ascending:
            ranked = ranked.order_by(w.c.created.asc(), w.c.file_id.asc())
        else:
            ranked = ranked.order_by(w.c.created.desc(), w.c.file_id.desc())
    else:
        ranked = ranked.order_by(literal_column("score").desc(), w.c.created.desc(), w.c.file_id)
    return ranked.limit(bindparam("limit")).offset(bindparam("offset")), params


def _readable(f: Any, scope: FileScope, params: dict[str, Any]) -> ColumnElement[bool]:
    """Uploaded by the searcher (in their own workspace), or shared in a conversation they
    may read: the SQL twin of services/file_access.py's rule."""
    s = file_shares.c
    shared_in: list[ColumnElement[bool]] = []
    for n, (host, channel_ids) in enumerate(sorted(scope.channels.items())):
        if not channel_ids:
            continue
        params[f"host{n}"], params[f"in{n}"] = host, list(channel_ids)
        shared_in.append(
            and_(
                s.channel_team_id == bindparam(f"host{n}"),
                s.channel_id.in_(bindparam(f"in{n}", expanding=True)),
            )
        )
    either: list[ColumnElement[bool]] = []
    if shared_in:
        # The workspace's files shared in those conversations, read once (not correlated):
        # as EXISTS per file, SQLite walked ix_file_shares_channel, every share of every
        # conversation in scope, for each file (5 s at 100,000 files in 50 channels).
        shared = select(s.file_id).where(s.team_id == bindparam("team_id"), or_(*shared_in))
        either.append(f.c.file_id.in_(shared))
    if scope.uploader is not None:
        params["uploader"] = scope.uploader
        either.append(f.c.user_id == bindparam("uploader"))
    found: ColumnElement[bool] = or_(*either)
    return found
