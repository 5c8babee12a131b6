"""Searching the index on one shard (docs/search.md).

One statement per search (after a count of a modifier's rows, if any): the newest `window`
rows of the index that match the query inside the scope the caller may see, then those ranked
and one page of them returned, with how many there were. Which index leads is chosen first
(`_lead`): a modifier's own rows (`in:`, `from:`, `has:link`) walked newest first when there
are few of them, else the text index for a term of three characters or more, else the newest
rows of the workspace.

Every value from the query is a bound parameter; the SQL depends only on the
query's shape (how many terms, which modifiers), never on its text. Terms reach SQLite's FTS5 as
quoted strings, inside which its syntax (NEAR, OR, NOT, `^`, `col:`, `*`) is plain text, and
PostgreSQL as LIKE patterns with `%`, `_` and `\\` escaped.

The scope is the SQL twin of services/access.py `visible_channel`: on the searcher's own
workspace, its public channels and every conversation they are a member of now; on a host's
shard, the host's channels its record shares with the searcher's workspace, where that
workspace shows them as public or the searcher is a member. services/search.py checks each
result's channel with `visible_channel` again before showing it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Float,
    Integer,
    Text,
    any_,
    bindparam,
    cast,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    union,
)
from sqlalchemy.dialects.postgresql import ARRAY

from hubbub.domain.search_query import TRIGRAM, SearchQuery
from hubbub.domain.search_text import boundary_keys
from hubbub.domain.shares import ACCEPTED
from hubbub.store.queries.base import TxBase
from hubbub.store.queries.search_index import search_fts, search_keys
from hubbub.store.tables import (
    channel_shares,
    channels,
    members,
    messages,
    pins,
    reactions,
    search_docs,
    users,
)

# Rows with no term of three characters or more cannot use a trigram index: at most this many
# of the newest rows in scope are looked at for them (docs/search.md, "short terms").
SHORT_SCAN = 20_000
# A modifier with at most this many rows (in:, from:, has:link) leads: its rows are walked
# newest first and each one's text checked, all of them if need be, which costs less than
# walking every match of a common word to find the few that are its (docs/search.md).
WALK_LIMIT = 30_000
# At most this many trigrams of the terms go to FTS5: each costs a walk of its rows in every
# segment, and instr() checks the terms themselves anyway (docs/search.md).
MAX_GRAMS = 6

_MONTH_S = 30 * 86_400.0
_LIKE_ESCAPE = "\\"


@dataclass(frozen=True, slots=True)
class Scope:
    """Where a search looks on one shard."""

    team_id: str  # whose rows: the searcher's workspace, or the host of channels shared with it
    user_id: str  # the searcher
    guest_of: str | None = None  # the searcher's workspace, when team_id is a host's
    channel_ids: tuple[str, ...] | None = None  # in:…: only these (None: all in scope)
    author_ids: tuple[str, ...] | None = None  # from:…: only these
    # The channels _scope names, already read (PostgreSQL: see search_messages).
    visible: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    channel_id: str
    ts: str
    score: float
    id: int


@dataclass(frozen=True, slots=True)
class Found:
    total: int  # matches in the window (at most its size)
    hits: list[Hit]  # the page asked for, in the order asked for


@dataclass(frozen=True, slots=True)
class Page:
    """Which part of the ranked matches to return."""

    window: int  # how many of the newest matches are ranked
    limit: int
    offset: int
    latest_ts: str  # only messages up to this ts: a cursor's results stay put while more come
    now_s: int  # recency is measured from here
    by_time: bool = False  # sort=timestamp (else score)
    ascending: bool = False


@dataclass(frozen=True, slots=True)
class Plan:
    """Which index leads a search: "text" (FTS5 or the trigram GIN index) or one walked newest
    first ("team", "channel", "user", "link"), and whether the walk stops after `cap` rows."""

    lead: str = "text"
    cap: int | None = None


class SearchQueries(TxBase):
    def search_messages(self, scope: Scope, query: SearchQuery, page: Page) -> Found:
        if query.impossible or scope.channel_ids == () or scope.author_ids == ():
            return Found(0, [])
        if self.conn.dialect.name == "postgresql":
            self._custom_plan()
            # The channels in scope, read first in the same snapshot and given back as one
            # array: PostgreSQL then walks the newest rows and keeps those in the array (hashed),
            # where with the subquery it joined every row of the workspace and sorted them all
            # for the newest few thousand (0.2 s at 200,000 messages; OFFSET 0, a lower
            # random_page_cost and custom plans did not change its mind).
            scope = replace(scope, visible=tuple(self.channels_in_scope(scope)))
        return self._run(scope, query, page, self._lead(scope, query))

    def channels_in_scope(self, scope: Scope) -> list[str]:
        """The channels of scope.team_id the searcher may read (the scope of the module)."""
        params: dict[str, Any] = {"team_id": scope.team_id, "user_id": scope.user_id}
        return [r[0] for r in self.conn.execute(_scope(scope, params), params)]

    def _lead(self, scope: Scope, query: SearchQuery) -> Plan:
        """The modifier with the fewest rows leads if it has at most WALK_LIMIT (a count that
        stops there, from its index alone); else the text index, for a term it can take; else
        the newest SHORT_SCAN rows of the narrowest of them."""
        sizes: dict[str, int] = {}
        for lead, wanted in (
            ("channel", scope.channel_ids is not None),
            ("user", scope.author_ids is not None),
            ("link", query.has_link),
        ):
            if wanted:
                sizes[lead] = self._rows_of(lead, scope)
        narrowest = min(sizes, key=lambda lead: sizes[lead], default=None)
        if narrowest is not None and sizes[narrowest] <= WALK_LIMIT:
            return Plan(narrowest)
        if any(len(t) >= TRIGRAM for t in query.terms):
            return Plan("text")
        return Plan(narrowest or "team", SHORT_SCAN)

    def _rows_of(self, lead: str, scope: Scope) -> int:
        """How many rows of the workspace the modifier keeps, counted up to WALK_LIMIT + 1."""
        d = search_docs.alias("d")
        params: dict[str, Any] = {"team_id": scope.team_id, "cap": WALK_LIMIT + 1}
        where: list[ColumnElement[bool]] = [d.c.team_id == bindparam("team_id")]
        if lead == "channel":
            params["channel_ids"] = list(scope.channel_ids or ())
            where.append(d.c.channel_id.in_(bindparam("channel_ids", expanding=True)))
        elif lead == "user":
            params["author_ids"] = list(scope.author_ids or ())
            where.append(d.c.user_id.in_(bindparam("author_ids", expanding=True)))
        else:
            where.append(_has_link(d))
        rows = select(literal(1)).select_from(d).where(*where).limit(bindparam("cap"))
        counted = select(func.count()).select_from(rows.subquery())
        return int(self.conn.execute(counted, params).scalar() or 0)

    def _run(self, scope: Scope, query: SearchQuery, page: Page, plan: Plan) -> Found:
        dialect = self.conn.dialect.name
        stmt, params = _statement(dialect, scope, query, page, plan=plan)
        rows = self.conn.execute(stmt, params).all()
        total = int(rows[0].total) if rows else 0
        if not rows and page.offset:
            # Past the last page: still say how many there are.
            whole = Page(page.window, page.window, 0, page.latest_ts, page.now_s)
            stmt, params = _statement(dialect, scope, query, whole, count=True, plan=plan)
            total = int(self.conn.execute(stmt, params).scalar() or 0)
        hits = [Hit(r.channel_id, r.ts, float(r.score), int(r.id)) for r in rows]
        return Found(total, hits)

    def _custom_plan(self) -> None:
        custom_plan(self.conn)

    # -- names the query uses ------------------------------------------------------------------

    def user_ids_named(self, team_id: str, names: list[str]) -> list[str]:
        """The people of the workspace with these names (from:@name, in:@name)."""
        if not names:
            return []
        rows = self.conn.execute(
            select(users.c.user_id).where(users.c.team_id == team_id, users.c.name.in_(names))
        )
        return [r.user_id for r in rows]

    def channel_ids_named(self, team_id: str, names: list[str]) -> list[str]:
        """The workspace's own channels with these names (in:#name)."""
        if not names:
            return []
        rows = self.conn.execute(
            select(channels.c.channel_id).where(
                channels.c.team_id == team_id,
                channels.c.name.in_(names),
                channels.c.is_im.is_(False),
                channels.c.is_mpim.is_(False),
            )
        )
        return [r.channel_id for r in rows]


