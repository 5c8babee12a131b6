"""The counts that choose how a search of one shard leads (docs/search.md, "Which index leads"),
each one bounded statement: PostgreSQL's probe of the whole query among the newest rows,
SQLite's count of each term there, and how many rows a modifier keeps. SearchQueries
(search.py) runs them before the search's own statement (search_statements.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Text, and_, bindparam, func, literal, select

from hubbub.domain.search_query import SearchQuery
from hubbub.store.queries.search_statements import (
    Page,
    Scope,
    has_link_row,
    in_scope,
    row_filters,
    text_match,
)
from hubbub.store.tables import search_docs


def probe(scope: Scope, query: SearchQuery, page: Page, rows: int) -> tuple[Any, dict[str, Any]]:
    """PostgreSQL: of the newest `rows` rows of the workspace, how many match the whole
    query, and the newest id: the rows read are bounded whatever the modifiers keep."""
    params: dict[str, Any] = {
        "team_id": scope.team_id,
        "user_id": scope.user_id,
        "latest_ts": page.latest_ts,
        "probe": rows,
    }
    d = search_docs.alias("d")
    newest = _newest(
        d.c.id, d.c.team_id, d.c.channel_id, d.c.ts, d.c.user_id, d.c.has_link, d.c.body
    )
    matching = and_(
        newest.c.ts <= bindparam("latest_ts"),
        in_scope("postgresql", newest, scope, params),
        *row_filters(newest, scope, query, params),
        *text_match("postgresql", newest, query, params, indexed=False),
    )
    counted = select(
        func.count().filter(matching).label("matched"), func.max(newest.c.id).label("newest")
    )
    return counted.select_from(newest), params


def term_counts(scope: Scope, terms: list[str], rows: int) -> tuple[Any, dict[str, Any]]:
    """Of the newest `rows` rows of the workspace, how many were read, then how many hold
    each term (SQLite: which terms are common enough that their trigrams only slow FTS5)."""
    params: dict[str, Any] = {"team_id": scope.team_id, "probe": rows}
    newest = _newest(search_docs.alias("d").c.body)
    counts: list[Any] = [func.count()]
    for n, term in enumerate(terms):
        params[f"c{n}"] = term
        held = func.instr(newest.c.body, bindparam(f"c{n}", type_=Text)) > 0
        counts.append(func.count().filter(held))
    return select(*counts).select_from(newest), params


def lead_rows(lead: str, scope: Scope, cap: int) -> tuple[Any, dict[str, Any]]:
    """How many rows of the workspace a modifier keeps ("channel", "user" or "link"), counted
    from its index alone up to `cap`."""
    d = search_docs.alias("d")
    params: dict[str, Any] = {"team_id": scope.team_id, "cap": cap}
    where: list[ColumnElement[bool]] = [d.c.team_id == bindparam("team_id")]
    if lead == "channel":
        params["channel_ids"] = list(scope.channel_ids or ())
        where.append(d.c.channel_id.in_(bindparam("channel_ids", expanding=True)))
    elif lead == "user":
        params["author_ids"] = list(scope.author_ids or ())
        where.append(d.c.user_id.in_(bindparam("author_ids", expanding=True)))
    else:
        where.append(has_link_row(d))
    rows = select(literal(1)).select_from(d).where(*where).limit(bindparam("cap"))
    return select(func.count()).select_from(rows.subquery()), params


def _newest(*columns: Any) -> Any:
    """These columns of the newest `probe` rows of the workspace `team_id` (of one alias of
    search_docs), through its (team_id, id) index."""
    d = columns[0].table
    return (
        select(*columns)
        .where(d.c.team_id == bindparam("team_id"))
        .order_by(d.c.id.desc())
        .limit(bindparam("probe"))
        .subquery("newest")
    )
