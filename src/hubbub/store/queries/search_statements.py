"""The SQL of a search of one shard's index (docs/search.md), built from the query's shape: the
statement of a search led as its Plan says, and the pieces search_counts.py (the counts that
choose the lead) and search_files.py share: the scope, the modifiers, the text's conditions,
the score, custom plans. SearchQueries (search.py) runs them.

Every value from the query is a bound parameter; the SQL depends only on the
query's shape (how many terms, which modifiers), never on its text. Terms reach SQLite's FTS5 as
quoted strings, inside which its syntax (NEAR, OR, NOT, `^`, `col:`, `*`) is plain text, and
PostgreSQL as LIKE patterns with `%`, `_` and `\\` escaped, or for a phrase as the integer keys
of its spaces (search_docs.boundary_keys) and strpos().

The scope is the SQL twin of services/access.py `visible_channel`: on the searcher's own
workspace, its public channels and every conversation they are a member of now; on a host's
shard, the host's channels its record shares with the searcher's workspace, where that
workspace shows them as public or the searcher is a member. services/search.py checks each
result's channel with `visible_channel` again before showing it.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    case,
    cast,
    exists,
    false,
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
from hubbub.domain.search_text import (
    boundary_keys,
    phrase_hashes,
    word_start_globs,
    word_start_hash,
    word_start_pattern,
)
from hubbub.domain.shares import ACCEPTED
from hubbub.store.queries.search_index import DAY_S, search_days, search_fts, search_keys
from hubbub.store.tables import channels, members, messages, pins, reactions, search_docs
from hubbub.store.tables_shares import channel_shares

# Rows with no term of three characters or more cannot use a trigram index: at most this many
# of the newest rows in scope are looked at for them (docs/search.md, "short terms").
SHORT_SCAN = 20_000
# At most this many trigrams of the terms go to FTS5: each costs a walk of its rows in every
# segment, and instr() checks the terms themselves anyway (docs/search.md).
MAX_GRAMS = 6

_MONTH_S = 30.0 * DAY_S
_KEYS = ARRAY(Integer)  # search_docs.boundary_keys on PostgreSQL
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
    first ("team", "channel", "user", "link"); whether a walk stops after `cap` rows; the
    lowest id looked at, if any."""

    lead: str = "text"
    cap: int | None = None
    floor: int | None = None  # no id below this is looked at (SearchQueries._probed)
    # SQLite: the terms whose trigrams FTS5 is asked for (None: all of the query's); the
    # others are left to instr() (SearchQueries._rare_terms).
    indexed_terms: tuple[str, ...] | None = None


def custom_plan(conn: Connection) -> None:
    """Plans made for this search's own terms (PostgreSQL). psycopg prepares a statement run
    five times, and PostgreSQL may then plan it once for any LIKE pattern: a walk of every row
    newest first, right for a word in half the messages, ~50 times slower than the trigram
    index for one in a few hundred (200 ms against 4 ms at 200,000 messages)."""
    conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")


