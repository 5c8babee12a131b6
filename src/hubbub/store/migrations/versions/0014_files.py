"""files: the file rows, pending uploads and where each file is shared (docs/files.md)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "files",
        sa.Column("team_id", sa.String(length=16), nullable=False),
        sa.Column("file_id", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=16), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("mimetype", sa.Text(), nullable=False),
        sa.Column("filetype", sa.String(length=32), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("blob_key", sa.Text(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("alt_txt", sa.Text(), nullable=True),
        sa.Column("snippet_type", sa.String(length=40), nullable=True),
        sa.Column("original_w", sa.Integer(), nullable=True),
        sa.Column("original_h", sa.Integer(), nullable=True),
        sa.Column("thumbs", sa.Text(), nullable=True),
        sa.Column("updated", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "file_id"),
    )
    with op.batch_alter_table("files", schema=None) as batch_op:
        batch_op.create_index("ix_files_created", ["team_id", "created", "file_id"], unique=False)
        batch_op.create_index("ix_files_user", ["team_id", "user_id", "created"], unique=False)
        batch_op.create_index("ix_files_blob", ["team_id", "blob_key"], unique=False)
    op.create_table(
        "file_uploads",
        sa.Column("team_id", sa.String(length=16), nullable=False),
        sa.Column("file_id", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=16), nullable=False),
        sa.Column("length", sa.BigInteger(), nullable=False),
        sa.Column("expires", sa.BigInteger(), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "file_id"),
    )
    op.create_table(
        "file_shares",
        sa.Column("team_id", sa.String(length=16), nullable=False),
        sa.Column("file_id", sa.String(length=16), nullable=False),
        sa.Column("channel_id", sa.String(length=16), nullable=False),
        sa.Column("ts", sa.String(length=24), nullable=False),
        sa.Column("channel_team_id", sa.String(length=16), nullable=False),
        sa.Column("thread_ts", sa.String(length=24), nullable=True),
        sa.Column("user_id", sa.String(length=16), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "file_id", "channel_id", "ts"),
    )
    with op.batch_alter_table("file_shares", schema=None) as batch_op:
        batch_op.create_index(
            "ix_file_shares_channel", ["channel_team_id", "channel_id", "created"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("file_shares", schema=None) as batch_op:
        batch_op.drop_index("ix_file_shares_channel")
    op.drop_table("file_shares")
    op.drop_table("file_uploads")
    with op.batch_alter_table("files", schema=None) as batch_op:
        batch_op.drop_index("ix_files_blob")
        batch_op.drop_index("ix_files_user")
        batch_op.drop_index("ix_files_created")
    op.drop_table("files")
