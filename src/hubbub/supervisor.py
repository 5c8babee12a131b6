"""`hubbub cluster up`: N `hubbub serve` processes on one port, kept running.

Each child binds the port itself with SO_REUSEPORT, so the kernel spreads new connections over
them: a balancer of the real kind, with nothing to install, for tests and for one big host (a
fleet of hosts puts an HTTP balancer in front instead: docs/deploy.md). A child that dies is
started again after a short, growing pause; SIGTERM or Ctrl-C stops them all.

The processes share nothing in memory, so the settings must name PostgreSQL (a database, or
shards) and a Redis: with SQLite and the in-process bus, a post on one child would never reach
a socket on another.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from hubbub.config import Settings

RESTART_PAUSE_S = (0.2, 5.0)  # first pause, longest pause


class NotShareable(Exception):
    pass


def check_shareable(settings: Settings) -> None:
    missing = [] if settings.database_url or settings.shards else ["database_url (or shards)"]
    missing += [] if settings.redis_url else ["redis_url"]
    if missing:
        raise NotShareable(
            f"a cluster needs {' and '.join(missing)} in its settings (--config FILE): "
            "its processes share nothing else"
        )


class Supervisor:
    def __init__(
        self,
        processes: int,
        serve_args: list[str],
        *,
        workers: int = 0,
        gateway_ports: int | None = None,
        on_exit: Callable[[int], None] = lambda _pid: None,
    ) -> None:
        """processes `hubbub serve` on one port, and workers `hubbub worker` for the jobs.

        With gateway_ports, serve process n also listens on port gateway_ports + n (each on
        any port the kernel gives when 0), registered as its own address for sockets: the
        shared port balances requests, and rtm.connect sends each socket to a live process
        (services/gateways.py). A restarted process takes its predecessor's port again.
        """
        serve = [sys.executable, "-m", "hubbub", "serve", "--reuse-port", *serve_args]
        worker = [sys.executable, "-m", "hubbub", "worker", *_config_only(serve_args)]
        self.commands = [serve] * processes + [worker] * workers
        self.serves = processes
        self.gateway_ports = gateway_ports
        self.processes = len(self.commands)
        self.children: list[subprocess.Popen[bytes]] = []
        self.on_exit = on_exit
        self._stopping = False

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        self.children = [self._start(n) for n in range(self.processes)]
        pauses = [RESTART_PAUSE_S[0]] * self.processes
        while not self._stopping:
            time.sleep(0.1)
            for n, child in enumerate(self.children):
                if child.poll() is not None and not self._stopping:
                    print(
                        f"hubbub cluster: process {child.pid} exited ({child.returncode})",
                        file=sys.stderr,
                    )
                    self.on_exit(child.pid)
                    time.sleep(pauses[n])
                    pauses[n] = min(pauses[n] * 2, RESTART_PAUSE_S[1])
                    self.children[n] = self._start(n)
        for child in self.children:
            if child.poll() is None:
                child.terminate()
        for child in self.children:
            try:
                child.wait(15)
            except subprocess.TimeoutExpired:
                child.kill()
        return 0

    def pids(self) -> list[int]:
        return [c.pid for c in self.children]

    def _start(self, n: int) -> subprocess.Popen[bytes]:
        env = None
        if self.gateway_ports is not None and n < self.serves:
            port = self.gateway_ports + n if self.gateway_ports else 0
            env = {**os.environ, "HUBBUB_GATEWAY_PORT": str(port)}
        return subprocess.Popen(self.commands[n], env=env)

    def _stop(self, _signum: int, _frame: FrameType | None) -> None:
        self._stopping = True


def forget_exited(settings: Settings) -> Callable[[int], None]:
    """on_exit for a cluster on settings' Redis: drops an exited process's record at once."""
    from hubbub.processes.redis import RedisProcesses
    from hubbub.redis_client import redis_client
    from hubbub.services import gateways

    url = settings.redis_url
    if url is None:  # refused by check_shareable before this
        return lambda _pid: None

    async def forget(pid: int) -> list[str]:
        client = redis_client(url, socket_connect_timeout=1.0, socket_timeout=2.0)
        try:
            processes = RedisProcesses(client, prefix=settings.redis_prefix)
            return await gateways.forget_exited(processes, socket.gethostname(), pid)
        finally:
            await client.aclose()

    def on_exit(pid: int) -> None:
        try:
            asyncio.run(forget(pid))
        except Exception as exc:
            print(
                f"hubbub cluster: process {pid}'s record stays until its lease runs out"
                f" ({type(exc).__name__}: {exc})",
                file=sys.stderr,
            )

    return on_exit


def serve_args(config: Path, host: str | None, port: int | None) -> list[str]:
    args = ["--config", str(config)]
    if host is not None:
        args += ["--host", host]
    if port is not None:
        args += ["--port", str(port)]
    return args


def _config_only(serve_args: list[str]) -> list[str]:
    """A worker takes the servers' settings file, not their address."""
    at = serve_args.index("--config")
    return serve_args[at : at + 2]
