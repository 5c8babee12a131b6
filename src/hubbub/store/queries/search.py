"""Searching the index on one shard (docs/search.md).

One statement per search (after a count of a modifier's rows, or on PostgreSQL a probe of the
newest rows): the newest `window` rows of the index that match the query inside the scope the
caller may see, then those ranked and one page of them returned, with how many there were.
Which index leads is chosen first (`_lead`): a modifier's own rows (`in:`, `from:`,
`has:link`) walked newest first when there are few of them, else the text (on PostgreSQL as
the probe says: the newest rows walked, or the trigram index in a band of the newest ids or
not), else the newest rows of the workspace. The statements are search_statements.py's,
the counts search_counts.py's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select

from hubbub.domain.search_query import TRIGRAM, SearchQuery
from hubbub.domain.search_text import boundary_keys
from hubbub.store.queries.base import TxBase
from hubbub.store.queries.search_counts import lead_rows, probe, term_counts
from hubbub.store.queries.search_statements import (
    SHORT_SCAN,
    Page,
    Plan,
    Scope,
    custom_plan,
    scope_channels,
    statement,
)
from hubbub.store.tables import channels, users

# A modifier with at most this many rows (in:, from:, has:link) leads: its rows are walked
# newest first and each one's text checked, all of them if need be, which costs less than
# walking every match of a common word to find the few that are its (docs/search.md).
WALK_LIMIT = 30_000
# PostgreSQL: the newest rows of the workspace whose matches tell a common term, walked for,
# from one the text index answers sooner; a walk so chosen stops WALK_SPAN ids back; with at
# least BAND_MATCHES matches among them, the text index is asked for a band of the newest ids
# first (SearchQueries._probed).
PROBE_ROWS = 2_000
WALK_SPAN = 2 * WALK_LIMIT
BAND_MATCHES = 10
# SQLite: a term held by at least one in COMMON of the newest PROBE_ROWS rows is common: with
# a rarer term beside it, its trigrams are not asked of FTS5 (SearchQueries._rare_terms).
COMMON = 20


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


class SearchQueries(TxBase):
    def search_messages(self, scope: Scope, query: SearchQuery, page: Page) -> Found:
        if query.impossible or scope.channel_ids == () or scope.author_ids == ():
            return Found(0, [])
        if self.conn.dialect.name == "postgresql":
            custom_plan(self.conn)
            # The channels in scope, read first in the same snapshot and given back as one
            # array: PostgreSQL then walks the newest rows and keeps those in the array (hashed),
            # where with the subquery it joined every row of the workspace and sorted them all
            # for the newest few thousand (0.2 s at 200,000 messages; OFFSET 0, a lower
            # random_page_cost and custom plans did not change its mind).
            scope = replace(scope, visible=tuple(self.channels_in_scope(scope)))
        return self._run(scope, query, page, self._lead(scope, query, page))

    def channels_in_scope(self, scope: Scope) -> list[str]:
        """The channels of scope.team_id the searcher may read (the scope of the module)."""
        params: dict[str, Any] = {"team_id": scope.team_id, "user_id": scope.user_id}
        return [r[0] for r in self.conn.execute(scope_channels(scope, params), params)]

    def _lead(self, scope: Scope, query: SearchQuery, page: Page) -> Plan:
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
        if any(len(t) >= TRIGRAM for t in query.words):
            if self.conn.dialect.name == "postgresql":
                return self._probed(scope, query, page)
            return Plan("text", indexed_terms=self._rare_terms(scope, query))
        return Plan(narrowest or "team", SHORT_SCAN)

    def _probed(self, scope: Scope, query: SearchQuery, page: Page) -> Plan:
        """PostgreSQL: how the text is looked for, from the query's matches among the newest
        PROBE_ROWS rows of the workspace. Dense enough that a walk of the newest rows finds a
        window of them within WALK_LIMIT rows: that walk, down to WALK_SPAN ids back. Else the
        trigram index, and, where the matches seen tell how far back a window of them reaches,
        only ids from twice that far back: PostgreSQL then rechecks the text of the index's
        candidates in that band alone. A band or walk that ends short of a window of matches
        hands over to the index without one (_run). Left to itself, the planner chose the
        walk from its estimate of a LIKE's selectivity and walked 28,000-115,000 rows for a
        middling word's 1,000 matches (85-180 ms at 1M messages) that its trigram index finds
        in 15-20 (docs/search.md, "Which index leads")."""
        stmt, params = probe(scope, query, page, PROBE_ROWS)
        row = self.conn.execute(stmt, params).one()
        if row.newest is None:
            return Plan("text")
        matched, newest = int(row.matched), int(row.newest)
        if matched * WALK_LIMIT >= page.window * PROBE_ROWS:
            return Plan("team", floor=_above_zero(newest - WALK_SPAN))
        if matched >= BAND_MATCHES:
            band = 2 * page.window * PROBE_ROWS // matched
            return Plan("text", floor=_above_zero(newest - band))
        return Plan("text")

    def _rare_terms(self, scope: Scope, query: SearchQuery) -> tuple[str, ...] | None:
        """SQLite, two terms or more: those FTS5 is asked for, leaving out the common ones
        (held by one in COMMON of the newest rows) when a rarer one is there; None: all. A
        common word's trigrams are each in most rows, and FTS5 read them all to narrow little:
        `paizou shiro` (shiro in 85% of messages) took twice as long by six trigrams of both
        words as by paizou's four. Two rare words narrow each other, and keep both
        (docs/search.md, "Which index leads")."""
        terms = list(dict.fromkeys(t for t in query.words if len(t) >= TRIGRAM))
        if len(terms) < 2 or any(boundary_keys(t) for t in terms):
            return None  # one term, or a phrase asked of search_keys
        stmt, params = term_counts(scope, terms, PROBE_ROWS)
        read, *counts = self.conn.execute(stmt, params).one()
        rare = tuple(t for t, n in zip(terms, counts, strict=True) if n * COMMON < read)
        return rare if rare and len(rare) < len(terms) else None

    def _rows_of(self, lead: str, scope: Scope) -> int:
        """How many rows of the workspace the modifier keeps, counted up to WALK_LIMIT + 1."""
        stmt, params = lead_rows(lead, scope, WALK_LIMIT + 1)
        return int(self.conn.execute(stmt, params).scalar() or 0)

    def _run(self, scope: Scope, query: SearchQuery, page: Page, plan: Plan) -> Found:
        dialect = self.conn.dialect.name
        stmt, params = statement(dialect, scope, query, page, plan=plan)
        rows = self.conn.execute(stmt, params).all()
        total = int(rows[0].total) if rows else 0
        if not rows and page.offset:
            # Past the last page: still say how many there are.
            whole = Page(page.window, page.window, 0, page.latest_ts, page.now_s)
            stmt, params = statement(dialect, scope, query, whole, count=True, plan=plan)
            total = int(self.conn.execute(stmt, params).scalar() or 0)
        if plan.floor is not None and total < page.window:
            # The floor came first: older matches may be left, for the text index alone.
            return self._run(scope, query, page, Plan("text"))
        hits = [Hit(r.channel_id, r.ts, float(r.score), int(r.id)) for r in rows]
        return Found(total, hits)

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


def _above_zero(floor: int) -> int | None:
    """A floor that leaves something out, or None: below the first id, the walk or band is
    the whole index, and what it finds is all there is."""
    return floor if floor > 0 else None
