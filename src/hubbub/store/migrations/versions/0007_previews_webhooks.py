"""link previews' cache and incoming webhooks

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 10:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "link_previews",
        sa.Column("team_id", sa.String(length=16), nullable=False),
        sa.Column("url_hash", sa.String(length=64), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("preview", sa.Text(), nullable=True),
        sa.Column("expires", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "url_hash"),
    )
    op.create_table(
        "webhooks",
        sa.Column("team_id", sa.String(length=16), nullable=False),
        sa.Column("webhook_id", sa.String(length=16), nullable=False),
        sa.Column("channel_id", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=16), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "webhook_id"),
    )


def downgrade() -> None:
    op.drop_table("webhooks")
    op.drop_table("link_previews")
