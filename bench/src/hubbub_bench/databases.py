"""PostgreSQL databases for benchmark runs: fresh ones on the machine's server (127.0.0.1:5432,
user postgres, trust), dropped afterwards, or a server of the bench's own (`own_server`)."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg


@dataclass(frozen=True)
class PgServer:
    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "postgres"

    def url(self, dbname: str) -> str:
        """A SQLAlchemy URL for the psycopg (3) driver."""
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{dbname}"

    def connect(self, dbname: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            host=self.host, port=self.port, user=self.user, dbname=dbname, autocommit=True
        )


MACHINE = PgServer()


@contextlib.contextmanager
def fresh_database(prefix: str, server: PgServer = MACHINE) -> Iterator[str]:
    """A new database named prefix_<random>: its SQLAlchemy URL, dropped (connections and all)
    when the block ends."""
    dbname = f"{prefix}_{uuid.uuid4().hex[:6]}"
    with server.connect() as admin:
        admin.execute(f'CREATE DATABASE "{dbname}"')
    try:
        yield server.url(dbname)
    finally:
        with server.connect() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def pg_bin(name: str) -> str:
    """Debian keeps PostgreSQL's programs under /usr/lib/postgresql/<version>/bin, off PATH."""
    found = glob.glob(f"/usr/lib/postgresql/*/bin/{name}")
    newest = max(found, key=lambda p: int(p.split("/")[4]), default=None)
    path = shutil.which(name) or newest
    if path is None:
        raise SystemExit(f"{name} not found: install Debian's postgresql package")
    return path


def _as_owner(datadir: Path) -> list[str]:
    """PostgreSQL refuses to run as root: its programs then run as the `postgres` account, which
    owns the data directory."""
    if os.geteuid() != 0:
        return []
    shutil.chown(datadir, "postgres", "postgres")
    return ["runuser", "-u", "postgres", "--"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def own_server(datadir: Path, settings: dict[str, str]) -> Iterator[PgServer]:
    """A PostgreSQL server of the bench's own on a free port, its cluster in datadir (made on
    first use and kept, with its databases, for the next run), started with these settings
    (`-c name=value`, e.g. shared_buffers as docs/deploy.md sizes it) and stopped afterwards.
    The machine's own server keeps PostgreSQL's defaults, which the bench must not change."""
    datadir.mkdir(parents=True, exist_ok=True)
    owner = _as_owner(datadir)
    if not (datadir / "PG_VERSION").exists():
        initdb = [*owner, pg_bin("initdb"), "-D", str(datadir), "-U", "postgres"]
        subprocess.run(
            [*initdb, "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    port = _free_port()
    options = [f"-p {port}", "-c listen_addresses=127.0.0.1"]
    options.append(f"-c unix_socket_directories={datadir}")
    options += [f"-c {name}={value}" for name, value in settings.items()]
    pg_ctl = [*owner, pg_bin("pg_ctl"), "-D", str(datadir)]
    subprocess.run(
        [*pg_ctl, "-w", "-l", str(datadir / "server.log"), "-o", " ".join(options), "start"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        yield PgServer(port=port)
    finally:
        stop = [*pg_ctl, "-w", "-m", "fast", "stop"]
        subprocess.run(stop, check=False, stdout=subprocess.DEVNULL)
