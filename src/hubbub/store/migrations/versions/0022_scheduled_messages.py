"""scheduled_messages: messages waiting for their time (chat.scheduleMessage)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 02:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduled_messages",
        sa.Column("team_id", sa.String(length=16), nullable=False),
        sa.Column("scheduled_id", sa.String(length=16), nullable=False),
        sa.Column("channel_id", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=16), nullable=False),
        sa.Column("post_at", sa.BigInteger(), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("draft", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "scheduled_id"),
    )
    with op.batch_alter_table("scheduled_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_scheduled_author", ["team_id", "user_id", "post_at", "scheduled_id"], unique=False
        )
        batch_op.create_index(
            "ix_scheduled_channel", ["team_id", "channel_id", "post_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("scheduled_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_scheduled_channel")
        batch_op.drop_index("ix_scheduled_author")
    op.drop_table("scheduled_messages")
