"""The cluster deployment: three `hubbub serve` processes (roles all, api and gateway), a
`hubbub worker` (job_queue = "redis"), two PostgreSQL shards (the directory's database on the
first) and a Redis, each a process of its own, every one of them the deployment's: never the
machine's PostgreSQL or Redis.

Every connection from a hubbub process to a server (Redis, a PostgreSQL) goes through a relay of
its link (proxy.py: why relays rather than namespaces), so each link can be cut or slowed alone.
Clients reach the serve processes directly, each on an address of its own (127.0.10.1-3).

    serve-0  role all      api_urls()[0]; its sockets are its own
    serve-1  role api      api_urls()[1]; rtm.connect there hands out serve-2's sockets
    serve-2  role gateway  RTM and Socket Mode sockets only
    worker   jobs from Redis Streams
    pg-0     shard "a" and the directory;  pg-1  shard "b"
    redis    bus, presence, tickets, limits, the job stream; keeps its append-only file
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx
import orjson

from hubbub.config import Settings
from hubbub_chaos import procs
from hubbub_chaos.procs import Proc
from hubbub_chaos.proxy import Relays

SERVES = ("serve-0", "serve-1", "serve-2")
ROLES = {"serve-0": "all", "serve-1": "api", "serve-2": "gateway"}
PGS = ("pg-0", "pg-1")
SHARDS = {"a": "pg-0", "b": "pg-1"}
DIRECTORY_ON = "pg-0"
SHARD_DB = "hubbub"
DIRECTORY_DB = "hubbub_directory"
CLIENTS = (*SERVES, "worker")
SERVERS = ("redis", *PGS)
# Databases come back first: a serve or worker restarted before them would only wait for them.
RESTART_ORDER = (*PGS, "redis", *SERVES, "worker")
# Settings of the run's own may not move what the deployment's shape decides.
OURS = ("DATABASE_URL", "SHARDS", "DIRECTORY_URL", "REDIS_URL", "ROLE", "RTM_URL", "CONFIG")


class ClusterDeployment:
    name = "cluster"

    def __init__(self, folder: Path, settings: dict[str, str] | None = None) -> None:
        """folder: the run's folder (data/, logs/, conf/, the servers' own directories go
        under it); settings: HUBBUB_* of the run's own (the SMTP sink, ...), given to every
        hubbub process, as the embedded deployment takes them."""
        self.folder = folder
        self.data_dir = folder / "data"  # the blob store every serve and the worker share
        self.logs = folder / "logs"
        self.conf = folder / "conf"
        self.settings = settings or {}
        self.hosts = {name: f"127.0.10.{i + 1}" for i, name in enumerate(SERVES)}
        self.ports: dict[str, int] = {}
        self.procs: dict[str, Proc] = {}
        self.pg_dirs: dict[str, Path] = {}
        self._temp_pg: Path | None = None
        self.relays: Relays | None = None
        self._worker_dialed = 0

    # -- where things are

    def url(self, serve: str) -> str:
        return f"http://{self.hosts[serve]}:{self.ports[serve]}"

    def api_urls(self) -> list[str]:
        return [self.url(s) + "/api/" for s in SERVES if ROLES[s] != "gateway"]

    def targets(self) -> list[str]:
        return [*SERVES, "worker", "redis", *PGS]

    def links(self) -> list[tuple[str, str]]:
        """Known before start(): the schedule is drawn from them first."""
        return [(client, server) for client in CLIENTS for server in SERVERS]

    def _pg_url(self, port: int, db: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{port}/{db}"

    def tool_settings(self, **more: Any) -> Settings:
        """Settings for an in-process hub as `hubbub admin` runs one (the harness sets up its
        workspace with them): the servers' own addresses, past every relay, so a fault never
        reaches the harness's own set-up or final reads."""
        return Settings(
            data_dir=self.data_dir,
            shards={s: self._pg_url(self.ports[pg], SHARD_DB) for s, pg in SHARDS.items()},
            directory_url=self._pg_url(self.ports[DIRECTORY_ON], DIRECTORY_DB),
            redis_url=f"redis://127.0.0.1:{self.ports['redis']}/0",
            job_queue="redis",
            **more,
        )

    # -- bringing it up

    def start(self) -> None:
        try:
            self._start()
        except BaseException:
            self.close()
            raise

    def _start(self) -> None:
        for folder in (self.data_dir, self.logs, self.conf):
            folder.mkdir(parents=True, exist_ok=True)
        self._start_servers()
        self.relays = Relays()
        for client, server in self.links():
            self.relays.add(client, server, self.ports[server])
        for name in (*SERVES, "worker"):
            self.procs[name] = self._hubbub_proc(name)
        # The first migrates every shard (under an advisory lock); the others then find it done.
        self.procs["serve-0"].start()
        for name in (*SERVES[1:], "worker"):
            self.procs[name].spawn()
        for name in (*SERVES[1:], "worker"):
            self.procs[name].wait_ready()
        # Where everything listens, for whoever reads the logs.
        (self.logs / "ports.json").write_bytes(orjson.dumps(self.ports))

    def _start_servers(self) -> None:
        port = procs.free_port()
        self.ports["redis"] = port
        redis_dir = self.folder / "redis"
        redis_dir.mkdir(exist_ok=True)
        self.procs["redis"] = procs.redis_proc(port, redis_dir, self.logs / "redis.log")
        self.procs["redis"].start()
        base = self._pg_base()
        for pg in PGS:
            self.ports[pg] = procs.free_port()
            self.pg_dirs[pg] = base / pg
            self.procs[pg] = procs.pg_proc(
                pg, self.pg_dirs[pg], self.ports[pg], self.logs / f"{pg}.log"
            )
        for pg in PGS:
            self.procs[pg].spawn()
        for pg in PGS:
            self.procs[pg].wait_ready()
            dbs = [SHARD_DB, DIRECTORY_DB] if pg == DIRECTORY_ON else [SHARD_DB]
            procs.create_databases(self.ports[pg], dbs)
        for serve in SERVES:
            self.ports[serve] = procs.free_port(self.hosts[serve])

    def _pg_base(self) -> Path:
        """PostgreSQL runs as the postgres account, which must reach its data directory: under
        the run's folder where it can, else (a folder under root's private /tmp/pytest-of-root)
        in a directory of /tmp of the deployment's own, removed by close()."""
        if procs.can_reach(procs.pg_owner(), self.folder):
            return self.folder
        self._temp_pg = Path(tempfile.mkdtemp(prefix="hubbub-chaos-pg-"))
        self._temp_pg.chmod(0o755)
        (self.folder / "pg-data-is-at").write_text(str(self._temp_pg) + "\n")
        return self._temp_pg

    def _config(self, name: str) -> Path:
        """The process's own settings file: its roles, and every server at its link's relay."""
        assert self.relays is not None
        relay = self.relays.port
        lines = [
            f'redis_url = "redis://127.0.0.1:{relay(name, "redis")}/0"',
            'job_queue = "redis"',
            f'directory_url = "{self._pg_url(relay(name, DIRECTORY_ON), DIRECTORY_DB)}"',
        ]
        if name in ROLES:
            lines += [f'role = "{ROLES[name]}"', f'host = "{self.hosts[name]}"']
            lines.append(f"port = {self.ports[name]}")
            if ROLES[name] == "api":
                lines.append(f'rtm_url = "ws://{self.hosts["serve-2"]}:{self.ports["serve-2"]}"')
        lines.append("[shards]")
        lines += [f'{s} = "{self._pg_url(relay(name, pg), SHARD_DB)}"' for s, pg in SHARDS.items()]
        path = self.conf / f"{name}.toml"
        path.write_text("\n".join(lines) + "\n")
        return path

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k.removeprefix("HUBBUB_") not in OURS}
        env.update(
            {
                # The harness's clients would trip Slack's limits at once; abuse limits are
                # not what a chaos run is about.
                "HUBBUB_RATE_LIMITS": "off",
                # The Events API app's request URL is the harness's sink on 127.0.0.1.
                "HUBBUB_ALLOW_PRIVATE_OUTBOUND": "true",
            }
        )
        env.update(
            {k: v for k, v in self.settings.items() if k.removeprefix("HUBBUB_") not in OURS}
        )
        return env

    def _hubbub_proc(self, name: str) -> Proc:
        config = self._config(name)
        command = "worker" if name == "worker" else "serve"
        argv = [sys.executable, "-m", "hubbub", command, "--config", str(config)]
        argv += ["--data-dir", str(self.data_dir)]
        log = self.logs / f"{name}.log"
        if name == "worker":
            ready, baseline = self._worker_connected, self._worker_baseline
            return Proc(name, argv, log, ready, env=self._env(), on_spawn=baseline)
        if ROLES[name] == "gateway":
            return Proc(name, argv, log, lambda: self._answers(name, 404), env=self._env())
        return Proc(name, argv, log, lambda: self._answers(name, 200), env=self._env())

    def _answers(self, serve: str, status: int) -> bool:
        return httpx.get(self.url(serve) + "/api/api.test", timeout=2).status_code == status

    def _worker_baseline(self) -> None:
        assert self.relays is not None
        self._worker_dialed = self.relays.accepted("worker", "redis")

    def _worker_connected(self) -> bool:
        """The worker answers nothing; it is up once it has built its hub and dialled Redis
        for its job stream (a consumer shows in XINFO only once it has read an entry)."""
        assert self.relays is not None
        return self.relays.accepted("worker", "redis") > self._worker_dialed

    # -- faults

    def _proc(self, target: str) -> Proc:
        if target not in self.procs:
            raise ValueError(f"no target {target!r} in the cluster deployment")
        return self.procs[target]

    def kill(self, target: str) -> None:
        proc = self._proc(target)
        if target in PGS:
            proc.resume()  # a stopped postmaster would not hear pg_ctl
            procs.pg_stop_immediate(self.pg_dirs[target])
        proc.kill()  # for PostgreSQL: whatever pg_ctl left (nothing, as a rule)

    def restart(self, target: str) -> None:
        proc = self._proc(target)
        if proc.running() and proc.paused:
            proc.resume()
        proc.start()  # nothing to do if it runs; else returns once it answers

    def lose_redis_files(self) -> None:
        """A Redis whose disk is gone (or that ran without persistence) comes back empty: the
        files go while it is down, so the next restart starts from nothing."""
        if self._proc("redis").running():
            raise RuntimeError("Redis's files go only while it is down")
        shutil.rmtree(self.folder / "redis")
        (self.folder / "redis").mkdir()

    def pause(self, target: str) -> None:
        self._proc(target).pause()

    def resume(self, target: str) -> None:
        self._proc(target).resume()

    def partition(self, a: str, b: str) -> None:
        assert self.relays is not None
        self.relays.cut(a, b)

    def delay(self, a: str, b: str, ms: int) -> None:
        assert self.relays is not None
        self.relays.slow(a, b, ms)

    def heal(self) -> None:
        if self.relays is not None:
            self.relays.heal()
        for name in RESTART_ORDER:
            proc = self.procs.get(name)
            if proc is not None and proc.paused:
                proc.resume()
        for name in RESTART_ORDER:
            proc = self.procs.get(name)
            if proc is not None and proc.proc is not None and not proc.running():
                proc.start()

    def pids(self) -> list[int]:
        """Every process started and not yet reaped (the leftover test looks for them)."""
        return [p.proc.pid for p in self.procs.values() if p.proc is not None]

    def close(self) -> None:
        # hubbub first (its shutdown talks to Redis and PostgreSQL, so the links are healed for
        # it), the relays, the servers.
        if self.relays is not None:
            self.relays.heal()
        for name in (*SERVES, "worker"):
            if name in self.procs:
                self.procs[name].stop()
        if self.relays is not None:
            self.relays.close()
            self.relays = None
        for name in ("redis", *PGS):
            if name in self.procs:
                self.procs[name].stop()
        if self._temp_pg is not None:
            shutil.rmtree(self._temp_pg, ignore_errors=True)
