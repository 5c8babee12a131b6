"""apps.interactivity_url, where an app's interaction payloads are POSTed (Slack's Interactivity
request URL), and command_responses.source_ts: a response URL of a press on a message's block
acts on that message (docs/integrations.md, Interactivity)

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
    with op.batch_alter_table("command_responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_ts", sa.String(length=24), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("command_responses", schema=None) as batch_op:
        batch_op.drop_column("source_ts")
    with op.batch_alter_table("apps", schema=None) as batch_op:
        batch_op.drop_column("interactivity_url")
