"""apps.interactivity_url, where an app's interaction payloads are POSTed (Slack's Interactivity
request URL), and apps.shortcuts; command_responses.source_ts: a response URL of a press on a
message's block acts on that message; the views table, the modals open for people
(docs/integrations.md, Interactivity, Modals and Shortcuts)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 01:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("apps", schema=None) as batch_op:
        batch_op.add_column(sa.Column("interactivity_url", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("shortcuts", sa.Text(), nullable=True))
    with op.batch_alter_table("command_responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_ts", sa.String(length=24), nullable=True))
    op.create_table(
        "views",
        sa.Column("team_id", sa.String(length=16), nullable=False),
        sa.Column("view_id", sa.String(length=16), nullable=False),
        sa.Column("app_id", sa.String(length=16), nullable=False),
        sa.Column("bot_id", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=16), nullable=False),
        sa.Column("root_view_id", sa.String(length=16), nullable=False),
        sa.Column("previous_view_id", sa.String(length=16), nullable=True),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("hash", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "view_id"),
    )
    op.create_index("ix_views_root", "views", ["team_id", "root_view_id"])
    op.create_index("ix_views_external", "views", ["team_id", "external_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_views_external", table_name="views")
    op.drop_index("ix_views_root", table_name="views")
    op.drop_table("views")
    with op.batch_alter_table("command_responses", schema=None) as batch_op:
        batch_op.drop_column("source_ts")
    with op.batch_alter_table("apps", schema=None) as batch_op:
        batch_op.drop_column("shortcuts")
        batch_op.drop_column("interactivity_url")
