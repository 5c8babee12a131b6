"""The migrations build exactly the schema that store/tables.py declares."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, insert
from sqlalchemy.schema import CreateIndex

from hubbub.domain.search_text import boundary_hashes, boundary_keys, word_start_hash
from hubbub.store.migrate import config, upgrade
from hubbub.store.tables import messages, metadata


def _declarable(name: str | None, kind: str, _parents: object) -> bool:
    """SQLite's FTS5 tables of the search index and their shadow tables (migrations 0015,
    0020) are virtual tables, which SQLAlchemy cannot declare, and search_days (0035) is
    theirs, SQLite's alone: the migrations are their only definition."""
    return not (
        kind == "table"
        and name is not None
        and name.startswith(("search_fts", "search_keys", "search_days"))
    )


def test_migrated_database_matches_the_declared_schema(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    with engine.connect() as conn:
        upgrade(conn)
        conn.commit()
        context = MigrationContext.configure(conn, opts={"include_name": _declarable})
        diff = compare_metadata(context, metadata)
    assert diff == []


def test_the_search_index_has_its_fts5_table_and_no_triggers(tmp_path: Path) -> None:
    # store/queries/search_index.py writes search_fts beside search_docs (0017 dropped 0015's
    # triggers: each made every message an FTS5 segment of its own).
    engine = create_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    with engine.connect() as conn:
        upgrade(conn)
        conn.commit()
        found = set(
            conn.exec_driver_sql(
                "SELECT type, name FROM sqlite_master WHERE name LIKE 'search_%'"
                " AND type IN ('table', 'trigger')"
            ).all()
        )
    assert {("table", "search_fts"), ("table", "search_keys")} <= found
    assert not {kind for kind, _ in found} - {"table"}


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


def test_messages_from_before_the_search_index_are_indexed_by_its_migration(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    with engine.connect() as conn:
        command.upgrade(config(conn), "0013")
        conn.commit()
        for ts, subtype, text in (
            ("1700000000.000001", None, "Old CAFÉ talk"),
            ("1700000000.000002", "channel_join", "joined the café"),
            ("1700100000.000001", None, "a day later"),
        ):
            conn.execute(
                insert(messages).values(
                    team_id="T1",
                    channel_id="C1",
                    ts=ts,
                    user_id="U1",
                    subtype=subtype,
                    text=text,
                    in_channel=True,
                    reply_count=0,
                    reply_users="[]",
                    seq=1,
                )
            )
        conn.commit()
        upgrade(conn)
        conn.commit()
        rows = conn.exec_driver_sql(
            "SELECT d.ts, d.body FROM search_fts f JOIN search_docs d ON d.id = f.rowid"
            # FTS5 keeps no positions (detail=none): a term is asked as its trigrams.
            ' WHERE search_fts MATCH \'"caf" "afe"\''
        ).all()
        # 0020 wrote each text's boundary keys to search_keys (a phrase's are asked of it).
        keyed = conn.exec_driver_sql(
            "SELECT count(*) FROM search_keys WHERE search_keys MATCH ?",
            (" ".join(f'"{key}"' for key in boundary_keys("old cafe talk")),),
        ).scalar()
        # 0035 mapped each day (UTC days since 1970: 19675 and 19677) to its rows' ids.
        days = conn.exec_driver_sql(
            "SELECT s.day, d.ts FROM search_days s JOIN search_docs d"
            " ON d.id BETWEEN s.first_id AND s.last_id ORDER BY s.day"
        ).all()
    assert [tuple(r) for r in rows] == [("1700000000.000001", "old cafe talk")]
    assert keyed == 1
    assert [tuple(r) for r in days] == [(19675, "1700000000.000001"), (19677, "1700100000.000001")]


def test_files_from_before_file_search_are_indexed_by_its_migration(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    with engine.connect() as conn:
        command.upgrade(config(conn), "0016")
        conn.commit()
        conn.exec_driver_sql(
            "INSERT INTO files (team_id, file_id, user_id, created, name, title, mimetype,"
            " filetype, size, state, updated) VALUES ('T1', 'F1', 'U1', 1, 'Résumé.PDF',"
            " 'My CV', 'application/pdf', 'pdf', 3, 'ready', 1)"
        )
        conn.commit()
        upgrade(conn)
        conn.commit()
        body = conn.exec_driver_sql("SELECT search_body FROM files").scalar()
    assert body == "resume.pdf my cv"


def test_rows_indexed_before_0031_get_the_keys_of_their_words_starts(postgres_url: str) -> None:
    """PostgreSQL asks a prefix of its words' start keys alone: 0031 gives them to the rows
    that had only their spaces' windows (0025's keys)."""
    engine = create_engine(postgres_url)
    with engine.connect() as conn:
        command.upgrade(config(conn), "0030")
        conn.commit()
        conn.exec_driver_sql(
            "INSERT INTO search_docs (team_id, channel_id, ts, user_id, has_link, body,"
            " boundary_keys) VALUES ('T1', 'C1', '1700000000.000001', 'U1', false,"
            " 'the zaizou plan', ARRAY[1, 2])"
        )
        conn.commit()
        upgrade(conn)
        conn.commit()
        keys = conn.exec_driver_sql("SELECT boundary_keys FROM search_docs").scalar()
    assert keys == boundary_hashes("the zaizou plan")
    assert word_start_hash("zaiz") in keys


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
def test_channels_from_before_0033_are_given_their_member_counts(
    dialect: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'm.sqlite3'}"
        if dialect == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    engine = create_engine(url)
    with engine.connect() as conn:
        command.upgrade(config(conn), "0032")
        conn.commit()
        for channel in ("C1", "C2", "C3"):
            conn.exec_driver_sql(
                "INSERT INTO channels (team_id, channel_id, name, is_private, is_im, is_mpim,"
                " creator, created, is_archived, topic, topic_creator, topic_last_set, purpose,"
                " purpose_creator, purpose_last_set, last_seq, last_us) VALUES"
                f" ('T1', '{channel}', '{channel.lower()}', false, false, false, 'U1', 1, false,"
                " '', '', 0, '', '', 0, 0, 0)"
            )
        for channel, user in (("C1", "U1"), ("C1", "U2"), ("C1", "U3"), ("C2", "U1")):
            conn.exec_driver_sql(
                "INSERT INTO members (team_id, channel_id, user_id, joined, last_read) VALUES"
                f" ('T1', '{channel}', '{user}', 1, '0000000000.000000')"
            )
        conn.commit()
        upgrade(conn)
        conn.commit()
        counts = conn.exec_driver_sql(
            "SELECT channel_id, num_members FROM channels ORDER BY channel_id"
        ).all()
    assert [tuple(r) for r in counts] == [("C1", 3), ("C2", 1), ("C3", 0)]
