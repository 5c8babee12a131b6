"""search_fts_merges_sixteen: SQLite's two FTS5 tables merge a level's segments once sixteen
wait (was eight, 0017 and 0020), and all at once only past sixty-four (FTS5's default is
sixteen, which would make every merge one). Each term's rows are written again about half as
often as the index grows: under callgrind, a post into the 1M store with the index went from
1.33M to 0.98M instructions (0.60M without it), and a query reads up to fifteen segments a
level instead of seven (docs/search.md, "Posting"). PostgreSQL: nothing.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 11:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

_TABLES = ("search_fts", "search_keys")


def _set(automerge: int, crisismerge: int) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in _TABLES:
        op.execute(f"INSERT INTO {table}({table}, rank) VALUES ('automerge', {automerge})")
        op.execute(f"INSERT INTO {table}({table}, rank) VALUES ('crisismerge', {crisismerge})")


def upgrade() -> None:
    _set(16, 64)


def downgrade() -> None:
    _set(8, 16)
