"""usergroups and usergroup_members: user groups, Slack's subteams; emoji: custom emoji;
bookmarks: channel bookmarks (docs/integrations.md)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 01:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "usergroups",
        sa.Column("team_id", sa.String(length=16), nullable=False),
        sa.Column("usergroup_id", sa.String(length=16), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("handle", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("channels", sa.Text(), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.String(length=16), nullable=False),
        sa.Column("updated", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.String(length=16), nullable=False),
        sa.Column("deleted", sa.BigInteger(), nullable=False),
        sa.Column("deleted_by", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("team_id", "usergroup_id"),
        sa.UniqueConstraint("team_id", "name_key", name="uq_usergroups_name"),
        sa.UniqueConstraint("team_id", "handle", name="uq_usergroups_handle"),
    )
    op.create_table(
        "usergroup_members",
        sa.Column("team_id", sa.String(length=16), nullable=False),
        sa.Column("usergroup_id", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "usergroup_id", "user_id"),
    )
    with op.batch_alter_table("usergroup_members", schema=None) as batch_op:
        batch_op.create_index("ix_usergroup_members_user", ["team_id", "user_id"], unique=False)
    op.create_table(
        "emoji",
        sa.Column("team_id", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("user_id", sa.String(length=16), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("blob_key", sa.Text(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("mimetype", sa.String(length=32), nullable=True),
        sa.Column("alias_for", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("team_id", "name"),
    )
    op.create_table(
        "bookmarks",
        sa.Column("team_id", sa.String(length=16), nullable=False),
        sa.Column("channel_id", sa.String(length=16), nullable=False),
        sa.Column("bookmark_id", sa.String(length=24), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("link", sa.Text(), nullable=False),
        sa.Column("emoji", sa.String(length=128), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("updated", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "channel_id", "bookmark_id"),
    )


def downgrade() -> None:
    op.drop_table("bookmarks")
    op.drop_table("emoji")
    with op.batch_alter_table("usergroup_members", schema=None) as batch_op:
        batch_op.drop_index("ix_usergroup_members_user")
    op.drop_table("usergroup_members")
    op.drop_table("usergroups")
