"""What SQLite's FTS5 tables of the search index hold, checked against search_docs: search_fts
by FTS5's own check (rank 1: against its content table; without it a row never written to it
passes), search_keys row by row (it is contentless: FTS5 cannot compare it with anything)."""

from __future__ import annotations

from typing import Any

from hubbub.domain.search_text import boundary_keys


def fts_gaps(conn: Any, team_id: str) -> set[int]:
    """The ids of the workspace's rows of search_docs that search_keys does not find by their
    first key; FTS5's check of search_fts raises if that table lacks a row."""
    conn.exec_driver_sql("INSERT INTO search_fts(search_fts, rank) VALUES ('integrity-check', 1)")
    conn.exec_driver_sql("INSERT INTO search_keys(search_keys) VALUES ('integrity-check')")
    missing: set[int] = set()
    rows = conn.exec_driver_sql(
        "SELECT id, body FROM search_docs WHERE team_id = ?", (team_id,)
    ).all()
    for id_, body in rows:
        keys = boundary_keys(body)
        if not keys:
            continue
        found = conn.exec_driver_sql(
            "SELECT 1 FROM search_keys WHERE search_keys MATCH ? AND rowid = ?",
            (f'"{keys[0]}"', id_),
        ).first()
        if found is None:
            missing.add(int(id_))
    return missing
