"""reminders: reminders.add and Slackbot's reminder messages

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 03:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reminders",
        sa.Column("team_id", sa.String(length=16), nullable=False),
        sa.Column("reminder_id", sa.String(length=20), nullable=False),
        sa.Column("creator", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("time", sa.BigInteger(), nullable=False),
        sa.Column("complete_ts", sa.BigInteger(), nullable=False),
        sa.Column("said_ts", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "reminder_id"),
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.create_index("ix_reminders_user", ["team_id", "user_id", "time"], unique=False)
        batch_op.create_index("ix_reminders_creator", ["team_id", "creator", "time"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_reminders_creator")
        batch_op.drop_index("ix_reminders_user")
    op.drop_table("reminders")
