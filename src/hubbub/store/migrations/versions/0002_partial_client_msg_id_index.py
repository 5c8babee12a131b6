"""client_msg_id's unique index holds only messages that carry one

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 18:25:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_COLUMNS = ["team_id", "user_id", "client_msg_id"]
_WHERE = sa.text("client_msg_id IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("uq_messages_client_msg_id")
        batch_op.create_index(
            "uq_messages_client_msg_id",
            _COLUMNS,
            unique=True,
            sqlite_where=_WHERE,
            postgresql_where=_WHERE,
        )


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("uq_messages_client_msg_id")
        batch_op.create_index("uq_messages_client_msg_id", _COLUMNS, unique=True)
