"""search_word_start_keys: PostgreSQL's search_docs.boundary_keys also hold each word's first
four bytes (domain/search_text.py boundary_hashes), so that `deploy*` asks its GIN index for
the rows with a word beginning so (docs/search.md, "Prefixes"); the rows already there get
theirs. SQLite checks a prefix's word start on the rows its trigrams find, and keeps no key.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 14:00:00
"""

from __future__ import annotations

from alembic import op

from hubbub.store.queries.search_index import fill_boundary_keys

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        fill_boundary_keys(conn)


def downgrade() -> None:
    """The word starts' keys stay: a prefix is then asked of them by nothing, and they cost
    only their place in the GIN index."""