def custom_plan(conn: Connection) -> None:
    """Plans made for this search's own terms (PostgreSQL). psycopg prepares a statement run
    five times, and PostgreSQL may then plan it once for any LIKE pattern: a walk of every row
    newest first, right for a word in half the messages, ~50 times slower than the trigram
    index for one in a few hundred (200 ms against 4 ms at 200,000 messages)."""
    conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")


def _statement(
    dialect: str,
    scope: Scope,
    query: SearchQuery,
    page: Page,
    *,
    count: bool = False,
    plan: Plan | None = None,
) -> tuple[Any, dict[str, Any]]:
    """The search's one statement, led as the plan says (the text index by default, or the
    newest SHORT_SCAN rows when no term is long enough for it)."""
    long_terms = [t for t in query.terms if len(t) >= TRIGRAM]
    if plan is None:
        plan = Plan("text") if long_terms else Plan("team", SHORT_SCAN)
    params: dict[str, Any] = {
        "team_id": scope.team_id,
        "user_id": scope.user_id,
        "latest_ts": page.latest_ts,
        "window": page.window,
    }
    d = search_docs.alias("d")
    # What says where and when to look, and what the message has: all but its text.
    where: list[ColumnElement[bool]] = [
        d.c.team_id == bindparam("team_id"),
        d.c.ts <= bindparam("latest_ts"),
        _in_scope(dialect, d, scope, params),
        *_filters(d, scope, query, params),
    ]
    if plan.lead == "text":
        source: Any = d
        order: Any = d.c.id.desc()
        if dialect == "sqlite":
            keys = list(dict.fromkeys(k for term in long_terms for k in boundary_keys(term)))
            # FTS5 finds the rows holding a phrase's boundary keys (search_keys), or else some
            # trigrams of the terms (search_fts); neither table keeps positions (detail=none,
            # a third of the size and of the cost to post). Each is a quoted string (a `"`
            # inside doubled), so whatever characters it holds are text; instr() then keeps
            # the rows that hold each term itself.
            table, tokens = (search_keys, keys) if keys else (search_fts, _trigrams(long_terms))
            params["match"] = " ".join('"' + t.replace('"', '""') + '"' for t in tokens)
            source = table.join(d, d.c.id == table.c.rowid)
            where.append(literal_column(table.name).op("MATCH")(bindparam("match")))
            order = table.c.rowid.desc()
        where += _text(dialect, d, query.terms, query.excluded, params, indexed=True)
        inner = (
            select(d.c.id, d.c.channel_id, d.c.ts, d.c.body)
            .select_from(source)
            .where(*where)
            .order_by(order)
            .limit(bindparam("window"))
        )
    else:
        walked = select(d.c.id, d.c.channel_id, d.c.ts, d.c.body).where(*where)
        # The lead's index walked newest first (ix_search_docs_team, _channel, _user, _link,
        # migrations 0015 and 0017): the equality on its columns is
        # the narrowest the planners see, and the text is checked with instr() or strpos(),
        # which no text index answers (EXPLAIN: docs/search.md).
        walked = walked.order_by(d.c.id.desc())
        if plan.cap is None:
            # Every row of the lead is looked at if need be (at most WALK_LIMIT).
            inner = walked.where(
                *_text(dialect, d, query.terms, query.excluded, params, indexed=False)
            ).limit(bindparam("window"))
        else:
            # No term an index can take, nor a small modifier: the text of the newest `cap`
            # rows that the rest of the query allows is looked at, and no more.
            params["scan"] = plan.cap
            scanned = walked.limit(bindparam("scan")).subquery("scanned")
            inner = (
                select(scanned.c.id, scanned.c.channel_id, scanned.c.ts, scanned.c.body)
                .where(*_text(dialect, scanned, query.terms, query.excluded, params, indexed=False))
                .order_by(scanned.c.id.desc())
                .limit(bindparam("window"))
            )
    w = inner.subquery("w")
    if count:
        return select(func.count()).select_from(w), params
    score = _score(w, query, params, page)
    params.update(limit=page.limit, offset=page.offset)
    ranked = select(
        w.c.id,
        w.c.channel_id,
        w.c.ts,
        score.label("score"),
        func.count().over().label("total"),
    )
    if page.by_time:
        ts_order = w.c.ts.asc() if page.ascending else w.c.ts.desc()
        ranked = ranked.order_by(ts_order, w.c.channel_id)
    else:
        ranked = ranked.order_by(literal_column("score").desc(), w.c.ts.desc(), w.c.channel_id)
    return ranked.limit(bindparam("limit")).offset(bindparam("offset")), params


