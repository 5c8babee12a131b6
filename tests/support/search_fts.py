"""What SQLite's FTS5 table of the search index holds, checked row by row: the table is
contentless (migration 0020), so FTS5's own integrity check cannot compare it with search_docs
and passes a row that was never written to it."""

from __future__ import annotations

from typing import Any

from hubbub.domain.search_text import fts_text


def fts_gaps(conn: Any, team_id: str) -> set[int]:
    """The ids of the workspace's rows of search_docs that search_fts does not find by the first
    trigram of what it was given for them (every row of three characters or more)."""
    missing: set[int] = set()
    rows = conn.exec_driver_sql(
        "SELECT id, body FROM search_docs WHERE team_id = ?", (team_id,)
    ).all()
    for id_, body in rows:
        indexed = fts_text(body)
        if len(indexed) < 3:
            continue
        gram = '"' + indexed[:3].replace('"', '""') + '"'
        found = conn.exec_driver_sql(
            "SELECT 1 FROM search_fts WHERE search_fts MATCH ? AND rowid = ?", (gram, id_)
        ).first()
        if found is None:
            missing.add(int(id_))
    conn.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('integrity-check')")
    return missing
