"""The real PostgreSQL and Redis that tests talk to.

Every machine here runs both on 127.0.0.1 (5432, user postgres with trust; 6379). Where one is
not reachable (a newcomer's laptop), the session starts its own from the Debian binaries through
pytest-postgresql or pytest-redis instead of skipping: a skipped test proves nothing.

Isolation: each PostgreSQL test gets its own database (`postgres_url`), dropped afterwards; each
Redis test gets its own key and channel prefix (`redis_prefix`), since pub/sub ignores database
numbers.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import shutil
import socket
import subprocess
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from pytest_postgresql import factories as pg_factories
from pytest_redis import factories as redis_factories

from tests.support.servers import free_port, use_postgres
from tests.support.waiting import wait_for

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def _pg_ctl() -> str | None:
    """Debian keeps pg_ctl under /usr/lib/postgresql/<version>/bin, off the PATH."""
    versions = glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")
    newest = max(versions, key=lambda p: int(p.split("/")[4]), default=None)
    return shutil.which("pg_ctl") or newest


# Started only when requested, i.e. only where the machine's own server is not reachable.
own_postgres = pg_factories.postgresql_proc(executable=_pg_ctl(), port=None, user=PG_USER)
own_redis = redis_factories.redis_proc(port=None)


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str

    def url(self, dbname: str) -> str:
        """A SQLAlchemy URL for the psycopg (3) driver."""
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{dbname}"

    def admin(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            host=self.host, port=self.port, user=self.user, dbname="postgres", autocommit=True
        )


@pytest.fixture(scope="session")
def postgres_server(request: pytest.FixtureRequest) -> PostgresServer:
    if reachable(PG_HOST, PG_PORT):
        return PostgresServer(PG_HOST, PG_PORT, PG_USER)
    proc = request.getfixturevalue("own_postgres")
    return PostgresServer(proc.host, int(proc.port), proc.user)


@pytest.fixture
def postgres_db(postgres_server: PostgresServer) -> Iterator[str]:
    """The name of a fresh, empty database of this test's own."""
    name = "hubbub_test_" + uuid.uuid4().hex[:12]
    with postgres_server.admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with postgres_server.admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_url(postgres_server: PostgresServer, postgres_db: str) -> str:
    return postgres_server.url(postgres_db)


@dataclass(frozen=True)
class RedisServer:
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"


@pytest.fixture(scope="session")
def redis_server(request: pytest.FixtureRequest) -> RedisServer:
    if reachable(REDIS_HOST, REDIS_PORT):
        return RedisServer(REDIS_HOST, REDIS_PORT)
    proc = request.getfixturevalue("own_redis")
    return RedisServer(proc.host, int(proc.port))


@pytest.fixture
def redis_prefix() -> str:
    """Keys and channels of this test only: `hubbub-test-<random>:`."""
    return f"hubbub-test-{uuid.uuid4().hex[:12]}:"


@pytest.fixture(scope="session", autouse=True)
def test_store(request: pytest.FixtureRequest) -> Iterator[str]:
    """HUBBUB_TEST_STORE=postgres runs every test server and admin helper on PostgreSQL: each
    data directory gets a database of its own, created on first use, dropped at the end."""
    if os.environ.get("HUBBUB_TEST_STORE", "sqlite") != "postgres":
        yield "sqlite"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    made: dict[Path, str] = {}
    lock = threading.Lock()

    def database_for(data_dir: Path) -> str:
        key = data_dir.resolve()
        with lock:
            if key not in made:
                name = "hubbub_t_" + hashlib.sha1(str(key).encode()).hexdigest()[:16]
                with server.admin() as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                    conn.execute(f'CREATE DATABASE "{name}"')
                made[key] = name
            return server.url(made[key])

    use_postgres(database_for)
    try:
        yield "postgres"
    finally:
        use_postgres(None)
        with server.admin() as conn:
            for name in made.values():
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class PrivateRedis:
    """A redis-server of one test's own, to kill and start again: never the shared one."""

    def __init__(self, port: int, workdir: Path) -> None:
        self.port, self.workdir = port, workdir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        args = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly"]
        self.proc = subprocess.Popen(
            [binary, *args, "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        proc = self.proc

        def listening() -> bool:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                return True
            assert proc.poll() is None, "redis-server exited"
            return False

        wait_for(listening, timeout=5.0, interval=0.01, what=f"redis-server on port {self.port}")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    """A redis-server of this test's own, for tests that stop and restart it."""
    server = PrivateRedis(free_port(), tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.kill()
