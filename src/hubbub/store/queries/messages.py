"""Messages, threads and pages of history."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

import orjson
from sqlalchemy import bindparam, delete, func, insert, select, update

from hubbub.domain.model import Message, Reaction
from hubbub.domain.search_text import searchable
from hubbub.domain.slack_export import ExportMessage
from hubbub.store.prepared import PositionalInsert, Prepared, insert_all
from hubbub.store.queries.search_index import DOC_COLUMNS, DocRow, SearchIndexQueries, doc_row
from hubbub.store.rows import dumps, key, message_row
from hubbub.store.tables import messages, pins, reactions, search_docs


def _page(thread: bool, inclusive: bool, bounded: bool, forward: bool = False) -> Prepared:
    """History (newest first, or oldest first when `forward`: the page nearest `oldest`) or a
    thread (oldest first) between ts bounds."""
    c = messages.c
    query = select(messages).where(
        key(messages, "team_id", "channel_id"),
        c.thread_ts == bindparam("thread_ts") if thread else c.in_channel.is_(True),
        c.ts >= bindparam("oldest") if inclusive else c.ts > bindparam("oldest"),
    )
    if bounded:
        query = query.where(
            c.ts <= bindparam("latest") if inclusive else c.ts < bindparam("latest")
        )
    order = c.ts if thread or forward else c.ts.desc()
    return Prepared(query.order_by(order).limit(bindparam("limit")))


_INSERT_MESSAGE = insert_all(messages)
_INSERT_MESSAGE_INDEXED = Prepared(
    insert(search_docs)
    .values({name: bindparam(name) for name in DOC_COLUMNS})
    .add_cte(insert(messages).values({c.name: bindparam(c.name) for c in messages.c}).cte("m"))
)
# An imported message's row: every column of messages in this order, seq last.
_HISTORY_COLUMNS = (
    "team_id",
    "channel_id",
    "ts",
    "user_id",
    "bot_id",
    "subtype",
    "text",
    "blocks",
    "attachments",
    "extra",
    "thread_ts",
    "in_channel",
    "reply_count",
    "reply_users",
    "latest_reply",
    "edited_ts",
    "edited_by",
    "client_msg_id",
    "seq",
)
_INSERT_HISTORY = PositionalInsert(messages, _HISTORY_COLUMNS)
# A message's row for insert_history (all of _HISTORY_COLUMNS but seq, which the unit of work
# takes), and its row of the index (None: not searchable).
HistoryRow = tuple[tuple[Any, ...], DocRow | None]


def history_row(
    team_id: str,
    channel_id: str,
    m: ExportMessage,
    extra: dict[str, Any],
    *,
    in_channel: bool,
    is_parent: bool,
) -> HistoryRow:
    """What insert_history writes of an export's message (domain/slack_export.py), stored with
    this extra; a thread's counters only if it is a parent. Pure, so an import builds its rows
    while the batch before commits, and the writer's thread is left the SQL. Straight from the
    export's record: a Message (a frozen dataclass) per message was a fifth of the reading
    thread's time."""
    row = (
        team_id,
        channel_id,
        m.ts,
        m.user_id,
        m.bot_id,
        m.subtype,
        m.text,
        dumps(m.blocks),
        dumps(m.attachments),
        dumps(extra) if extra else None,
        m.thread_ts,
        in_channel,
        m.reply_count if is_parent else 0,
        orjson.dumps(list(m.reply_users)).decode() if is_parent and m.reply_users else "[]",
        m.latest_reply if is_parent else None,
        m.edited[0] if m.edited else None,
        m.edited[1] if m.edited else None,
        m.client_msg_id,
    )
    index = (
        doc_row(team_id, channel_id, m.ts, m.user_id, m.text, m.blocks, m.attachments)
        if searchable(m.subtype)
        else None
    )
    return row, index


_GET_MESSAGE = Prepared(select(messages).where(key(messages, "team_id", "channel_id", "ts")))
_BY_CLIENT_ID = Prepared(
    select(messages).where(key(messages, "team_id", "user_id", "client_msg_id"))
)
_PAGES = {
    (thread, inclusive, bounded): _page(thread, inclusive, bounded)
    for thread in (False, True)
    for inclusive in (False, True)
    for bounded in (False, True)
}
_FORWARD_PAGES = {inclusive: _page(False, inclusive, False, True) for inclusive in (False, True)}
_REACTIONS_IN_RANGE = Prepared(
    select(reactions.c.ts, reactions.c.name, reactions.c.user_id)
    .where(
        key(reactions, "team_id", "channel_id"),
        reactions.c.ts.between(bindparam("lo"), bindparam("hi")),
    )
    .order_by(reactions.c.created, reactions.c.name)
)
_PINS_IN_RANGE = Prepared(
    select(pins.c.ts).where(
        key(pins, "team_id", "channel_id"), pins.c.ts.between(bindparam("lo"), bindparam("hi"))
    )
)


