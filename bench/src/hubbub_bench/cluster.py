"""A cluster for the benches: `hubbub cluster up` on a fresh PostgreSQL database and Redis prefix.

The machine's own PostgreSQL (127.0.0.1:5432, user postgres, trust) and Redis (127.0.0.1:6379)
are used; where either is unreachable, `check_services` says so and the bench stops. Each run
gets a database of its own (`hubbub_bench_<stamp>`, dropped afterwards) and a Redis prefix of
its own (its keys deleted afterwards). The cluster is a child like any other (`post.Children`:
its own session, SIGTERM when the bench dies); `hubbub cluster up` stops its processes on
SIGTERM.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import redis

from hubbub_bench.post import START_TIMEOUT_S, Children

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
WATCH = ("postgres", "redis-server")  # processes whose CPU is reported beside the servers'
TCP_LISTEN = "0A"  # the state column of /proc/net/tcp


class Unavailable(RuntimeError):
    """PostgreSQL or Redis cannot be reached: the cluster bench cannot run."""


@dataclass(frozen=True)
class Shared:
    """What the processes of one run share: a database of its own and a Redis prefix."""

    dbname: str
    redis_prefix: str

    @property
    def database_url(self) -> str:
        return _url(self.dbname)

    @property
    def redis_url(self) -> str:
        return f"redis://{REDIS_HOST}:{REDIS_PORT}/0"


@dataclass(frozen=True)
class Sharded:
    """A sharded deployment's databases for one run: a directory and shards by name."""

    directory: str
    shards: dict[str, str]  # shard name -> database name
    redis_prefix: str

    @property
    def directory_url(self) -> str:
        return _url(self.directory)

    @property
    def shard_urls(self) -> dict[str, str]:
        return {name: _url(db) for name, db in self.shards.items()}

    @property
    def redis_url(self) -> str:
        return f"redis://{REDIS_HOST}:{REDIS_PORT}/0"


def _url(dbname: str) -> str:
    return f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{dbname}"


@dataclass(frozen=True)
class Cluster:
    proc: subprocess.Popen[bytes]  # the supervisor
    url: str
    pids: list[int]  # its `hubbub serve` processes


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def check_services() -> dict[str, str]:
    """The versions of the PostgreSQL and Redis the cluster will use; Unavailable if either
    cannot be reached (with what to do about it)."""
    down = [
        f"{what} at {host}:{port}"
        for what, host, port in (
            ("PostgreSQL", PG_HOST, PG_PORT),
            ("Redis", REDIS_HOST, REDIS_PORT),
        )
        if not _reachable(host, port)
    ]
    if down:
        raise Unavailable(
            f"cannot reach {' and '.join(down)}: the cluster bench needs both running there "
            f"(PostgreSQL user {PG_USER!r} with trust auth); start them and run again"
        )
    with _admin() as conn:
        row = conn.execute("SHOW server_version").fetchone()
    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT)
    try:
        info = client.info("server")
    finally:
        client.close()
    return {
        "postgresql": str(row[0]) if row else "?",
        "redis": str(info.get("redis_version", "?")),
        "psycopg": psycopg.__version__,
    }


def _admin() -> contextlib.closing[psycopg.Connection[tuple[object, ...]]]:
    conn = psycopg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True
    )
    return contextlib.closing(conn)


@contextlib.contextmanager
def shared_services(stamp: str) -> Iterator[Shared]:
    """A fresh database and Redis prefix for one run; both gone afterwards, errors included."""
    suffix = uuid.uuid4().hex[:6]
    shared = Shared(f"hubbub_bench_{stamp.lower()}_{suffix}", f"hubbub-bench-{stamp}-{suffix}:")
    with _fresh([shared.dbname], shared.redis_prefix):
        yield shared


