"""A version number that every process opening the same data directory sees at once.

Eight bytes in a small file beside the database, mapped shared into each process: reading it is
a memory read, with no system call, so it can be checked on every request. A writer stores a
fresh random value rather than an increment, so two processes bumping it at the same moment
can never leave it where either reader last saw it.
"""

from __future__ import annotations

import mmap
import os
import secrets
from pathlib import Path

_SIZE = 8


class VersionFile:
    def __init__(self, path: Path) -> None:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.fstat(fd).st_size < _SIZE:
                os.ftruncate(fd, _SIZE)
            self._map = mmap.mmap(fd, _SIZE)
        finally:
            os.close(fd)  # the mapping keeps its own reference to the file

    def read(self) -> int:
        return int.from_bytes(self._map[:_SIZE], "little")

    def bump(self) -> None:
        self._map[:_SIZE] = secrets.token_bytes(_SIZE)

    def close(self) -> None:
        self._map.close()
