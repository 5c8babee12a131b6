"""apps, their slash commands and response URLs; tokens name their app

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("app_id", sa.String(length=16), nullable=True))
    op.create_table(
        "apps",
        sa.Column("team_id", sa.String(length=16), nullable=False),
        sa.Column("app_id", sa.String(length=16), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("bot_user_id", sa.String(length=16), nullable=False),
        sa.Column("bot_id", sa.String(length=16), nullable=False),
        sa.Column("scopes", sa.Text(), nullable=False),
        sa.Column("signing_secret", sa.String(length=64), nullable=False),
        sa.Column("verification_token", sa.String(length=64), nullable=False),
        sa.Column("events", sa.Text(), nullable=False),
        sa.Column("request_url", sa.Text(), nullable=True),
        sa.Column("socket_mode", sa.Boolean(), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "app_id"),
    )
    op.create_table(
        "app_commands",
        sa.Column("team_id", sa.String(length=16), nullable=False),
        sa.Column("command", sa.String(length=40), nullable=False),
        sa.Column("app_id", sa.String(length=16), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "command"),
    )
    op.create_table(
        "command_responses",
        sa.Column("team_id", sa.String(length=16), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("app_id", sa.String(length=16), nullable=False),
        sa.Column("channel_id", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=16), nullable=False),
        sa.Column("expires", sa.BigInteger(), nullable=False),
        sa.Column("uses_left", sa.Integer(), nullable=False),
        sa.Column("last_ts", sa.String(length=24), nullable=True),
        sa.PrimaryKeyConstraint("team_id", "code_hash"),
    )


def downgrade() -> None:
    op.drop_table("command_responses")
    op.drop_table("app_commands")
    op.drop_table("apps")
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.drop_column("app_id")
