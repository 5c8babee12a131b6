"""notifications, per-channel notification preferences and do-not-disturb snoozes

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("team_id", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=16), nullable=False),
        sa.Column("channel_id", sa.String(length=16), nullable=False),
        sa.Column("ts", sa.String(length=24), nullable=False),
        sa.Column("author_id", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("thread_ts", sa.String(length=24), nullable=True),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("emailed", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("team_id", "user_id", "channel_id", "ts"),
    )
    op.create_index("ix_notifications_user", "notifications", ["team_id", "user_id", "created"])
    op.create_table(
        "notification_prefs",
        sa.Column("team_id", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=16), nullable=False),
        sa.Column("channel_id", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=True),
        sa.Column("muted", sa.Boolean(), nullable=False),
        sa.Column("updated", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id", "channel_id"),
    )
    op.create_index(
        "ix_notification_prefs_channel",
        "notification_prefs",
        ["team_id", "channel_id", "level"],
    )
    op.create_table(
        "dnd",
        sa.Column("team_id", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=16), nullable=False),
        sa.Column("snooze_until", sa.BigInteger(), nullable=False),
        sa.Column("updated", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id"),
    )


def downgrade() -> None:
    op.drop_table("dnd")
    op.drop_index("ix_notification_prefs_channel", table_name="notification_prefs")
    op.drop_table("notification_prefs")
    op.drop_index("ix_notifications_user", table_name="notifications")
    op.drop_table("notifications")