def _trigrams(terms: list[str]) -> list[str]:
    """The distinct trigrams of the terms, or MAX_GRAMS of them spread evenly from the first to
    the last. At 1M messages FTS5 took 21 ms for the eight trigrams of a rare word and 97 ms for
    a phrase's nineteen, against 2-6 ms for a few; but too few leave many rows that hold them
    apart and not the term ("kai" and "sou" without "kaisou": 250 ms of instr()), so a short
    term keeps all of its own (docs/search.md)."""
    grams = (term[i : i + TRIGRAM] for term in terms for i in range(len(term) - TRIGRAM + 1))
    distinct = list(dict.fromkeys(grams))
    if len(distinct) <= MAX_GRAMS:
        return distinct
    step = (len(distinct) - 1) / (MAX_GRAMS - 1)
    return [distinct[round(n * step)] for n in range(MAX_GRAMS)]


def _text(
    dialect: str,
    source: Any,
    terms: list[str] | tuple[str, ...],
    excluded: tuple[str, ...],
    params: dict[str, Any],
    *,
    indexed: bool,
) -> list[ColumnElement[bool]]:
    """Each term a substring of the folded text, no excluded one. indexed: written so that
    PostgreSQL's trigram index can answer it (LIKE), else so that it cannot (strpos)."""
    out: list[ColumnElement[bool]] = []
    body = source.c.body
    for n, term in enumerate(terms):
        out.append(_contains(dialect, body, f"t{n}", term, params, indexed=indexed))
    position = func.strpos if dialect == "postgresql" else func.instr
    for n, term in enumerate(excluded):
        params[f"x{n}"] = term
        out.append(position(body, bindparam(f"x{n}", type_=Text)) == 0)
    return out


