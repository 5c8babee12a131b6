"""What the search index's own structures hold, checked against search_docs' text.

SQLite: search_fts by FTS5's own check (rank 1: against its content table; without it a row
never written to it passes), search_keys row by row (it is contentless: FTS5 cannot compare it
with anything). PostgreSQL: each row's boundary_keys against the keys of its text (the GIN
indexes are PostgreSQL's own)."""

from __future__ import annotations

from typing import Any

from hubbub.domain.search_text import boundary_hashes, boundary_keys


def key_gaps(conn: Any, team_id: str) -> set[int]:
    """The ids of the workspace's rows of search_docs whose keys the index lacks: on SQLite,
    those search_keys does not find by their first key (FTS5's check of search_fts raises if
    that table lacks a row); on PostgreSQL, those whose boundary_keys are not their text's."""
    if conn.dialect.name != "sqlite":
        rows = conn.exec_driver_sql(
            "SELECT id, body, boundary_keys FROM search_docs WHERE team_id = %s", (team_id,)
        ).all()
        return {int(id_) for id_, body, keys in rows if keys != boundary_hashes(body)}
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
