"""The process's limit of open files. A gateway holds a descriptor for every socket, and most
systems start a process with a soft limit of 1,024 while allowing far more (the hard limit):
past the soft one, accepting a connection fails with EMFILE."""

from __future__ import annotations

import contextlib
import resource


def raise_open_files() -> tuple[int, int]:
    """Raises the soft limit of open files to the hard limit; returns (soft, hard) after."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        # A hard limit the kernel will not grant as a soft one (macOS's "unlimited") leaves
        # the soft limit as it was.
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)
