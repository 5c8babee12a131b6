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

from hubbub.store.queries.search_index import fill_boundary_keys

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        op.add_column("search_docs", sa.Column("boundary_keys", sa.Text(), nullable=True))
        return
    op.execute("ALTER TABLE search_docs ADD COLUMN boundary_keys int4[]")
    fill_boundary_keys(conn)
    op.execute("CREATE INDEX ix_search_docs_keys ON search_docs USING gin (boundary_keys)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP INDEX ix_search_docs_keys")
    op.drop_column("search_docs", "boundary_keys")
