"""The search index's writes: a message's row in search_docs follows the message in the same
transaction (docs/search.md). On SQLite each write of search_docs is followed here by the same
write of the FTS5 table over it (search_fts, migration 0015); on PostgreSQL the GIN index is
PostgreSQL's own.

Not by triggers (as 0015 had; 0017 drops them), and not at once: FTS5 writes its pending terms
out as a new segment whenever a statement transaction begins or ends after it was written (its
xSavepoint and xRelease), and SQLite opens one for an INSERT that fires a trigger, and for an
UPDATE or INSERT with RETURNING (the channel's next position, the outbox), which every post
runs. So every message became a segment of its own, merged again and again. The writes of
search_fts wait in the order they were asked for (`fts_pending`) and are made together just
before the commit (`write_fts`, called by store/sqlite.py): one segment per transaction
(docs/search.md, "Posting")."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Integer,
    MetaData,
    Table,
    Text,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
    tuple_,
    update,
)

from hubbub.domain.files import DELETED
from hubbub.domain.search_blocks import searchable_text
from hubbub.domain.search_text import (
    boundary_hashes,
    file_body,
    fold,
    has_link,
    key_text,
    searchable,
)
from hubbub.store.prepared import PositionalInsert, Prepared, Runner
from hubbub.store.queries.base import TxBase
from hubbub.store.rows import key, loads
from hubbub.store.tables import messages, search_docs
from hubbub.store.tables_files import files

# A row of the index: team_id, channel_id, ts, user_id, has_link, body (DOC_COLUMNS but the last).
DocRow = tuple[str, str, str, str, bool, str]

_KEY = key(search_docs, "team_id", "channel_id", "ts")
# boundary_keys: PostgreSQL's keys of the body (domain/search_text.py boundary_hashes), which
# its GIN index answers phrases from; None on SQLite, whose keys are in search_keys.
DOC_COLUMNS = ("team_id", "channel_id", "ts", "user_id", "has_link", "body", "boundary_keys")
_INSERT = Prepared(insert(search_docs).values({name: bindparam(name) for name in DOC_COLUMNS}))
_UPDATE = Prepared(
    update(search_docs)
    .where(_KEY)
    .values(
        body=bindparam("body"),
        has_link=bindparam("has_link_value"),
        boundary_keys=bindparam("boundary_keys"),
    )
)
_DELETE = Prepared(delete(search_docs).where(_KEY))
_FILE_BODY = Prepared(
    update(files)
    .where(files.c.team_id == bindparam("t"), files.c.file_id == bindparam("f"))
    .values(search_body=bindparam("body"))
)
# SQLite's FTS5 tables, written beside search_docs (migrations 0015, 0020; not part of the
# declared schema): search_fts of the text's trigrams (external content: a 'delete' names the
# text that was indexed, which search_docs still holds when it is asked), and search_keys of
# its word-boundary keys (contentless: a 'delete' names the keys again, made from that text;
# domain/search_text.py key_text, docs/search.md "Phrases"). Written by insert_rows, as few
# statements as it can: an executemany takes the GIL back for every row.
search_fts = Table("search_fts", MetaData(), Column("rowid", Integer), Column("body", Text))
search_keys = Table("search_keys", MetaData(), Column("rowid", Integer), Column("keys", Text))
# SQLite's map from a workspace's days (UTC, of the message's ts) to the first and last id of
# search_docs written for them (migration 0035), which bounds a dated search's ids. Written at
# each commit for the rows it added (mark_days): the one writer's ids grow in commit order,
# so the rows a batch added are those from its first new id on. NOT INDEXED: left to itself,
# SQLite grouped by reading all of uq_search_docs_message, every commit (a post cost 2.9 ms of
# CPU at 1M messages against 0.32 without the index; the rowid range is the batch's rows).
search_days = Table(
    "search_days",
    MetaData(),
    Column("team_id", Text),
    Column("day", Integer),
    Column("first_id", Integer),
    Column("last_id", Integer),
)
DAY_S = 86_400
MARK_DAYS = text(
    "INSERT INTO search_days (team_id, day, first_id, last_id)"
    f" SELECT team_id, CAST(substr(ts, 1, 10) AS INTEGER) / {DAY_S}, min(id), max(id)"
    " FROM search_docs NOT INDEXED WHERE id >= :first AND team_id = :team_id GROUP BY 1, 2"
    " ON CONFLICT (team_id, day) DO UPDATE SET first_id = min(first_id, excluded.first_id),"
    " last_id = max(last_id, excluded.last_id)"
)
_FTS_ROWS = PositionalInsert(search_fts, ("rowid", "body"))
_FTS_DELETES = PositionalInsert(search_fts, ("search_fts", "rowid", "body"))
_KEY_ROWS = PositionalInsert(search_keys, ("rowid", "keys"))
_KEY_DELETES = PositionalInsert(search_keys, ("search_keys", "rowid", "keys"))
_INDEXED = Prepared(
    select(search_docs.c.id, search_docs.c.body, search_docs.c.has_link).where(_KEY)
)
# What an edit that names only some of a message's words leaves as they were.
_CONTENT = Prepared(
    select(messages.c.text, messages.c.blocks, messages.c.attachments).where(
        key(messages, "team_id", "channel_id", "ts")
    )
)
_WORDS = ("text", "blocks", "attachments")
_FTS_DELETE_TEAM = text(
    "INSERT INTO search_fts(search_fts, rowid, body)"
    " SELECT 'delete', id, body FROM search_docs WHERE team_id = :team_id"
)
_FTS_INSERT_AFTER = text(
    "INSERT INTO search_fts(rowid, body) SELECT id, body FROM search_docs WHERE id > :after"
)
_TEAM_DOCS = select(search_docs.c.id, search_docs.c.body).where(
    search_docs.c.team_id == bindparam("team_id")
)
_DOCS_AFTER = select(search_docs.c.id, search_docs.c.body).where(
    search_docs.c.id > bindparam("after")
)
_KEYS_PAGE = 5000  # rows read back at a time for their keys
# Many rows at once (a rebuild's page, an import's batch), bound by position. A rebuild runs
# beside posts that index themselves: a message already there is left be.
_INSERT_DOCS = PositionalInsert(search_docs, DOC_COLUMNS, or_nothing=True)


_FILL_PAGE = 5000
# A page of rows in one statement: each row's keys as the text of an int4[].
_FILL = text(
    "UPDATE search_docs AS d SET boundary_keys = CAST(v.keys AS int4[])"
    " FROM unnest(CAST(:ids AS bigint[]), CAST(:keys AS text[])) AS v(id, keys)"
    " WHERE d.id = v.id"
)


def fill_boundary_keys(conn: Connection) -> None:
    """PostgreSQL: every row's boundary_keys made again from its body, a page of rows at a time
    by id, so a large store is never read into memory at once (migrations 0025 and 0031)."""
    after = 0
    while True:
        rows = conn.execute(
            text("SELECT id, body FROM search_docs WHERE id > :after ORDER BY id LIMIT :n"),
            {"after": after, "n": _FILL_PAGE},
        ).all()
        if not rows:
            return
        after = rows[-1].id
        keys = ["{" + ",".join(map(str, boundary_hashes(r.body))) + "}" for r in rows]
        conn.execute(_FILL, {"ids": [r.id for r in rows], "keys": keys})


def fts_pending(conn: Connection) -> list[tuple[str, int, str]]:
    """SQLite: the writes of search_fts this transaction has yet to make, in order: ("insert"
    or "delete", the row's id, its text)."""
    pending: list[tuple[str, int, str]] = conn.info.setdefault("search_fts", [])
    return pending


def forget_new_docs(conn: Connection) -> None:
    """SQLite: a batch begins (or failed): no row of search_docs added yet."""
    conn.info.pop("search_days", None)


def _added_doc(conn: Connection, team_id: str, id_: int) -> None:
    """Notes the first row of search_docs the batch added for the workspace, from which
    mark_days reads."""
    conn.info.setdefault("search_days", {}).setdefault(team_id, id_)


def mark_days(conn: Connection) -> None:
    """SQLite: search_days takes the days of the rows the batch added (called once, just
    before its commit), one statement per workspace, bound to it as every statement is."""
    firsts: dict[str, int] = conn.info.pop("search_days", {})
    for team_id, first in firsts.items():
        conn.execute(MARK_DAYS, {"first": first, "team_id": team_id})


def write_fts(run: Runner, pending: list[tuple[str, int, str]]) -> None:
    """Makes the pending writes of search_fts and search_keys, in their order, and forgets
    them."""
    for kind, group in itertools.groupby(pending, key=lambda op: op[0]):
        ops = [(id_, body) for _, id_, body in group]
        if kind == "insert":
            run.insert_rows(_FTS_ROWS, ops)
        else:
            run.insert_rows(_FTS_DELETES, [(kind, id_, body) for id_, body in ops])
        _write_keys(run, kind, ops)
    pending.clear()


def _write_keys(run: Runner, kind: str, ops: Sequence[tuple[int, str]]) -> None:
    """The same writes of search_keys: a text without a key has no row there."""
    keyed = [(id_, keys) for id_, body in ops if (keys := key_text(body))]
    if kind == "insert":
        run.insert_rows(_KEY_ROWS, keyed)
    else:
        run.insert_rows(_KEY_DELETES, [(kind, id_, keys) for id_, keys in keyed])


def _write_keys_of(
    conn: Connection, run: Runner, kind: str, rows: Any, params: dict[str, Any]
) -> None:
    """search_keys' writes for the rows of search_docs a query reads, a page at a time."""
    result = conn.execute(rows, params)
    while page := result.fetchmany(_KEYS_PAGE):
        _write_keys(run, kind, [(int(r.id), r.body) for r in page])


def doc_row(
    team_id: str,
    channel_id: str,
    ts: str,
    user_id: str,
    text: str,
    blocks: Any = None,
    attachments: Any = None,
) -> DocRow:
    """A message's row of the index as index_docs takes it (DOC_COLUMNS' order, but its keys):
    its text and the words of its blocks and attachments (domain/search_blocks.py). Pure: an
    import builds its rows before the unit of work that writes them."""
    words = searchable_text(text, blocks, attachments)
    return (team_id, channel_id, ts, user_id, has_link(words), fold(words))


# A message to index: (channel, ts, user, subtype, text, blocks, attachments).
Indexed = tuple[str, str, str, str | None, str, Any, Any]


class SearchIndexQueries(TxBase):
    def doc_for(
        self,
        team_id: str,
        channel_id: str,
        ts: str,
        user_id: str,
        subtype: str | None,
        text: str,
        blocks: Any = None,
        attachments: Any = None,
    ) -> dict[str, Any] | None:
        """A new message's row of the index, by DOC_COLUMNS' names, or None for one the system
        wrote."""
        if not searchable(subtype):
            return None
        row = doc_row(team_id, channel_id, ts, user_id, text, blocks, attachments)
        return dict(zip(DOC_COLUMNS, self._keyed(row), strict=True))

    def write_doc(self, doc: dict[str, Any]) -> None:
        """Writes doc_for's row (and on SQLite queues its FTS5 writes for the commit)."""
        cur = self.run.execute(_INSERT, doc)
        if self._fts:
            fts_pending(self.conn).append(("insert", int(cur.lastrowid), doc["body"]))
            _added_doc(self.conn, doc["team_id"], int(cur.lastrowid))

    @property
    def _fts(self) -> bool:
        """SQLite: search_fts is written beside search_docs."""
        return bool(self.conn.dialect.name == "sqlite")

    def _keyed(self, row: DocRow) -> tuple[Any, ...]:
        """The row with its boundary keys, as DOC_COLUMNS (PostgreSQL's; None on SQLite)."""
        return (*row, self._hashes(row[5]))

    def _hashes(self, body: str) -> list[int] | None:
        """The boundary_keys column of a body: its keys on PostgreSQL, None on SQLite."""
        return None if self._fts else boundary_hashes(body)

    def reindex_message(
        self, team_id: str, channel_id: str, ts: str, values: dict[str, Any]
    ) -> None:
        """A message changed with these column values (asked before the message's row is
        written): new words replace the old in the index; a message that became unsearchable
        (a deleted parent's tombstone) leaves it."""
        if "subtype" in values and not searchable(values["subtype"]):
            self.unindex_message(team_id, channel_id, ts)
            return
        if not any(name in values for name in _WORDS):
            return
        where = {"team_id": team_id, "channel_id": channel_id, "ts": ts}
        indexed = self.run.first(_INDEXED, where)
        if indexed is None:
            return  # never indexed (the system's message)
        content = dict(values)
        if not all(name in values for name in _WORDS):
            # A link preview adds attachments alone: the text and blocks are the row's.
            stored = self.run.first(_CONTENT, where)
            if stored is None:
                return
            content = {
                "text": stored.text,
                "blocks": loads(stored.blocks),
                "attachments": loads(stored.attachments),
            } | {name: values[name] for name in _WORDS if name in values}
        words = searchable_text(content["text"], content["blocks"], content["attachments"])
        body, link = fold(words), has_link(words)
        if body == indexed.body and link == bool(indexed.has_link):
            return  # the same words (a link preview added, an edit of nothing indexed)
        changed = {"body": body, "has_link_value": link, "boundary_keys": self._hashes(body)}
        self.run.execute(_UPDATE, where | changed)
        if self._fts:
            pending = fts_pending(self.conn)
            pending.append(("delete", int(indexed.id), indexed.body))
            pending.append(("insert", int(indexed.id), body))

    def unindex_message(self, team_id: str, channel_id: str, ts: str) -> None:
        where = {"team_id": team_id, "channel_id": channel_id, "ts": ts}
        self._unindex_fts(where)
        self.run.execute(_DELETE, where)

    def _unindex_fts(self, where: dict[str, str]) -> int | None:
        """SQLite: takes the message's text out of search_fts; its id in search_docs."""
        if not self._fts:
            return None
        row = self.run.first(_INDEXED, where)
        if row is None:
            return None
        fts_pending(self.conn).append(("delete", int(row.id), row.body))
        return int(row.id)

    # -- rebuilding (hubbub admin reindex) -----------------------------------------------------

    def unindex_team(self, team_id: str) -> int:
        """Drops a workspace's whole index; how many rows it had."""
        if self._fts:
            write_fts(self.run, fts_pending(self.conn))  # what is asked next reads search_fts
            _write_keys_of(self.conn, self.run, "delete", _TEAM_DOCS, {"team_id": team_id})
            self.conn.execute(_FTS_DELETE_TEAM, {"team_id": team_id})
            self.conn.execute(delete(search_days).where(search_days.c.team_id == team_id))
        result = self.conn.execute(delete(search_docs).where(search_docs.c.team_id == team_id))
        return int(result.rowcount or 0)

    def count_messages(self, team_id: str) -> int:
        value = self.conn.execute(
            select(func.count()).where(messages.c.team_id == team_id)
        ).scalar()
        return int(value or 0)

    def count_indexed(self, team_id: str) -> int:
        value = self.conn.execute(
            select(func.count()).where(search_docs.c.team_id == team_id)
        ).scalar()
        return int(value or 0)

    def index_page(
        self, team_id: str, after: tuple[str, str] | None, limit: int
    ) -> tuple[int, tuple[str, str] | None]:
        """Indexes up to `limit` of the workspace's messages after the key (ts, channel), oldest
        first, so that ids follow time; returns how many it read and the key to go on from
        (None: done)."""
        c = messages.c
        page = (
            select(c.channel_id, c.ts, c.user_id, c.subtype, c.text, c.blocks, c.attachments)
            .where(c.team_id == team_id)
            .order_by(c.ts, c.channel_id)
            .limit(limit)
        )
        if after is not None:
            page = page.where(tuple_(c.ts, c.channel_id) > tuple_(*after))
        rows = self.conn.execute(page).fetchall()
        self.index_rows(
            team_id,
            (
                (r.channel_id, r.ts, r.user_id, r.subtype, r.text, loads(r.blocks),
                 loads(r.attachments))
                for r in rows
            ),
        )  # fmt: skip
        if len(rows) < limit:
            return len(rows), None
        return len(rows), (rows[-1].ts, rows[-1].channel_id)

    def index_rows(self, team_id: str, rows: Iterable[Indexed]) -> None:
        """Indexes many messages at once."""
        self.index_docs(
            [
                doc_row(team_id, channel_id, ts, user_id, text, blocks, attachments)
                for channel_id, ts, user_id, subtype, text, blocks, attachments in rows
                if searchable(subtype)
            ]
        )

    def index_docs(self, docs: Sequence[DocRow]) -> None:
        """Writes many rows of the index (doc_row's), each unless its message has one."""
        if not docs:
            return
        after = self.conn.execute(select(func.max(search_docs.c.id))).scalar() or 0
        self.run.insert_rows(_INSERT_DOCS, [self._keyed(row) for row in docs])
        if self._fts:
            write_fts(self.run, fts_pending(self.conn))
            # The rows this page added (one writer: ids only grow), not those already there.
            self.conn.execute(_FTS_INSERT_AFTER, {"after": after})
            _write_keys_of(self.conn, self.run, "insert", _DOCS_AFTER, {"after": after})
            for team_id in {row[0] for row in docs}:
                _added_doc(self.conn, team_id, after + 1)

    def index_files_page(
        self, team_id: str, after: str | None, limit: int
    ) -> tuple[int, str | None]:
        """Writes again the indexed text of up to `limit` of the workspace's files after the
        id `after` (a file's text is on its own row: files.search_body, docs/search.md); a
        deleted file gets none. Returns how many it read and the id to go on from (None: done)."""
        c = files.c
        page = select(c.file_id, c.name, c.title, c.state).where(c.team_id == team_id)
        if after is not None:
            page = page.where(c.file_id > after)
        rows = self.conn.execute(page.order_by(c.file_id).limit(limit)).fetchall()
        if rows:
            self.run.execute_many(
                _FILE_BODY,
                [
                    {
                        "t": team_id,
                        "f": r.file_id,
                        "body": None if r.state == DELETED else file_body(r.name, r.title),
                    }
                    for r in rows
                ],
            )
        if len(rows) < limit:
            return len(rows), None
        return len(rows), rows[-1].file_id

    def count_files(self, team_id: str) -> tuple[int, int]:
        """(files of the workspace, those indexed)."""
        c = files.c
        row = self.conn.execute(
            select(func.count(), func.count(c.search_body)).where(c.team_id == team_id)
        ).one()
        return int(row[0]), int(row[1])
