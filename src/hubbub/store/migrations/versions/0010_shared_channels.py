"""channels shared between workspaces: the host's channel_shares, each guest's shared_channels

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("has_shares", sa.Boolean(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("member_team", sa.String(length=16), nullable=True))
    op.create_table(
        "channel_shares",
        sa.Column("team_id", sa.String(length=16), nullable=False),
        sa.Column("channel_id", sa.String(length=16), nullable=False),
        sa.Column("guest_team_id", sa.String(length=16), nullable=False),
        sa.Column("invite_id", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("invited_by", sa.String(length=16), nullable=False),
        sa.Column("invited_user", sa.String(length=16), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("guest_name", sa.Text(), nullable=True),
        sa.Column("guest_is_private", sa.Boolean(), nullable=False),
        sa.Column("accepted_by", sa.String(length=16), nullable=True),
        sa.Column("accepted_at", sa.BigInteger(), nullable=True),
        sa.Column("updated", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "channel_id", "guest_team_id"),
    )
    with op.batch_alter_table("channel_shares", schema=None) as batch_op:
        batch_op.create_index(
            "ix_channel_shares_guest", ["channel_id", "guest_team_id"], unique=False
        )
        batch_op.create_index("ix_channel_shares_invite", ["team_id", "invite_id"], unique=True)
    op.create_table(
        "shared_channels",
        sa.Column("team_id", sa.String(length=16), nullable=False),
        sa.Column("channel_id", sa.String(length=16), nullable=False),
        sa.Column("host_team_id", sa.String(length=16), nullable=False),
        sa.Column("invite_id", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("is_private", sa.Boolean(), nullable=False),
        sa.Column("invited_by", sa.String(length=16), nullable=False),
        sa.Column("invited_user", sa.String(length=16), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("accepted_by", sa.String(length=16), nullable=True),
        sa.Column("accepted_at", sa.BigInteger(), nullable=True),
        sa.Column("updated", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "channel_id"),
    )
    with op.batch_alter_table("shared_channels", schema=None) as batch_op:
        batch_op.create_index("ix_shared_channels_invite", ["team_id", "invite_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("shared_channels", schema=None) as batch_op:
        batch_op.drop_index("ix_shared_channels_invite")
    op.drop_table("shared_channels")
    with op.batch_alter_table("channel_shares", schema=None) as batch_op:
        batch_op.drop_index("ix_channel_shares_invite")
        batch_op.drop_index("ix_channel_shares_guest")
    op.drop_table("channel_shares")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("member_team")
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.drop_column("has_shares")
