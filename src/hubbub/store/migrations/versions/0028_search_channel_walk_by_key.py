"""search_channel_walk_by_key: search_docs loses its index by (team_id, channel_id, id). An
`in:` search walks the channel's rows newest first by the message's key (team_id, channel_id,
ts), which the table keeps anyway for edits and deletes; every post wrote one index fewer,
whose page was a channel's own (docs/search.md, "Posting").

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("search_docs", schema=None) as batch_op:
        batch_op.drop_index("ix_search_docs_channel")


def downgrade() -> None:
    with op.batch_alter_table("search_docs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_search_docs_channel", ["team_id", "channel_id", "id"], unique=False
        )
