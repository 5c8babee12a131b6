"""recurring_reminders: reminders.recurrence, the rule of a recurring reminder ("every day at
9am": its weekdays and second of the day, domain/reminders.py Recurrence.stored); null for a
one-off reminder.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 06:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recurrence", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_column("recurrence")