def _in_scope(dialect: str, d: Any, scope: Scope, params: dict[str, Any]) -> ColumnElement[bool]:
    """d's channel is one the searcher may read. On SQLite, unless `in:` names the channels,
    the test is written on `channel_id || ''`, which no index answers: left a plain column,
    SQLite reads every row of every channel in scope through (team, channel, ts) and sorts
    them all to find the newest (0.9 s at 200,000 messages), where walking (team, id) newest
    first stops at the first rows that do. PostgreSQL hashes the scope either way, but not
    the expression: written so there, it compared every row with every channel (1.4 s)."""
    if scope.visible is not None:
        params["visible"] = list(scope.visible)
        shown: ColumnElement[bool] = d.c.channel_id == any_(bindparam("visible", type_=ARRAY(Text)))
        return shown
    column = d.c.channel_id
    if dialect == "sqlite" and scope.channel_ids is None:
        column = column.concat("")
    found: ColumnElement[bool] = column.in_(_scope(scope, params))
    return found


def _scope(scope: Scope, params: dict[str, Any]) -> Any:
    """The channels of scope.team_id the searcher may read, as a subquery (see the module)."""
    if scope.guest_of is None:
        c = channels.c
        public = select(c.channel_id).where(
            c.team_id == bindparam("team_id"),
            c.is_private.is_(False),
            c.is_im.is_(False),
            c.is_mpim.is_(False),
        )
        joined = select(members.c.channel_id).where(
            members.c.team_id == bindparam("team_id"), members.c.user_id == bindparam("user_id")
        )
        return union(public, joined)
    params["guest_of"] = scope.guest_of
    params["accepted"] = ACCEPTED
    s = channel_shares.c
    member = exists().where(
        members.c.team_id == s.team_id,
        members.c.channel_id == s.channel_id,
        members.c.user_id == bindparam("user_id"),
    )
    return select(s.channel_id).where(
        s.team_id == bindparam("team_id"),
        s.guest_team_id == bindparam("guest_of"),
        s.state == bindparam("accepted"),
        or_(s.guest_is_private.is_(False), member),
    )


