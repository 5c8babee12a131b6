from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from tests.support.servers import Server, Workspace, make_workspace, threaded_server

# The real PostgreSQL and Redis (or ones started from Debian's binaries where they are missing).
pytest_plugins = [
    "tests.support.services",
    "tests.support.cable",
    "tests.support.shards",
    "tests.support.s3",
]


# Hypothesis fails an example that takes over 200 ms by default: a timing assert, which on a
# shared two-core machine failed tests of what SQL a query builds (DeadlineExceeded at 319 ms
# while a benchmark ran beside them). Time is the benchmarks' to measure.
settings.register_profile("hubbub", deadline=None)
settings.load_profile("hubbub")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """A server with rate limits off, on its own SQLite file."""
    with threaded_server(tmp_path / "data") as srv:
        yield srv


@pytest.fixture
def limited_server(tmp_path: Path) -> Iterator[Server]:
    """A server with Slack's rate limits on."""
    with threaded_server(tmp_path / "data", rate_limits=True) as srv:
        yield srv


@pytest.fixture
def workspace(server: Server) -> Workspace:
    return make_workspace(server.data_dir)
