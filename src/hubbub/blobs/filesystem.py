"""Blobs in a directory: `<root>/<team_id>/<ab>/<cd>/<sha256>`, uploads on their way in
`<root>/tmp/`.

An upload is written to a temp file in the same file system, fsynced, then renamed into place
(`os.replace` is atomic) and its directory fsynced: a blob is whole or absent, even across a
power cut. A crash leaves at most temp files, which the next start removes once no one has
written to them for an hour. Every blocking call runs on this adapter's own threads, so a slow
disk holds up neither the event loop nor other users of asyncio's default threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import hashlib
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TypeVar

import structlog

from hubbub.aio import to_the_end
from hubbub.blobs.keys import check_key, check_team, content_key
from hubbub.blobs.port import CHUNK_BYTES, BlobNotFound, BlobSizeMismatch, BlobTooLarge, StoredBlob

T = TypeVar("T")

log = structlog.get_logger()

# A temp file nobody has written to for this long belongs to a process that is gone: an upload
# in progress writes to its file at every chunk, which moves its mtime.
STALE_TEMP_S = 3600.0
# Uploads and downloads at once that may each wait on the disk; more wait for a thread.
THREADS = 8
# An upload gathers at most this much while its previous batch is being written: with the
# batch in flight, at most twice this in memory per upload.
WRITE_AHEAD_BYTES = 1 << 20
# An upload's bytes are handed to the disk this much at a time as they come (_write_back).
WRITE_BACK_BYTES = 8 << 20


@dataclass(slots=True)
class _Temp:
    """Named on the loop and filled in on a thread: if a cancellation comes while the file is
    being made, the cleanup still knows what to remove."""

    path: Path
    file: BinaryIO | None = None
    written: int = 0
    flushed: int = 0  # written back from the start up to here (_write_back)


class FileBlobs:
    def __init__(self, root: Path, *, stale_after_s: float = STALE_TEMP_S) -> None:
        self.root = root
        self.tmp = root / "tmp"
        self._pool = ThreadPoolExecutor(THREADS, thread_name_prefix="blobs")
        # Once, at start, before anything of this process can have a temp file of its own (one
        # directory listed: no need to leave the thread that builds the hub).
        removed = _sweep_stale(self.tmp, stale_after_s)
        if removed:
            log.info("blobs_stale_temp_removed", count=removed, dir=str(self.tmp))

    async def _run(self, fn: Callable[..., T], *args: object) -> T:
        """fn on one of our threads; a cancellation waits for it to return, so that nothing
        cleans up under a write still running."""
        return await to_the_end(asyncio.get_running_loop().run_in_executor(self._pool, fn, *args))

    async def put(
        self,
        team_id: str,
        chunks: AsyncIterator[bytes],
        *,
        max_bytes: int,
        expected_size: int | None = None,
    ) -> StoredBlob:
        check_team(team_id)
        hasher = hashlib.sha256()
        size = 0
        temp = _Temp(self.tmp / f"put-{uuid.uuid4().hex}")
        # Write-behind, a MiB at a time: while one batch is written and hashed on a thread, the
        # next is received and gathered. Writing each chunk as it came and waiting for it left
        # the socket unread meanwhile (uvicorn reads ~64 KiB ahead); a thread hop per chunk,
        # or per the little that came while the disk was busy, cost more than the write of a
        # small file (docs/benchmarks.md, "Files"). The temp file is made on the first batch's
        # thread, and the last batch is written, synced and renamed on one hop: a file of up
        # to a MiB costs one hop.
        writing: Future[None] | None = None
        batch: list[bytes] = []
        held = 0
        try:
            async for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise BlobTooLarge(max_bytes)
                batch.append(chunk)
                held += len(chunk)
                if held < WRITE_AHEAD_BYTES:
                    continue
                if writing is not None:
                    await asyncio.wrap_future(writing)
                writing = self._pool.submit(_append, temp, hasher, batch)
                batch, held = [], 0
            if writing is not None:
                await asyncio.wrap_future(writing)
                writing = None
            if expected_size is not None and size != expected_size:
                raise BlobSizeMismatch(expected_size, size)
            key = await self._run(_finish, temp, hasher, batch, self.root, team_id)
        except BaseException:
            if writing is not None:
                # The write in flight runs on regardless: cleaning up under it would race it.
                with contextlib.suppress(BaseException):
                    await to_the_end(asyncio.wrap_future(writing))
            await self._run(_discard, temp)
            raise
        return StoredBlob(key, size, hasher.hexdigest())

    @contextlib.asynccontextmanager
    async def open(
        self, key: str, start: int = 0, end: int | None = None
    ) -> AsyncIterator[AsyncIterator[bytes]]:
        path = self.root / check_key(key)
        _check_range(start, end)
        try:
            file = await self._run(_open_at, path, start)
        except FileNotFoundError:
            raise BlobNotFound(key) from None
        try:
            yield self._chunks(file, None if end is None else max(0, end - start))
        finally:
            await self._run(file.close)

    async def _chunks(self, file: BinaryIO, length: int | None) -> AsyncIterator[bytes]:
        left = length
        while left is None or left > 0:
            chunk = await self._run(
                file.read, CHUNK_BYTES if left is None else min(left, CHUNK_BYTES)
            )
            if not chunk:
                return
            if left is not None:
                left -= len(chunk)
            yield chunk

    async def size(self, key: str) -> int:
        path = self.root / check_key(key)
        try:
            return (await self._run(os.stat, path)).st_size
        except FileNotFoundError:
            raise BlobNotFound(key) from None

    async def modified(self, key: str) -> float:
        path = self.root / check_key(key)
        try:
            return (await self._run(os.stat, path)).st_mtime
        except FileNotFoundError:
            raise BlobNotFound(key) from None

    async def delete(self, key: str) -> None:
        # Empty directories stay: removing one could race a put renaming a blob into it.
        await self._run(Path.unlink, self.root / check_key(key), True)

    async def download_url(
        self, key: str, *, filename: str, content_type: str, inline: bool, expires_s: int
    ) -> str | None:
        return None

    async def keys(self, team_id: str) -> AsyncIterator[str]:
        team_dir = self.root / check_team(team_id)
        # One fan-out directory at a time: the listing of a big workspace is never held whole.
        for first in await self._run(_names, team_dir):
            for second in await self._run(_names, team_dir / first):
                for name in await self._run(_names, team_dir / first / second):
                    key = f"{team_id}/{first}/{second}/{name}"
                    with contextlib.suppress(ValueError):
                        yield check_key(key)

    async def usage(self, team_id: str) -> int:
        return await self._run(_usage, self.root / check_team(team_id))

    async def close(self) -> None:
        self._pool.shutdown(wait=False)


def _check_range(start: int, end: int | None) -> None:
    if start < 0 or (end is not None and end < 0):
        raise ValueError(f"bad range {start}-{end}")


def _create(temp: _Temp) -> None:
    temp.path.parent.mkdir(parents=True, exist_ok=True)
    # Readable by this user only, as the blob it becomes: uploads are people's files.
    fd = os.open(temp.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    temp.file = os.fdopen(fd, "wb")


def _append(temp: _Temp, hasher: hashlib._Hash, chunks: list[bytes]) -> None:
    if temp.file is None:
        _create(temp)
    assert temp.file is not None
    for chunk in chunks:
        hasher.update(chunk)  # hashlib lets go of the GIL for chunks this big
        temp.file.write(chunk)
        temp.written += len(chunk)
    if temp.written - temp.flushed >= WRITE_BACK_BYTES:
        temp.file.flush()
        _write_back(temp.file.fileno(), temp.flushed, temp.written - temp.flushed)
        temp.flushed = temp.written
    # Let go of the batch now, not when the pool drops its work item (after the caller has
    # seen the write done, and may be holding two more batches).
    chunks.clear()


def _finish(
    temp: _Temp, hasher: hashlib._Hash, chunks: list[bytes], root: Path, team_id: str
) -> str:
    """Writes the last chunks and puts the whole under its content's key, which it returns."""
    _append(temp, hasher, chunks)
    key = content_key(team_id, hasher.hexdigest())
    _commit(temp, root / key)
    return key