def _filters(
    d: Any, scope: Scope, query: SearchQuery, params: dict[str, Any]
) -> list[ColumnElement[bool]]:
    """The modifiers: which channels and authors, when, and what the message has."""
    out: list[ColumnElement[bool]] = []
    if scope.channel_ids is not None:
        params["channel_ids"] = list(scope.channel_ids)
        out.append(d.c.channel_id.in_(bindparam("channel_ids", expanding=True)))
    if scope.author_ids is not None:
        params["author_ids"] = list(scope.author_ids)
        out.append(d.c.user_id.in_(bindparam("author_ids", expanding=True)))
    if query.after_us is not None:
        params["after_ts"] = _ts(query.after_us)
        out.append(d.c.ts >= bindparam("after_ts"))
    if query.before_us is not None:
        params["before_ts"] = _ts(query.before_us)
        out.append(d.c.ts < bindparam("before_ts"))
    if query.has_link:
        out.append(_has_link(d))
    for wanted, table in ((query.has_pin, pins), (query.has_reaction, reactions)):
        if wanted:
            out.append(
                exists().where(
                    table.c.team_id == d.c.team_id,
                    table.c.channel_id == d.c.channel_id,
                    table.c.ts == d.c.ts,
                )
            )
    if query.is_thread:
        m = messages.c
        out.append(
            exists().where(
                m.team_id == d.c.team_id,
                m.channel_id == d.c.channel_id,
                m.ts == d.c.ts,
                m.thread_ts.is_not(None),
            )
        )
    return out


def _has_link(d: Any) -> ColumnElement[bool]:
    """Written as the partial index ix_search_docs_link's own condition, so that it is used."""
    found: ColumnElement[bool] = d.c.has_link == true()
    return found


def _contains(
    dialect: str, body: Any, name: str, term: str, params: dict[str, Any], *, indexed: bool
) -> ColumnElement[bool]:
    if dialect == "postgresql" and not indexed:
        params[name] = term
        return func.strpos(body, bindparam(name, type_=Text)) > 0
    if dialect == "postgresql":
        # A LIKE pattern, which pg_trgm's GIN index answers for three characters or more.
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params[name] = f"%{escaped}%"
        found: ColumnElement[bool] = body.like(bindparam(name, type_=Text), escape=_LIKE_ESCAPE)
        return found
    params[name] = term
    return func.instr(body, bindparam(name, type_=Text)) > 0


def _score(
    w: Any, query: SearchQuery, params: dict[str, Any], page: Page, seconds: Any = None
) -> Any:
    """Relevance with recency: how often the terms occur, for the text's length, weighed up
    to twice as much for a message of today as for one months old. seconds: when the row was
    written (a message's ts, unless given: a file's created)."""
    params["now_s"] = page.now_s
    relevance: Any = literal(1.0, Float)
    if query.terms:
        occurrences: Any = literal(0, Integer)
        for n, term in enumerate(query.terms):
            params[f"s{n}"] = term
            needle = bindparam(f"s{n}", type_=Text)
            gone = func.length(w.c.body) - func.length(func.replace(w.c.body, needle, ""))
            occurrences = occurrences + gone / func.length(needle)
        relevance = occurrences / (1.0 + func.length(w.c.body) / 500.0)
    if seconds is None:
        seconds = cast(func.substr(w.c.ts, 1, 10), BigInteger)
    age_months = (bindparam("now_s", type_=BigInteger) - seconds) / _MONTH_S
    recency = 1.0 / (1.0 + func.abs(age_months))
    return relevance * (1.0 + recency)


def _ts(us: int) -> str:
    seconds, micros = divmod(us, 1_000_000)
    return f"{seconds:010d}.{micros:06d}"
