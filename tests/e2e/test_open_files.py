"""A server raises its own limit of open files to the hard limit as it starts: each socket is a
descriptor, and the usual soft limit of 1,024 would refuse the 1,025th connection (issue 23)."""

from __future__ import annotations

import resource
from pathlib import Path

from tests.support.servers import ProcessServer, free_port, make_workspace


def _open_files(pid: int) -> tuple[int, int]:
    """The soft and hard `Max open files` of a running process, as Linux shows them."""
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max open files"):
            soft, hard = line.split()[3:5]
            return int(soft), int(hard)
    raise AssertionError("no open files limit in /proc")


def test_serve_raises_its_open_files_limit_to_the_hard_limit(tmp_path: Path) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    low = min(512, hard)
    make_workspace(tmp_path)
    server = ProcessServer(tmp_path, free_port())
    # The server inherits a low soft limit, as from a login shell's default.
    resource.setrlimit(resource.RLIMIT_NOFILE, (low, hard))
    try:
        server.start()
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    try:
        assert server.proc is not None
        assert _open_files(server.proc.pid) == (hard, hard)
    finally:
        server.stop()
