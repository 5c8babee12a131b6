"""channels_num_members: each conversation keeps how many members it has, written with every
member row added or removed (store/queries/channels.py), so that conversations.info and
conversations.list no longer count a channel's members on each call (100,000 rows in the
largest rooms: issue 23). The rows already there are counted once here.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07 17:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("num_members", sa.BigInteger(), nullable=False, server_default="0")
        )
    op.execute(
        "UPDATE channels SET num_members = (SELECT count(*) FROM members"
        " WHERE members.team_id = channels.team_id AND members.channel_id = channels.channel_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.drop_column("num_members")
