"""search: the search_docs index of messages' folded text, FTS5 (trigram) on SQLite, pg_trgm on
PostgreSQL, filled from the messages already there

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hubbub.domain.search_text import UNSEARCHABLE_SUBTYPES, fold, has_link

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_BATCH = 5000

# SQLite: an FTS5 table over search_docs' body (external content: the text is kept once, in
# search_docs), kept in step by triggers, so every write of search_docs is also one of the
# index whatever wrote it. trigram: any substring of three characters or more is found, which
# word tokenizers miss in Chinese, Japanese and Hindi; case_sensitive 1 because the body is
# folded already (domain/search_text.py).
_SQLITE = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(body, content='search_docs',"
    " content_rowid='id', tokenize='trigram case_sensitive 1', detail=none, columnsize=0)",
    "CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs BEGIN"
    " INSERT INTO search_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN"
    " INSERT INTO search_fts(search_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER search_docs_au AFTER UPDATE OF body ON search_docs BEGIN"
    " INSERT INTO search_fts(search_fts, rowid, body) VALUES ('delete', old.id, old.body);"
    " INSERT INTO search_fts(rowid, body) VALUES (new.id, new.body); END",
)
# PostgreSQL: trigrams in a GIN index answer `body LIKE '%term%'` for terms of three characters
# or more, in any script.
_POSTGRES = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_search_docs_body ON search_docs USING gin (body gin_trgm_ops)",
)


def upgrade() -> None:
    op.create_table(
        "search_docs",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=16), nullable=False),
        sa.Column("channel_id", sa.String(length=16), nullable=False),
        sa.Column("ts", sa.String(length=24), nullable=False),
        sa.Column("user_id", sa.String(length=16), nullable=False),
        sa.Column("has_link", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("search_docs", schema=None) as batch_op:
        batch_op.create_index(
            "uq_search_docs_message", ["team_id", "channel_id", "ts"], unique=True
        )
        batch_op.create_index("ix_search_docs_team", ["team_id", "id"], unique=False)
        batch_op.create_index(
            "ix_search_docs_channel", ["team_id", "channel_id", "id"], unique=False
        )
    conn = op.get_bind()
    for statement in _SQLITE if conn.dialect.name == "sqlite" else _POSTGRES:
        op.execute(statement)
    _fill(conn)


def _fill(conn: sa.Connection) -> None:
    """Indexes the messages written before this migration, oldest first (ids in ts order)."""
    messages = sa.table(
        "messages",
        sa.column("team_id"),
        sa.column("channel_id"),
        sa.column("ts"),
        sa.column("user_id"),
        sa.column("subtype"),
        sa.column("text"),
    )
    docs = sa.table(
        "search_docs",
        sa.column("team_id"),
        sa.column("channel_id"),
        sa.column("ts"),
        sa.column("user_id"),
        sa.column("has_link"),
        sa.column("body"),
    )
    c = messages.c
    after: tuple[str, str, str] | None = None
    while True:
        # A page at a time by key, so a large store is never read into memory at once.
        page = sa.select(messages).order_by(c.ts, c.team_id, c.channel_id).limit(_BATCH)
        if after is not None:
            page = page.where(sa.tuple_(c.ts, c.team_id, c.channel_id) > sa.tuple_(*after))
        rows = conn.execute(page).fetchall()
        if not rows:
            return
        after = (rows[-1].ts, rows[-1].team_id, rows[-1].channel_id)
        batch = [
            {
                "team_id": row.team_id,
                "channel_id": row.channel_id,
                "ts": row.ts,
                "user_id": row.user_id,
                "has_link": has_link(row.text),
                "body": fold(row.text),
            }
            for row in rows
            if row.subtype not in UNSEARCHABLE_SUBTYPES
        ]
        if batch:
            conn.execute(sa.insert(docs), batch)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        for trigger in ("search_docs_ai", "search_docs_ad", "search_docs_au"):
            op.execute(f"DROP TRIGGER {trigger}")
        op.execute("DROP TABLE search_fts")
    else:
        op.execute("DROP INDEX ix_search_docs_body")
    with op.batch_alter_table("search_docs", schema=None) as batch_op:
        batch_op.drop_index("ix_search_docs_channel")
        batch_op.drop_index("ix_search_docs_team")
        batch_op.drop_index("uq_search_docs_message")
    op.drop_table("search_docs")
