"""outbox_notice_payload: an outbox row may carry a notice's own bytes (seq 0, never logged),
so that a join notice is published like the event beside it: by the committer at once, else by
the relay once the bus is back. A notice lost while Redis was down left a socket on another
process without the conversation joined until it reconnected (found by `hubbub chaos`, cluster
seeds 411, 436 and 439: docs/reliability.md).

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payload", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM outbox WHERE payload IS NOT NULL")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("payload")
