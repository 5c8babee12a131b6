"""Fixtures of the integration tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from hubbub.app import build_hub
from hubbub.config import Settings
from hubbub.services.hub import Hub
from tests.support.shards import ShardSet


@pytest.fixture(params=["sqlite", "postgres"])
async def hub(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Hub]:
    """A hub on each store in turn: a SQLite file, then a PostgreSQL database of the test's own."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    h = build_hub(Settings(data_dir=tmp_path / "data", database_url=url))
    yield h
    await h.close()


@pytest.fixture(params=["sqlite", "postgres", "sharded"])
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    """The Settings fields naming one deployment's data, of each kind: a SQLite file, a
    PostgreSQL database, shards with their directory (what is about the deployment, not a
    workspace, lives in the one store or the directory)."""
    if request.param == "sqlite":
        return {"data_dir": tmp_path / "data"}
    if request.param == "postgres":
        return {"database_url": request.getfixturevalue("postgres_url")}
    shard_set: ShardSet = request.getfixturevalue("shard_set")
    return {"shards": shard_set.shard_urls, "directory_url": shard_set.directory_url}
