"""search_leads_fts_writes: indexes of search_docs by author, and of the rows with a link, so
that `from:` and `has:link` walk their own rows newest first instead of every match of the
text; on SQLite, search_fts written by store/queries/search_index.py instead of triggers, and
merged less often; on PostgreSQL, a finer histogram of the text for the planner (docs/search.md,
"What the plans showed" and "Posting")

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

_AUTOMERGE = 8  # FTS5's default is 4
_BODY_STATISTICS = 1000  # PostgreSQL's default_statistics_target is 100
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
        # Merge segments when eight (not four) wait on a level: each term's rows are written
        # again fewer times as the index grows; a post cost ~20% less with the index at 1M
        # messages, and a query reads a few more segments (docs/search.md, "Posting").
        op.execute(f"INSERT INTO search_fts(search_fts, rank) VALUES ('automerge', {_AUTOMERGE})")
    else:
        # The planner's estimate of how many rows a LIKE pattern matches comes from the
        # column's histogram: with 100 entries a phrase in 532 of 1M messages looked like one
        # in 6,430, and PostgreSQL walked every row for it (380 ms) where the trigram index
        # took 20 ms; with 1,000, it tells rare from common (docs/search.md).
        op.execute(f"ALTER TABLE search_docs ALTER COLUMN body SET STATISTICS {_BODY_STATISTICS}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("INSERT INTO search_fts(search_fts, rank) VALUES ('automerge', 4)")
        for statement in _TRIGGERS.values():
            op.execute(statement)
    else:
        op.execute("ALTER TABLE search_docs ALTER COLUMN body SET STATISTICS -1")
    with op.batch_alter_table("search_docs", schema=None) as batch_op:
        batch_op.drop_index("ix_search_docs_link")
        batch_op.drop_index("ix_search_docs_user")
