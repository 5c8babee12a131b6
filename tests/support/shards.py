"""A sharded deployment's databases for one test: a directory and two shards, `a` and `b`, each
a fresh PostgreSQL database, dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest

from hubbub.config import Settings
from tests.support.services import PostgresServer

SHARDS = ("a", "b")


@dataclass
class ShardSet:
    server: PostgresServer
    directory: str  # database names
    shards: dict[str, str] = field(default_factory=dict)

    @property
    def directory_url(self) -> str:
        return self.server.url(self.directory)

    @property
    def shard_urls(self) -> dict[str, str]:
        return {name: self.server.url(db) for name, db in self.shards.items()}

    def settings(self, **more: Any) -> Settings:
        return Settings(shards=self.shard_urls, directory_url=self.directory_url, **more)

    def env(self) -> dict[str, str]:
        """The same settings for a `hubbub serve` or `hubbub admin` child (HUBBUB_*)."""
        return {
            "HUBBUB_SHARDS": orjson.dumps(self.shard_urls).decode(),
            "HUBBUB_DIRECTORY_URL": self.directory_url,
        }

    def toml(self, path: Path, **more: str) -> Path:
        lines = [f'directory_url = "{self.directory_url}"']
        lines += [f'{key} = "{value}"' for key, value in more.items()]
        lines += ["[shards]", *(f'{name} = "{url}"' for name, url in self.shard_urls.items())]
        path.write_text("\n".join(lines) + "\n")
        return path

    def connect(self, shard: str) -> psycopg.Connection[tuple[Any, ...]]:
        """A plain connection to one shard's database, for looking at its rows."""
        return _connect(self.server, self.shards[shard])

    def connect_directory(self) -> psycopg.Connection[tuple[Any, ...]]:
        return _connect(self.server, self.directory)


def _connect(server: PostgresServer, dbname: str) -> psycopg.Connection[tuple[Any, ...]]:
    return psycopg.connect(
        host=server.host, port=server.port, user=server.user, dbname=dbname, autocommit=True
    )


@pytest.fixture
def shard_set(postgres_server: PostgresServer) -> Iterator[ShardSet]:
    tag = uuid.uuid4().hex[:10]
    found = ShardSet(postgres_server, f"hubbub_dir_{tag}")
    found.shards = {name: f"hubbub_shard_{name}_{tag}" for name in SHARDS}
    names = [found.directory, *found.shards.values()]
    with postgres_server.admin() as conn:
        for name in names:
            conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield found
    finally:
        with postgres_server.admin() as conn:
            for name in names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
