"""search_walks: indexes of search_docs by author, and of the rows with a link, so that
`from:` and `has:link` walk their own rows newest first instead of every match of the text
(docs/search.md, "What the plans showed")

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


def downgrade() -> None:
    with op.batch_alter_table("search_docs", schema=None) as batch_op:
        batch_op.drop_index("ix_search_docs_link")
        batch_op.drop_index("ix_search_docs_user")
