"""search_boundary_hashes: PostgreSQL's word-boundary keys, search_docs.boundary_keys (int4[],
domain/search_text.py boundary_hashes) with a GIN index, so that a phrase is asked by the keys
of its spaces instead of every row holding its trigrams (docs/search.md, "Phrases"); filled
from the rows already there. SQLite keeps its keys in search_keys (0020): the column is there
and empty.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hubbub.domain.search_text import boundary_hashes

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

_BATCH = 5000
# A page of rows in one statement: each row's keys as the text of an int4[].
_FILL = sa.text(
    "UPDATE search_docs AS d SET boundary_keys = CAST(v.keys AS int4[])"
    " FROM unnest(CAST(:ids AS bigint[]), CAST(:keys AS text[])) AS v(id, keys)"
    " WHERE d.id = v.id"
)


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        op.add_column("search_docs", sa.Column("boundary_keys", sa.Text(), nullable=True))
        return
    op.execute("ALTER TABLE search_docs ADD COLUMN boundary_keys int4[]")
    after = 0
    while True:
        # A page at a time by id, so a large store is never read into memory at once.
        rows = conn.execute(
            sa.text("SELECT id, body FROM search_docs WHERE id > :after ORDER BY id LIMIT :n"),
            {"after": after, "n": _BATCH},
        ).all()
        if not rows:
            break
        after = rows[-1].id
        keys = ["{" + ",".join(map(str, boundary_hashes(r.body))) + "}" for r in rows]
        conn.execute(_FILL, {"ids": [r.id for r in rows], "keys": keys})
    op.execute("CREATE INDEX ix_search_docs_keys ON search_docs USING gin (boundary_keys)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP INDEX ix_search_docs_keys")
    op.drop_column("search_docs", "boundary_keys")
