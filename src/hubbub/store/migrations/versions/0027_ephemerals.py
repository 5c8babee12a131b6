"""ephemerals: apps' ephemeral messages with blocks or attachments, kept a day, so that a press
on one reaches its app (block_actions with container.is_ephemeral), its response_url replaces
or deletes it, and the image proxy serves its images to its one reader (docs/integrations.md,
Interactivity).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ephemerals",
        sa.Column("team_id", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=16), nullable=False),
        sa.Column("ts", sa.String(length=24), nullable=False),
        sa.Column("channel_id", sa.String(length=16), nullable=False),
        sa.Column("bot_id", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("expires", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id", "ts"),
    )


def downgrade() -> None:
    op.drop_table("ephemerals")
