"""Scripts of Slack's Node.js SDKs (tests/node/*.mjs) run against a test's hubbub server.

A script gets its settings as one JSON line on stdin. One the test talks to prints
`{"ready": true, ...}` once its side is up, and goes on until the test closes its stdin; every
script ends with `{"result": ..., "logged": [...]}` as its last line on stdout
(tests/node/lib.mjs): what the SDKs logged as warnings or errors fails the test unless it expects
some. `make test` installs Node.js and the SDKs at the versions of tests/node/package-lock.json;
without them these tests fail, saying so.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

NODE_DIR = Path(__file__).resolve().parent.parent / "node"
# A script that hangs (an SDK waiting on an answer that never comes) fails its test in this time.
TIMEOUT_S = 60.0


# The SDKs' own floor (their package.json `engines`): web-api 8, bolt 5 and socket-mode 3 (and
# undici 7 under it) need Node.js 20.
NODE_MAJOR = 20


@functools.cache
def _major(binary: str) -> int:
    version = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30)
    return int(version.stdout.strip().lstrip("v").split(".")[0] or 0)


def node() -> str:
    """The node binary, once the SDKs are installed; fails the test saying what is missing."""
    found = shutil.which("node")
    if found is None:
        pytest.fail("node is not installed: `make test` installs Debian's nodejs and npm")
    if _major(found) < NODE_MAJOR:
        pytest.fail(f"{found} is Node.js {_major(found)}: Slack's SDKs here need {NODE_MAJOR}+")
    lock = NODE_DIR / "package-lock.json"
    installed = NODE_DIR / "node_modules" / ".package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        pytest.fail(
            f"the Node SDKs are not installed as locked: `make test` runs npm ci in {lock.parent}"
        )
    return found


class Script:
    """A running script: its ready line, then (after `done`) its result."""

    def __init__(self, proc: subprocess.Popen[str], name: str) -> None:
        self.proc, self.name = proc, name
        self.lines: list[str] = []
        self.errors: list[str] = []
        self._ready = threading.Event()
        self.info: dict[str, Any] = {}
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._errs = threading.Thread(target=self._read_errors, daemon=True)
        self._errs.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)
            body = _json(line)
            if isinstance(body, dict) and body.get("ready") is True:
                self.info = body
                self._ready.set()
        self._ready.set()

    def _read_errors(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.errors.append(line)

    def ready(self) -> dict[str, Any]:
        """What the script said when its side came up."""
        if not self._ready.wait(TIMEOUT_S) or not self.info:
            self._fail("never said it was ready")
        return self.info

    def done(self, *, quiet: bool = True) -> Any:
        """Closes its stdin (the test's side is over) and returns its result. quiet: the SDKs
        logged no warning or error (about hubbub's answers, most likely), else the test fails."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self._fail(f"did not finish within {TIMEOUT_S:.0f} s")
        self._reader.join(5)
        self._errs.join(5)
        for line in reversed(self.lines):
            body = _json(line)
            if isinstance(body, dict) and "result" in body:
                if self.proc.returncode != 0:
                    self._fail(f"exited {self.proc.returncode}")
                if quiet and body["logged"]:
                    self._fail("ended, but the SDKs logged warnings or errors")
                return body["result"]
        self._fail(f"exited {self.proc.returncode} without a result")

    def _fail(self, why: str) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        out, err = "".join(self.lines)[-4000:], "".join(self.errors)[-4000:]
        pytest.fail(f"tests/node/{self.name}.mjs {why}\n--- stdout\n{out}\n--- stderr\n{err}")


def _json(line: str) -> Any:
    try:
        return json.loads(line)
    except ValueError:
        return None


@contextmanager
def script(name: str, settings: dict[str, Any]) -> Iterator[Script]:
    """tests/node/<name>.mjs running with these settings; killed if the test leaves early."""
    proc = subprocess.Popen(
        [node(), str(NODE_DIR / f"{name}.mjs")],
        cwd=NODE_DIR,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(settings) + "\n")
    proc.stdin.flush()
    try:
        yield Script(proc, name)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def run(name: str, settings: dict[str, Any], *, quiet: bool = True) -> Any:
    """Runs a script that needs nothing more of the test, and returns its result (`done`)."""
    with script(name, settings) as running:
        return running.done(quiet=quiet)