@contextlib.contextmanager
def sharded_services(stamp: str, names: Sequence[str]) -> Iterator[Sharded]:
    """Fresh databases for a directory and the shards named, and a Redis prefix, for one run;
    all gone afterwards, errors included."""
    base = f"hubbub_bench_{stamp.lower()}_{uuid.uuid4().hex[:6]}"
    found = Sharded(
        f"{base}_dir", {name: f"{base}_{name}" for name in names}, f"{base.replace('_', '-')}:"
    )
    with _fresh([found.directory, *found.shards.values()], found.redis_prefix):
        yield found


@contextlib.contextmanager
def _fresh(dbnames: Sequence[str], redis_prefix: str) -> Iterator[None]:
    try:
        with _admin() as conn:
            for dbname in dbnames:
                conn.execute(f'CREATE DATABASE "{dbname}"')
        yield
    finally:
        with _admin() as conn:
            for dbname in dbnames:
                conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT)
        try:
            keys = list(client.scan_iter(match=redis_prefix + "*", count=1000))
            if keys:
                client.delete(*keys)
        finally:
            client.close()


def count_rows(shared: Shared, channel_ids: Sequence[str]) -> int:
    """Messages of these channels in the run's database, counted by PostgreSQL itself."""
    with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=shared.dbname) as conn:
        row = conn.execute(
            "SELECT count(*) FROM messages WHERE channel_id = ANY(%s)", (list(channel_ids),)
        ).fetchone()
    return int(row[0]) if row else 0


def config_text(shared: Shared, port: int) -> str:
    """The TOML `hubbub cluster up --config` reads: Settings fields (src/hubbub/config.py)."""
    values = {
        "database_url": shared.database_url,
        "redis_url": shared.redis_url,
        "redis_prefix": shared.redis_prefix,
        "host": "127.0.0.1",
        "port": port,
    }
    lines = [f"{k} = {json.dumps(v)}" for k, v in values.items()]  # JSON strings are TOML's
    return "\n".join([*lines, "rate_limits = false", ""])


def sharded_config_text(sharded: Sharded, port: int) -> str:
    """config_text for a sharded deployment: the directory, then a [shards] table."""
    values = {
        "directory_url": sharded.directory_url,
        "redis_url": sharded.redis_url,
        "redis_prefix": sharded.redis_prefix,
        "host": "127.0.0.1",
        "port": port,
    }
    lines = [f"{k} = {json.dumps(v)}" for k, v in values.items()]
    lines += ["rate_limits = false", "[shards]"]
    lines += [f"{name} = {json.dumps(url)}" for name, url in sharded.shard_urls.items()]
    return "\n".join([*lines, ""])


def listeners(proc_net_tcp: str, port: int) -> int:
    """How many sockets listen on port, from the text of /proc/net/tcp (one per process of
    the cluster: each binds the port itself with SO_REUSEPORT)."""
    count = 0
    for line in proc_net_tcp.splitlines()[1:]:
        fields = line.split()
        if len(fields) > 3 and fields[3] == TCP_LISTEN:
            local_port = fields[1].rsplit(":", 1)[-1]
            count += int(local_port, 16) == port
    return count


def children_of(pid: int) -> list[int]:
    """The child processes of pid (Linux: /proc/PID/task/*/children)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError, ValueError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return sorted(found)


def start_cluster(children: Children, config: Path, processes: int, port: int) -> Cluster:
    """`hubbub cluster up` with N processes; returns once all N listen and one answers."""
    argv = [sys.executable, "-m", "hubbub", "cluster", "up", "--config", str(config)]
    argv += ["--processes", str(processes), "--host", "127.0.0.1", "--port", str(port)]
    proc = children.start(argv)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"hubbub cluster up exited with {proc.returncode}")
        with contextlib.suppress(OSError):
            tcp = Path("/proc/net/tcp").read_text()
            pids = children_of(proc.pid)
            if len(pids) == processes and listeners(tcp, port) == processes:
                with contextlib.suppress(httpx.HTTPError):
                    httpx.post(url + "/api/api.test", timeout=1.0)
                    return Cluster(proc, url, pids)
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"hubbub cluster up: {processes} processes did not listen within "
                f"{START_TIMEOUT_S:g} s"
            )
        time.sleep(0.1)
