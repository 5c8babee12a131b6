"""The embedded deployment: one `hubbub serve` on SQLite in the run's folder, with its
in-process bus and job runner. Its one process is the one target ("serve"); it has no links,
so a schedule never partitions or delays anything here."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from hubbub.config import Settings

TARGET = "serve"


class EmbeddedDeployment:
    name = "embedded"

    def __init__(self, folder: Path, settings: dict[str, str] | None = None) -> None:
        """folder: the run's folder (data/ and logs/ go under it); settings: HUBBUB_* of the
        run's own (the SMTP sink, a longer resume replay, ...)."""
        self.folder = folder
        self.data_dir = folder / "data"
        self.logs = folder / "logs"
        self.settings = settings or {}
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.stopped = False
        self._log: IO[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def api_urls(self) -> list[str]:
        return [self.url + "/api/"]

    def tool_settings(self, **more: Any) -> Settings:
        """The server's SQLite database, in the run's folder."""
        from hubbub.config import Settings

        return Settings(data_dir=self.data_dir, **more)

    def targets(self) -> list[str]:
        return [TARGET]

    def links(self) -> list[tuple[str, str]]:
        return []

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(parents=True, exist_ok=True)
        self._spawn()

    def _spawn(self) -> None:
        if self._log is None:
            # One log across restarts: a kill and its restart read in order.
            self._log = (self.logs / "serve.log").open("ab")
        env = dict(os.environ)
        env.update(
            {
                # The harness's clients would trip Slack's limits at once; the abuse limits
                # are not what a chaos run is about.
                "HUBBUB_RATE_LIMITS": "off",
                # The Events API app's request URL is the harness's sink on 127.0.0.1.
                "HUBBUB_ALLOW_PRIVATE_OUTBOUND": "true",
                **self.settings,
            }
        )
        env.pop("HUBBUB_DATABASE_URL", None)  # SQLite in the run's folder, whatever the shell says
        self.starts += 1
        self._log.write(f"--- start {self.starts} at {time.time():.3f}\n".encode())
        self._log.flush()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hubbub",
                "serve",
                "--data-dir",
                str(self.data_dir),
                "--port",
                str(self.port),
            ],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.stopped = False
        self._wait_ready()

    def _wait_ready(self, within_s: float = 30.0) -> None:
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"hubbub serve exited with {self.proc.returncode}; see logs/")
            try:
                if httpx.get(self.url + "/api/api.test", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError("hubbub serve did not answer api.test")

    def _alive(self, target: str) -> subprocess.Popen[bytes]:
        if target != TARGET:
            raise ValueError(f"no target {target!r} in the embedded deployment")
        if self.proc is None or self.proc.poll() is not None:
            raise RuntimeError(f"{target} is not running")
        return self.proc

    def kill(self, target: str) -> None:
        proc = self._alive(target)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        self.stopped = False

    def restart(self, target: str) -> None:
        if target != TARGET:
            raise ValueError(f"no target {target!r} in the embedded deployment")
        if self.proc is not None and self.proc.poll() is None:
            return  # running already (a replayed schedule that restarts twice)
        self._spawn()

    def pause(self, target: str) -> None:
        self._alive(target).send_signal(signal.SIGSTOP)
        self.stopped = True

    def resume(self, target: str) -> None:
        self._alive(target).send_signal(signal.SIGCONT)
        self.stopped = False

    def partition(self, a: str, b: str) -> None:
        raise NotImplementedError("the embedded deployment has one process: no links")

    def delay(self, a: str, b: str, ms: int) -> None:
        raise NotImplementedError("the embedded deployment has one process: no links")

    def heal(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is not None:
            self._spawn()
        elif self.stopped:
            self.resume(TARGET)

    def close(self) -> None:
        proc = self.proc
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGCONT)
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        if self._log is not None:
            self._log.close()
            self._log = None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
