"""The cluster deployment's processes, each started, killed, paused and restarted the same way:
its own session (so a signal reaches its children too: a PostgreSQL server's backends), its
output appended to one log file across restarts, readiness asked of the process itself."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

import psycopg

from hubbub_bench.databases import pg_bin

READY_WITHIN_S = 60.0


class Proc:
    """One process of the deployment under one name ("serve-0", "pg-1", ...)."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        log: Path,
        ready: Callable[[], bool],
        *,
        env: dict[str, str] | None = None,
        user: str | None = None,
        stop_signal: signal.Signals = signal.SIGTERM,
        on_spawn: Callable[[], None] | None = None,
    ) -> None:
        self.on_spawn = on_spawn  # called just before each start (a readiness baseline)
        self.name, self.argv, self.ready, self.env, self.user = name, argv, ready, env, user
        self.stop_signal = stop_signal
        self.log_path = log
        self.proc: subprocess.Popen[bytes] | None = None
        self.paused = False
        self.starts = 0
        self._log: IO[bytes] | None = None

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> None:
        """Starts it and returns once it answers."""
        if self.running():
            return  # a schedule replayed may restart what is up
        self.spawn()
        self.wait_ready()

    def spawn(self) -> None:
        if self._log is None:
            self._log = self.log_path.open("ab")
        self.starts += 1
        if self.on_spawn is not None:
            self.on_spawn()
        self._log.write(f"--- {self.name} start {self.starts} at {time.time():.3f}\n".encode())
        self._log.flush()
        self.proc = subprocess.Popen(
            self.argv,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            user=self.user,
            group=self.user,
        )
        self.paused = False

    def wait_ready(self, within_s: float = READY_WITHIN_S) -> None:
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}: see its log")
            with contextlib.suppress(Exception):
                if self.ready():
                    return
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not answer within {within_s} s: see its log")

    def signal_group(self, sig: signal.Signals, *, reaped_too: bool = False) -> None:
        """sig to the process's whole session (a PostgreSQL's backends too). Once it is reaped,
        its id may be handed to another process: only stop()'s sweep, at once, signals then."""
        if self.proc is None or (self.proc.poll() is not None and not reaped_too):
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)

    def kill(self) -> None:
        """kill -9 of the process and whatever it started."""
        if not self.running():
            return
        assert self.proc is not None
        self.signal_group(signal.SIGCONT)  # a stopped group dies as well, but reaps late
        self.signal_group(signal.SIGKILL)
        self.proc.wait(15)
        self.paused = False

    def pause(self) -> None:
        """SIGSTOP, returning once the process is stopped (a signal is delivered later)."""
        if self.running():
            assert self.proc is not None
            self.signal_group(signal.SIGSTOP)
            self.paused = True
            self._await_state(lambda state: state == "T")

    def resume(self) -> None:
        self.signal_group(signal.SIGCONT)
        self.paused = False
        if self.running():
            self._await_state(lambda state: state != "T")

    def _await_state(self, wanted: Callable[[str], bool], within_s: float = 10.0) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + within_s
        while not wanted(proc_state(self.proc.pid)):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not change state in {within_s} s")
            time.sleep(0.005)

    def stop(self) -> None:
        """At the end: SIGTERM, then SIGKILL if it lingers; either way the whole group."""
        was_running = self.running()
        if was_running:
            assert self.proc is not None
            self.signal_group(signal.SIGCONT)
            self.signal_group(self.stop_signal)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(10)
        # Whatever is left of its session (a backend its postmaster did not reap), right after
        # it ended here: one reaped long ago (a kill) may have had its id handed on.
        if self.proc is not None and was_running:
            self.signal_group(signal.SIGKILL, reaped_too=True)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(10)
        if self._log is not None:
            self._log.close()
            self._log = None


def proc_state(pid: int) -> str:
    """The kernel's one-letter state of a process (R, S, T for stopped, Z, ...); "" if gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return ""
    return stat.rsplit(")", 1)[1].split()[0]


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def answers_tcp(host: str, port: int) -> bool:
    with socket.create_connection((host, port), timeout=1):
        return True


def redis_answers(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
        sock.sendall(b"PING\r\n")
        return sock.recv(16).startswith(b"+PONG")


def redis_proc(port: int, workdir: Path, log: Path) -> Proc:
    """A redis-server of the deployment's own, run as docs/deploy.md asks of one that holds the
    job queue: with its append-only file, written before Redis answers, so a kill -9 loses
    nothing it acknowledged (everysec's fsync only matters when the host itself goes down)."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    argv = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(workdir)]
    argv += ["--appendonly", "yes", "--appendfsync", "everysec"]
    return Proc("redis", argv, log, lambda: redis_answers(port))


def pg_owner() -> str | None:
    """PostgreSQL refuses to run as root: then it runs as the `postgres` account."""
    return "postgres" if os.geteuid() == 0 else None


def can_reach(user: str | None, path: Path) -> bool:
    """Whether user may enter path (PostgreSQL's data directory must be reachable by it)."""
    if user is None:
        return True
    test = ["runuser", "-u", user, "--", "test", "-x", str(path)]
    return subprocess.run(test, check=False).returncode == 0


def pg_answers(port: int) -> bool:
    with psycopg.connect(host="127.0.0.1", port=port, user="postgres", connect_timeout=2) as c:
        c.execute("SELECT 1")
    return True


def pg_proc(name: str, datadir: Path, port: int, log: Path) -> Proc:
    """A PostgreSQL server of the deployment's own: its cluster made in datadir (initdb) if new,
    the postmaster run directly (not through pg_ctl) so its output goes to the log and its
    session is ours to signal."""
    owner = pg_owner()
    datadir.mkdir(parents=True, exist_ok=True)
    if owner is not None:
        shutil.chown(datadir, owner, owner)
        datadir.chmod(0o700)
    if not (datadir / "PG_VERSION").exists():
        initdb = [pg_bin("initdb"), "-D", str(datadir), "-U", "postgres", "--auth=trust"]
        initdb += ["--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"]
        subprocess.run(initdb, check=True, stdout=subprocess.DEVNULL, user=owner, group=owner)
    argv = [pg_bin("postgres"), "-D", str(datadir), "-p", str(port)]
    # fsync stays on: a shard's immediate stop must lose nothing acknowledged, as in production.
    settings = {
        "listen_addresses": "127.0.0.1",
        "unix_socket_directories": str(datadir),
        "max_connections": "200",
        "shared_buffers": "32MB",
        "logging_collector": "off",
    }
    for key, value in settings.items():
        argv += ["-c", f"{key}={value}"]
    # SIGINT is PostgreSQL's fast shutdown (SIGTERM's smart one waits for its clients).
    ready = lambda: pg_answers(port)  # noqa: E731
    return Proc(name, argv, log, ready, user=owner, stop_signal=signal.SIGINT)


def pg_stop_immediate(datadir: Path) -> None:
    """`pg_ctl stop -m immediate`: down at once, recovery from WAL at the next start."""
    owner = pg_owner()
    stop = [pg_bin("pg_ctl"), "-D", str(datadir), "-m", "immediate", "-w", "stop"]
    subprocess.run(stop, check=False, stdout=subprocess.DEVNULL, user=owner, group=owner)


def create_databases(port: int, names: list[str]) -> None:
    with psycopg.connect(host="127.0.0.1", port=port, user="postgres", autocommit=True) as c:
        for name in names:
            c.execute(f'CREATE DATABASE "{name}"')