def _commit(temp: _Temp, target: Path) -> None:
    assert temp.file is not None
    try:
        # The same bytes may be there already (the name is their hash): then they are kept,
        # and touched, so that the sweep of orphans (which deletes only blobs that no row
        # names and that are old) leaves them to the row about to name them.
        os.utime(target)
    except FileNotFoundError:
        pass
    else:
        temp.file.close()
        temp.path.unlink()
        return
    temp.file.flush()
    os.fsync(temp.file.fileno())
    temp.file.close()
    _make_dirs(target.parent)
    os.replace(temp.path, target)
    _fsync_dir(target.parent)


def _load_sync_file_range() -> Callable[[int, int, int, int], int] | None:
    """Linux's sync_file_range(2), which Python's os does not have; None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        call = libc.sync_file_range
    except (OSError, AttributeError):
        return None
    call.argtypes = (ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint)
    call.restype = ctypes.c_int
    return call


_SYNC_FILE_RANGE = _load_sync_file_range()
SYNC_FILE_RANGE_WRITE = 2


def _write_back(fd: int, start: int, length: int) -> None:
    """Starts writing the range to the disk now, without waiting for it: the fsync at the end
    of an upload then has little left to wait for, instead of the whole file (a 100 MB upload
    spent most of its time in that one fsync: docs/benchmarks.md, "Files"). Best effort."""
    if _SYNC_FILE_RANGE is not None and length > 0:
        _SYNC_FILE_RANGE(fd, start, length, SYNC_FILE_RANGE_WRITE)


def _discard(temp: _Temp) -> None:
    if temp.file is not None:
        temp.file.close()
    temp.path.unlink(missing_ok=True)


def _make_dirs(path: Path) -> None:
    """mkdir -p, with each new directory's entry fsynced into its parent: else a power cut could
    lose the directory, and the blob renamed into it."""
    missing: list[Path] = []
    while not path.is_dir():
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):
        try:
            directory.mkdir()
        except FileExistsError:
            continue
        _fsync_dir(directory.parent)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _open_at(path: Path, start: int) -> BinaryIO:
    file = path.open("rb")
    file.seek(start)
    return file


def _names(directory: Path) -> list[str]:
    try:
        return sorted(os.listdir(directory))
    except FileNotFoundError:
        return []


def _usage(team_dir: Path) -> int:
    total = 0
    for folder, _dirs, files in os.walk(team_dir):
        for name in files:
            with contextlib.suppress(FileNotFoundError):
                total += os.stat(os.path.join(folder, name)).st_size
    return total


def _sweep_stale(tmp: Path, older_than_s: float) -> int:
    cutoff = time.time() - older_than_s
    removed = 0
    try:
        entries = list(os.scandir(tmp))
    except FileNotFoundError:
        return 0
    for entry in entries:
        with contextlib.suppress(FileNotFoundError):
            if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < cutoff:
                os.unlink(entry.path)
                removed += 1
    return removed
