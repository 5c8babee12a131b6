"""search_boundary_keys: SQLite's FTS5 table of each message's word-boundary keys, so that a
phrase is asked by the keys of its spaces instead of every row holding its words' trigrams
anywhere (docs/search.md, "Phrases"). Contentless: the keys are made from search_docs' body
(domain/search_text.py key_text), and a 'delete' names them again. ASCII words, one token a
key: as trigrams beside the text they cost FTS5 four tokens a key. PostgreSQL: nothing.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hubbub.domain.search_text import key_text

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_BATCH = 5000
_AUTOMERGE = 8  # as 0017 set search_fts's


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return
    op.execute(
        "CREATE VIRTUAL TABLE search_keys USING fts5(keys, content='', tokenize='ascii',"
        " detail=none, columnsize=0)"
    )
    op.execute(f"INSERT INTO search_keys(search_keys, rank) VALUES ('automerge', {_AUTOMERGE})")
    insert = sa.text("INSERT INTO search_keys(rowid, keys) VALUES (:id, :keys)")
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
        keyed = [{"id": r.id, "keys": keys} for r in rows if (keys := key_text(r.body))]
        if keyed:
            conn.execute(insert, keyed)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE search_keys")