def statement(
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
    long_terms = [t for t in query.words if len(t) >= TRIGRAM]
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
        in_scope(dialect, d, scope, params),
        *row_filters(d, scope, query, params),
    ]
    if plan.floor is not None:
        params["floor"] = plan.floor
        where.append(d.c.id >= bindparam("floor"))
    if plan.lead == "text":
        source: Any = d
        # PostgreSQL: an expression no index is ordered by, so that the text index leads and
        # the newest matches are sorted out of its rows: whether to walk the newest rows
        # instead is SearchQueries._common's choice, not the planner's.
        order: Any = (d.c.id + 0).desc() if dialect == "postgresql" else d.c.id.desc()
        if dialect == "sqlite":
            keys = list(dict.fromkeys(k for term in long_terms for k in boundary_keys(term)))
            # FTS5 finds the rows holding a phrase's boundary keys (search_keys), or else some
            # trigrams of the terms (search_fts); neither table keeps positions (detail=none,
            # a third of the size and of the cost to post). Each is a quoted string (a `"`
            # inside doubled), so whatever characters it holds are text; instr() then keeps
            # the rows that hold each term itself.
            grams = _trigrams(list(plan.indexed_terms or long_terms))
            table, tokens = (search_keys, keys) if keys else (search_fts, grams)
            params["match"] = " ".join('"' + t.replace('"', '""') + '"' for t in tokens)
            source = table.join(d, d.c.id == table.c.rowid)
            where.append(literal_column(table.name).op("MATCH")(bindparam("match")))
            # The dates' ids on FTS5's own rowid, which it seeks to. On d.id instead, the
            # planner walked d's ids in that range and asked FTS5 about each row.
            where += _dated_ids(table.c.rowid, query, params)
            order = table.c.rowid.desc()
        where += text_match(dialect, d, query, params, indexed=True, keyed=True)
        inner = (
            select(d.c.id, d.c.channel_id, d.c.ts, d.c.body)
            .select_from(source)
            .where(*where)
            .order_by(order)
            .limit(bindparam("window"))
        )
    else:
        if dialect == "sqlite":
            where += _dated_ids(d.c.id, query, params)
        walked = select(d.c.id, d.c.channel_id, d.c.ts, d.c.body).where(*where)
        # The lead's index walked newest first (ix_search_docs_team, _user, _link, migrations
        # 0015 and 0017; for channels the message's key, uq_search_docs_message, by ts,
        # migration 0028): the equality on its columns is the narrowest the planners see, and
        # the text is checked with instr() or strpos(), which no text index answers (EXPLAIN:
        # docs/search.md).
        by_key = plan.lead == "channel"
        walked = walked.order_by(d.c.ts.desc() if by_key else d.c.id.desc())
        if plan.cap is None:
            # Every row of the lead is looked at if need be (at most WALK_LIMIT).
            inner = walked.where(*text_match(dialect, d, query, params, indexed=False)).limit(
                bindparam("window")
            )
        else:
            # No term an index can take, nor a small modifier: the text of the newest `cap`
            # rows that the rest of the query allows is looked at, and no more.
            params["scan"] = plan.cap
            scanned = walked.limit(bindparam("scan")).subquery("scanned")
            inner = (
                select(scanned.c.id, scanned.c.channel_id, scanned.c.ts, scanned.c.body)
                .where(*text_match(dialect, scanned, query, params, indexed=False))
                .order_by(scanned.c.ts.desc() if by_key else scanned.c.id.desc())
                .limit(bindparam("window"))
            )
    w = inner.subquery("w")
    if count:
        return select(func.count()).select_from(w), params
    ranking = score(w, query, params, page)
    params.update(limit=page.limit, offset=page.offset)
    ranked = select(
        w.c.id,
        w.c.channel_id,
        w.c.ts,
        ranking.label("score"),
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


def text_match(
    dialect: str,
    source: Any,
    query: SearchQuery,
    params: dict[str, Any],
    *,
    indexed: bool,
    keyed: bool = False,
) -> list[ColumnElement[bool]]:
    """Each term a substring of the folded text, each prefix the beginning of one of its words,
    no excluded term. indexed: written so that PostgreSQL's indexes can answer it (LIKE, or
    with `keyed` the keys of boundary_keys: a phrase's spaces, a prefix's word start), else so
    that they cannot (strpos)."""
    out: list[ColumnElement[bool]] = []
    body = source.c.body
    for n, term in enumerate(query.terms):
        name = f"t{n}"
        if dialect == "postgresql" and indexed and keyed and (keys := phrase_hashes(term)):
            # A phrase: the rows holding the windows of its spaces, from the GIN index of
            # search_docs.boundary_keys, then the phrase itself, written so that no index
            # answers it: as a LIKE, PostgreSQL also read every row holding its trigrams
            # (docs/search.md, "Phrases").
            out.append(_keys_held(source, f"{name}_keys", keys, params))
            out.append(_contains(dialect, body, name, term, params, indexed=False))
            continue
        out.append(_contains(dialect, body, name, term, params, indexed=indexed))
    for n, prefix in enumerate(query.prefixes):
        name = f"p{n}"
        key = word_start_hash(prefix) if dialect == "postgresql" and indexed and keyed else None
        if key is not None:
            out.append(_keys_held(source, f"{name}_keys", [key], params))
        # The prefix anywhere first, the cheapest test (a LIKE the trigram index answers, where
        # PostgreSQL has no key for it); then at a word's start.
        by_trigrams = key is None and indexed and len(prefix) >= TRIGRAM
        out.append(_contains(dialect, body, name, prefix, params, indexed=by_trigrams))
        out.append(_word_start(dialect, body, name, prefix, params))
    position = func.strpos if dialect == "postgresql" else func.instr
    for n, term in enumerate(query.excluded):
        params[f"x{n}"] = term
        out.append(position(body, bindparam(f"x{n}", type_=Text)) == 0)
    return out


def _word_start(
    dialect: str, body: Any, name: str, prefix: str, params: dict[str, Any]
) -> ColumnElement[bool]:
    """The prefix begins a word of the text (which holds it): PostgreSQL's regular expression,
    on an expression no index is of (pg_trgm answers `~` too, and must not lead). SQLite, all
    in its C: the first occurrence at the start or after a separator (most matches), else
    none if it is the only one (most rows that hold the prefix inside a word), else the GLOB
    scan of every occurrence. A REGEXP there is a Python call a row, and a GLOB scan of each
    row reads the class at each character: `lizo*` has 20,000 candidate rows holding `lizo`
    inside a word for its newest 1,000 matches (124 and 232 ms against 10 for `lizo`)."""
    if dialect == "postgresql":
        params[f"{name}_start"] = word_start_pattern(prefix)
        found: ColumnElement[bool] = body.concat("").op("~")(bindparam(f"{name}_start", Text))
        return found
    params[f"{name}_at"] = prefix
    params[f"{name}_sep"], params[f"{name}_any"] = word_start_globs(prefix)
    at = func.instr(body, bindparam(f"{name}_at", Text))
    before = func.substr(body, at - 1, 1)
    again = func.instr(func.substr(body, at + 1), bindparam(f"{name}_at", Text))
    decided: ColumnElement[bool] = case(
        (at == 1, true()),
        (before.op("GLOB")(bindparam(f"{name}_sep", Text)), true()),
        (again == 0, false()),
        else_=body.op("GLOB")(bindparam(f"{name}_any", Text)),
    )
    return decided


def _keys_held(
    source: Any, name: str, keys: list[int], params: dict[str, Any]
) -> ColumnElement[bool]:
    """The row's boundary_keys hold all of these (PostgreSQL's GIN index answers it)."""
    params[name] = keys
    held: ColumnElement[bool] = source.c.boundary_keys.contains(bindparam(name, type_=_KEYS))
    return held


def in_scope(dialect: str, d: Any, scope: Scope, params: dict[str, Any]) -> ColumnElement[bool]:
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
    found: ColumnElement[bool] = column.in_(scope_channels(scope, params))
    return found


def scope_channels(scope: Scope, params: dict[str, Any]) -> Any:
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


def row_filters(
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
        out.append(has_link_row(d))
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


def _dated_ids(id_: Any, query: SearchQuery, params: dict[str, Any]) -> list[ColumnElement[bool]]:
    """SQLite: the ids that can hold the dates asked, from search_days (migration 0035): from
    the first id of the first day on, up to the last id of the last day. Its days are UTC's,
    a searcher's day elsewhere overlaps two, and both are kept. The bounds only narrow where
    to look (with no day written in the range, a NULL bound keeps nothing, or on FTS5's
    rowid everything); the ts conditions of row_filters decide each row."""
    out: list[ColumnElement[bool]] = []
    days = search_days.c
    if query.after_us is not None:
        params["after_day"] = query.after_us // 1_000_000 // DAY_S
        first = select(func.min(days.first_id)).where(
            days.team_id == bindparam("team_id"), days.day >= bindparam("after_day")
        )
        out.append(id_ >= first.scalar_subquery())
    if query.before_us is not None:
        # ts < before: the day of the microsecond before it is the last that can hold one.
        params["before_day"] = (query.before_us - 1) // 1_000_000 // DAY_S
        last = select(func.max(days.last_id)).where(
            days.team_id == bindparam("team_id"), days.day <= bindparam("before_day")
        )
        out.append(id_ <= last.scalar_subquery())
    return out


def has_link_row(d: Any) -> ColumnElement[bool]:
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


def score(
    w: Any, query: SearchQuery, params: dict[str, Any], page: Page, seconds: Any = None
) -> Any:
    """Relevance with recency: how often the terms occur, for the text's length, weighed up
    to twice as much for a message of today as for one months old. seconds: when the row was
    written (a message's ts, unless given: a file's created)."""
    params["now_s"] = page.now_s
    relevance: Any = literal(1.0, Float)
    if query.words:
        occurrences: Any = literal(0, Integer)
        for n, term in enumerate(query.words):
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
