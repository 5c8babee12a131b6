"""search_leads_fts_writes: indexes of search_docs by author, and of the rows with a link, so
that `from:` and `has:link` walk their own rows newest first instead of every match of the
text; and on SQLite, search_fts written by store/queries/search_index.py instead of triggers
(docs/search.md, "What the plans showed" and "Posting")

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-11 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# 0015's triggers: each made every message a segment of FTS5's own (see search_index.py).
_TRIGGERS = {
    "search_docs_ai": "CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs BEGIN"
    " INSERT INTO search_fts(rowid, body) VALUES (new.id, new.body); END",
    "search_docs_ad": "CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN"
    " INSERT INTO search_fts(search_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "search_docs_au": "CREATE TRIGGER search_docs_au AFTER UPDATE OF body ON search_docs BEGIN"
    " INSERT INTO search_fts(search_fts, rowid, body) VALUES ('delete', old.id, old.body);"
    " INSERT INTO search_fts(rowid, body) VALUES (new.id, new.body); END",
}


def upgrade() -> None:
    with op.batch_alter_table("search_docs", schema=None) as batch_op:
        batch_op.create_index("ix_search_docs_user", ["team_id", "user_id", "id"], unique=False)
        # Only the rows with a link (one message in fifty in the bench): small, and a post
        # without a link does not write it.
        batch_op.create_index(
            "ix_search_docs_link",
            ["team_id", "id"],
            unique=False,
            sqlite_where=sa.text("has_link = 1"),
            postgresql_where=sa.text("has_link"),
        )
    if op.get_bind().dialect.name == "sqlite":
        for name in _TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in _TRIGGERS.values():
            op.execute(statement)
    with op.batch_alter_table("search_docs", schema=None) as batch_op:
        batch_op.drop_index("ix_search_docs_link")
        batch_op.drop_index("ix_search_docs_user")
