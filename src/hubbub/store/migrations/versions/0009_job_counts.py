"""job outcome counts, slash command invocations kept for their echo, link previews by expiry

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_counts",
        sa.Column("team_id", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "kind", "outcome"),
    )
    with op.batch_alter_table("command_responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invocation", sa.Text(), nullable=True))
    op.create_index("ix_link_previews_expires", "link_previews", ["expires"])


def downgrade() -> None:
    op.drop_index("ix_link_previews_expires", table_name="link_previews")
    with op.batch_alter_table("command_responses", schema=None) as batch_op:
        batch_op.drop_column("invocation")
    op.drop_table("job_counts")
