"""The migrations build exactly the schema that store/tables.py declares."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine
from sqlalchemy.schema import CreateIndex

from hubbub.store.migrate import upgrade
from hubbub.store.tables import metadata


def test_migrated_database_matches_the_declared_schema(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    with engine.connect() as conn:
        upgrade(conn)
        conn.commit()
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_migrated_indexes_are_the_declared_ones_word_for_word(tmp_path: Path) -> None:
    """Alembic's comparison does not look at an index's WHERE; this does."""
    engine = create_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    with engine.connect() as conn:
        upgrade(conn)
        conn.commit()
        found = dict(
            conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            ).all()
        )
    declared = {
        index.name: str(CreateIndex(index).compile(dialect=engine.dialect))
        for table in metadata.tables.values()
        for index in table.indexes
    }
    assert {name: " ".join(sql.split()) for name, sql in found.items()} == {
        name: " ".join(sql.split()) for name, sql in declared.items()
    }
