"""search_days: SQLite's map from each workspace's days to the ids of search_docs written for
them, first and last, so that a search with a date (`during:`, `after:`, `before:`, `on:`)
asks FTS5 and the walks for those ids alone instead of every match of its words and dropping
those of other days (docs/search.md, "Dates"). SQLite has one writer, whose ids grow in the
order it commits, so the bounds hold whatever order messages arrive in (an import's old
days included: a day's span only widens). PostgreSQL: nothing (its ids commit out of order).

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-08 02:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return
    op.execute(
        "CREATE TABLE search_days (team_id VARCHAR(16) NOT NULL, day INTEGER NOT NULL,"
        " first_id INTEGER NOT NULL, last_id INTEGER NOT NULL, PRIMARY KEY (team_id, day))"
        " WITHOUT ROWID"
    )
    conn.execute(
        sa.text(
            "INSERT INTO search_days (team_id, day, first_id, last_id)"
            " SELECT team_id, CAST(substr(ts, 1, 10) AS INTEGER) / 86400, min(id), max(id)"
            " FROM search_docs GROUP BY 1, 2"
        )
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE search_days")
