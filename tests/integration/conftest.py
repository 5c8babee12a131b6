"""Fixtures of the integration tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hubbub.app import build_hub
from hubbub.config import Settings
from hubbub.services.hub import Hub


@pytest.fixture(params=["sqlite", "postgres"])
async def hub(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Hub]:
    """A hub on each store in turn: a SQLite file, then a PostgreSQL database of the test's own."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    h = build_hub(Settings(data_dir=tmp_path / "data", database_url=url))
    yield h
    await h.close()
