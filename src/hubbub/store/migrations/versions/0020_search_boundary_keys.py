"""search_boundary_keys: SQLite's FTS5 table holds each message's word-boundary keys beside its
text's trigrams, so that a phrase is asked by the keys of its spaces (docs/search.md,
"Phrases"). The table becomes contentless: what it indexes (the text and its keys) is no longer
a column of search_docs, so FTS5 must not compare itself with one. PostgreSQL: nothing.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hubbub.domain.search_text import fts_text

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_BATCH = 5000
_AUTOMERGE = 8  # as 0017 set it
_OPTIONS = "tokenize='trigram case_sensitive 1', detail=none, columnsize=0"


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return
    op.execute("DROP TABLE search_fts")
    op.execute(f"CREATE VIRTUAL TABLE search_fts USING fts5(body, content='', {_OPTIONS})")
    op.execute(f"INSERT INTO search_fts(search_fts, rank) VALUES ('automerge', {_AUTOMERGE})")
    insert = sa.text("INSERT INTO search_fts(rowid, body) VALUES (:id, :body)")
    after = 0
    while True:
        # A page at a time by id, so a large store is never read into memory at once.
        rows = conn.execute(
            sa.text("SELECT id, body FROM search_docs WHERE id > :after ORDER BY id LIMIT :n"),
            {"after": after, "n": _BATCH},
        ).all()
        if not rows:
            return
        after = rows[-1].id
        conn.execute(insert, [{"id": r.id, "body": fts_text(r.body)} for r in rows])


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TABLE search_fts")
    op.execute(
        "CREATE VIRTUAL TABLE search_fts USING fts5(body, content='search_docs',"
        f" content_rowid='id', {_OPTIONS})"
    )
    op.execute(f"INSERT INTO search_fts(search_fts, rank) VALUES ('automerge', {_AUTOMERGE})")
    op.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
