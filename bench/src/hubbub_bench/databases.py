"""Fresh PostgreSQL databases for benchmark runs, on the machine's server (127.0.0.1:5432,
user postgres, trust), dropped afterwards."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import psycopg

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


def url_of(dbname: str) -> str:
    return f"postgresql+psycopg://{PG['user']}@{PG['host']}:{PG['port']}/{dbname}"


@contextlib.contextmanager
def fresh_database(prefix: str) -> Iterator[str]:
    """A new database named prefix_<random>: its SQLAlchemy URL, dropped (connections and all)
    when the block ends."""
    dbname = f"{prefix}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(dbname="postgres", autocommit=True, **PG) as admin:  # type: ignore[arg-type]
        admin.execute(f'CREATE DATABASE "{dbname}"')
    try:
        yield url_of(dbname)
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **PG) as admin:  # type: ignore[arg-type]
            admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