class MessageQueries(SearchIndexQueries):
    """Every write of a message also writes its row of the search index, in the same
    transaction (store/queries/search_index.py)."""

    def insert_message(self, msg: Message, seq: int, in_channel: bool) -> None:
        """The message's row and its row of the index: on PostgreSQL in one statement, one
        round trip fewer a post (docs/search.md, "Posting")."""
        doc = self.doc_for(
            msg.team_id,
            msg.channel_id,
            msg.ts,
            msg.user_id,
            msg.subtype,
            msg.text,
            msg.blocks,
            msg.attachments,
        )
        row = {
            "team_id": msg.team_id,
            "channel_id": msg.channel_id,
            "ts": msg.ts,
            "user_id": msg.user_id,
            "bot_id": msg.bot_id,
            "subtype": msg.subtype,
            "text": msg.text,
            "blocks": dumps(msg.blocks),
            "attachments": dumps(msg.attachments),
            "extra": dumps(msg.extra) if msg.extra else None,
            "thread_ts": msg.thread_ts,
            "in_channel": in_channel,
            "reply_count": 0,
            "reply_users": "[]",
            "latest_reply": None,
            "edited_ts": None,
            "edited_by": None,
            "client_msg_id": msg.client_msg_id,
            "seq": seq,
        }
        if doc is not None and self.conn.dialect.name == "postgresql":
            # The columns both tables have are the same values: one parameter each.
            self.run.execute(_INSERT_MESSAGE_INDEXED, row | doc)
            return
        self.run.execute(_INSERT_MESSAGE, row)
        if doc is not None:
            self.write_doc(doc)

    def insert_history(self, batches: Sequence[tuple[Sequence[HistoryRow], int]]) -> None:
        """Many messages at once (a commit of an import's history:
        services/slack_import_tx.py), as history_row built them: batches of a conversation's
        rows, each with the seq of its first (the others follow), and their rows of the index,
        in one statement for all (index_docs: on SQLite, one segment of search_fts)."""
        rows = [
            (*row, first_seq + n) for day, first_seq in batches for n, (row, _) in enumerate(day)
        ]
        if not rows:
            return
        self.run.insert_rows(_INSERT_HISTORY, rows)
        self.index_docs([index for day, _ in batches for _, index in day if index is not None])

    def get_message(self, team_id: str, channel_id: str, ts: str) -> Message | None:
        row = self.run.first(_GET_MESSAGE, {"team_id": team_id, "channel_id": channel_id, "ts": ts})
        return message_row(row) if row else None

    def get_messages(
        self, team_id: str, keys: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], Message]:
        """The workspace's messages at these (channel, ts), in one statement (a page of search
        results: one query each cost PostgreSQL a round trip per result)."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        c = messages.c
        # Each column IN its own list, so both stores look each pair up in the message key's
        # index; SQLite scanned the workspace's messages for `(channel_id, ts) IN (VALUES ...)`
        # (200 ms a search at 1M messages). The lists' other pairs are dropped here.
        rows = self.conn.execute(
            select(messages).where(
                c.team_id == team_id,
                c.channel_id.in_(sorted({channel for channel, _ in wanted})),
                c.ts.in_(sorted({ts for _, ts in wanted})),
            )
        )
        asked = set(wanted)
        found = (message_row(row) for row in rows)
        return {(m.channel_id, m.ts): m for m in found if (m.channel_id, m.ts) in asked}

    def message_by_client_id(
        self, team_id: str, user_id: str, client_msg_id: str
    ) -> Message | None:
        row = self.run.first(
            _BY_CLIENT_ID,
            {"team_id": team_id, "user_id": user_id, "client_msg_id": client_msg_id},
        )
        return message_row(row) if row else None

    def update_message(self, team_id: str, channel_id: str, ts: str, **values: Any) -> None:
        self.reindex_message(team_id, channel_id, ts, values)
        for column in ("blocks", "attachments", "extra"):
            if column in values:
                values[column] = dumps(values[column])
        if "reply_users" in values:
            values["reply_users"] = orjson.dumps(list(values["reply_users"])).decode()
        self.conn.execute(
            update(messages)
            .where(
                messages.c.team_id == team_id,
                messages.c.channel_id == channel_id,
                messages.c.ts == ts,
            )
            .values(**values)
        )

    def delete_message(self, team_id: str, channel_id: str, ts: str) -> None:
        self.unindex_message(team_id, channel_id, ts)
        for table in (reactions, pins, messages):
            self.conn.execute(
                delete(table).where(
                    table.c.team_id == team_id,
                    table.c.channel_id == channel_id,
                    table.c.ts == ts,
                )
            )

    def delete_marks(self, team_id: str, channel_id: str, ts: str) -> None:
        """Drops a message's reactions and pins, as when it becomes a tombstone."""
        for table in (reactions, pins):
            self.conn.execute(
                delete(table).where(
                    table.c.team_id == team_id,
                    table.c.channel_id == channel_id,
                    table.c.ts == ts,
                )
            )

    def thread_summary(
        self, team_id: str, channel_id: str, thread_ts: str
    ) -> tuple[int, list[str], str | None]:
        """A thread's reply count, its repliers by first reply, and its latest reply's ts."""
        c = messages.c
        rows = self.conn.execute(
            select(c.user_id, func.count().label("n"), func.max(c.ts).label("last"))
            .where(
                c.team_id == team_id,
                c.channel_id == channel_id,
                c.thread_ts == thread_ts,
                c.ts != thread_ts,
            )
            .group_by(c.user_id)
            .order_by(func.min(c.ts))
        ).all()
        latest = max((r.last for r in rows), default=None)
        return sum(int(r.n) for r in rows), [r.user_id for r in rows], latest

    def history(
        self,
        team_id: str,
        channel_id: str,
        *,
        oldest: str,
        latest: str | None,
        inclusive: bool,
        limit: int,
        forward: bool = False,
    ) -> list[Message]:
        """Channel-level messages between the bounds, newest first; or, `forward` (no
        `latest`), the ones nearest `oldest`, oldest first."""
        query = (
            _FORWARD_PAGES[inclusive] if forward else _PAGES[(False, inclusive, latest is not None)]
        )
        params = {
            "team_id": team_id,
            "channel_id": channel_id,
            "oldest": oldest,
            "latest": latest,
            "limit": limit,
        }
        return self._hydrate([message_row(r) for r in self.run.rows(query, params)])

    def replies(
        self,
        team_id: str,
        channel_id: str,
        thread_ts: str,
        *,
        oldest: str,
        latest: str | None,
        inclusive: bool,
        limit: int,
    ) -> list[Message]:
        """A thread's parent and replies between the bounds, oldest first."""
        query = _PAGES[(True, inclusive, latest is not None)]
        params = {
            "team_id": team_id,
            "channel_id": channel_id,
            "thread_ts": thread_ts,
            "oldest": oldest,
            "latest": latest,
            "limit": limit,
        }
        return self._hydrate([message_row(r) for r in self.run.rows(query, params)])

    def hydrate(self, msgs: Sequence[Message]) -> list[Message]:
        return self._hydrate(list(msgs))

    def _hydrate(self, msgs: list[Message]) -> list[Message]:
        """Attaches reactions and pins to a page of messages of one channel."""
        if not msgs:
            return msgs
        team_id, channel_id = msgs[0].team_id, msgs[0].channel_id
        # A page is a ts range of one channel: one range scan instead of a long IN list.
        params = {
            "team_id": team_id,
            "channel_id": channel_id,
            "lo": min(m.ts for m in msgs),
            "hi": max(m.ts for m in msgs),
        }
        found: dict[str, dict[str, list[str]]] = {}
        for r in self.run.rows(_REACTIONS_IN_RANGE, params):
            found.setdefault(r.ts, {}).setdefault(r.name, []).append(r.user_id)
        pinned = {r.ts for r in self.run.rows(_PINS_IN_RANGE, params)}
        if not found and not pinned:
            return msgs
        out = []
        for m in msgs:
            rs = tuple(Reaction(n, tuple(u)) for n, u in found.get(m.ts, {}).items())
            pin = (channel_id,) if m.ts in pinned else ()
            out.append(replace(m, reactions=rs, pinned_to=pin))
        return out
