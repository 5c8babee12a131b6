"""members_joined_after: each member row keeps where their share of the conversation's log
begins, the seq before the first event of the unit of work that made them a member. A resume
started a conversation joined since its cursor at the first event logged since the second of
the join (members.joined is in seconds), so events said just before the join, in the same
second, were replayed to the newcomer (found by `hubbub chaos`, seed 106: docs/reliability.md).
Rows from before stay NULL and keep that rule, as do members made without an event (imports).

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 11:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("joined_after", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("joined_after")
