"""shared_settings: the settings every process of a deployment applies alike (rate limits, the
abuse limits, the large room's size: domain/shared_settings.py), stored where every process reads
them, and changed by `hubbub admin settings set` without a restart (issue 23).

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-07 20:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shared_settings",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("shared_settings")
