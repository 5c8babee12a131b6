"""file_thumbs: the thumbnails of image files, each naming its blob (docs/files.md)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-10 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "file_thumbs",
        sa.Column("team_id", sa.String(length=16), nullable=False),
        sa.Column("file_id", sa.String(length=16), nullable=False),
        sa.Column("edge", sa.String(length=8), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("mimetype", sa.String(length=32), nullable=False),
        sa.Column("blob_key", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "file_id", "edge"),
    )
    with op.batch_alter_table("file_thumbs", schema=None) as batch_op:
        batch_op.create_index("ix_file_thumbs_blob", ["team_id", "blob_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("file_thumbs", schema=None) as batch_op:
        batch_op.drop_index("ix_file_thumbs_blob")
    op.drop_table("file_thumbs")
