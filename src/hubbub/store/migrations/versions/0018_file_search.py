"""file_search: files.search_body, the folded name and title search.files matches, with a
pg_trgm index on PostgreSQL, filled for the files already there (docs/search.md)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-12 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hubbub.domain.search_text import file_body

revision = "0018"
# 0017 is being written beside this one; whichever merges second re-chains after the other.
down_revision = "0017"
branch_labels = None
depends_on = None

_BATCH = 2000


def upgrade() -> None:
    with op.batch_alter_table("files", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_body", sa.Text(), nullable=True))
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        # Substrings of three characters or more, as search_docs' body (migration 0015).
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            "CREATE INDEX ix_files_search_body ON files USING gin (search_body gin_trgm_ops)"
        )
    _fill(conn)


def _fill(conn: sa.Connection) -> None:
    files = sa.table(
        "files",
        sa.column("team_id"),
        sa.column("file_id"),
        sa.column("name"),
        sa.column("title"),
        sa.column("search_body"),
    )
    c = files.c
    after: tuple[str, str] | None = None
    update = (
        sa.update(files)
        .where(c.team_id == sa.bindparam("t"), c.file_id == sa.bindparam("f"))
        .values(search_body=sa.bindparam("body"))
    )
    while True:
        page = sa.select(c.team_id, c.file_id, c.name, c.title).order_by(c.team_id, c.file_id)
        if after is not None:
            page = page.where(sa.tuple_(c.team_id, c.file_id) > sa.tuple_(*after))
        rows = conn.execute(page.limit(_BATCH)).fetchall()
        if not rows:
            return
        after = (rows[-1].team_id, rows[-1].file_id)
        conn.execute(
            update,
            [{"t": r.team_id, "f": r.file_id, "body": file_body(r.name, r.title)} for r in rows],
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_files_search_body")
    with op.batch_alter_table("files", schema=None) as batch_op:
        batch_op.drop_column("search_body")
