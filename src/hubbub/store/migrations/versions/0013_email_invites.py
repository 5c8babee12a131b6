"""invites by email address: the host's email_invites, and channel_shares.by_email

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channel_shares", schema=None) as batch_op:
        batch_op.add_column(sa.Column("by_email", sa.Boolean(), nullable=False, server_default="0"))
    op.create_table(
        "email_invites",
        sa.Column("team_id", sa.String(length=16), nullable=False),
        sa.Column("channel_id", sa.String(length=16), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("invite_id", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("invited_by", sa.String(length=16), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("guest_team_id", sa.String(length=16), nullable=True),
        sa.Column("updated", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "channel_id", "email"),
    )
    with op.batch_alter_table("email_invites", schema=None) as batch_op:
        batch_op.create_index("ix_email_invites_invite", ["team_id", "invite_id"], unique=True)
        batch_op.create_index("ix_email_invites_state", ["team_id", "state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("email_invites", schema=None) as batch_op:
        batch_op.drop_index("ix_email_invites_state")
        batch_op.drop_index("ix_email_invites_invite")
    op.drop_table("email_invites")
    with op.batch_alter_table("channel_shares", schema=None) as batch_op:
        batch_op.drop_column("by_email")
