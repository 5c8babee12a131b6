"""The migrations build exactly the schema that store/tables.py declares."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from hubbub.store.migrate import upgrade
from hubbub.store.tables import metadata


def test_migrated_database_matches_the_declared_schema(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    with engine.connect() as conn:
        upgrade(conn)
        conn.commit()
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
