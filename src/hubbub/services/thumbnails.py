"""The `thumbnail` job: an image file's size and thumbnails, made in the background, never on a
request (docs/files.md, Thumbnails).

A file that becomes ready and is a PNG, JPEG, GIF or WebP queues the job in the same commit
(services/file_sharing.py `became_ready_tx` calls `queue_tx`), keyed by the file, so it is
queued once.
The job reads the file's bytes from the blob store into a temp file, decodes them on a thread of
its own (images.py, with Pillow), stores each thumbnail as a blob of the file's workspace, and in
one commit records them (tx.set_thumbs) with a `file_change` in every channel the file is shared
in, so clients read it again. Whatever the bytes are (a bomb, a truncated JPEG, not an image at
all), the file stays a file without thumbnails, and the job is done.

It runs wherever jobs run: in the server process (job_queue = "sql") or in `hubbub worker`
processes, which reach the same blob store (a directory they share, or S3).
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import IO, TypeVar

import structlog

from hubbub.aio import to_the_end
from hubbub.blobs.port import BlobNotFound
from hubbub.domain.files import READY, File, is_inline_image
from hubbub.domain.jobs import Job, JobSpec, PermanentFailure
from hubbub.domain.thumbnails import MAX_SOURCE_BYTES, Thumb, thumb_type
from hubbub.images import NotAnImage, Rendered, render
from hubbub.services.file_events import Later, elsewhere, file_changed
from hubbub.services.hub import EventLog, Hub
from hubbub.store.tx import Tx

log = structlog.get_logger()

T = TypeVar("T")

THUMBNAIL_JOB = "thumbnail"
# Decoding a 50 MP PNG and making nine thumbnails takes seconds on one core (the timeout also
# sets every job's lease, jobs/admin.py, so it is no longer than the email job's); a store that
# is down is tried again a few times, minutes apart. Per workspace, 10 images a second in bursts
# of 50: one workspace's album does not hold up the others' thumbnails for long.
SPEC = JobSpec(
    timeout_s=60.0, max_attempts=4, backoff_base_s=5.0, backoff_cap_s=300.0, rate=10.0, burst=50
)
# Images decoded at once in one process: each takes a core while it decodes, and up to about
# 200 MB while its pixels are held (domain/thumbnails.py MAX_IMAGE_PIXELS). Jobs past these
# wait their turn for a thread; the job runner's other kinds are not held up.
DECODERS = 2
# A file's bytes are spooled in memory up to this much, then in a temp file.
SPOOL_MEMORY = 8 * 1024 * 1024
# Chunks are handed to the spool's thread this many bytes at a time, not one hop per chunk.
SPOOL_BATCH = 1024 * 1024

_pool: ThreadPoolExecutor | None = None


def _decoders() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(DECODERS, thread_name_prefix="thumbnails")
    return _pool


async def _on_thread(fn: Callable[..., T], *args: object) -> T:
    """fn on a decoder thread; a cancellation (the job's timeout) waits for it to return, so
    that the temp file is not closed under it."""
    return await to_the_end(asyncio.get_running_loop().run_in_executor(_decoders(), fn, *args))


def queue_tx(log: EventLog, file: File) -> None:
    """Queues the thumbnail job of a file that just became ready, if it is an image we read."""
    if file.blob_key and is_inline_image(file.mimetype):
        log.job(file.team_id, THUMBNAIL_JOB, {"file": file.id}, key=file.id)


async def thumbnail_job(hub: Hub, job: Job) -> None:
    team_id = job.team_id
    file_id = job.payload.get("file")
    if not isinstance(file_id, str):
        raise PermanentFailure(f"bad payload: {job.payload!r}")
    file = await hub.read(team_id, lambda tx: tx.get_file(team_id, file_id))
    if file is None or not _wanted(file):
        return  # deleted meanwhile, or done by an earlier run
    assert file.blob_key is not None
    if file.size > MAX_SOURCE_BYTES:
        log.info("thumbnail_refused", team=team_id, file=file_id, reason="too_many_bytes")
        return
    out_type = thumb_type(file.mimetype)
    try:
        rendered = await _rendered(hub, file.blob_key, out_type)
    except BlobNotFound:
        log.warning("thumbnail_blob_missing", team=team_id, file=file_id)
        return
    except NotAnImage as exc:
        log.info("thumbnail_refused", team=team_id, file=file_id, reason=exc.reason)
        return
    thumbs = await _store(hub, team_id, rendered, out_type)
    keys = [t.blob_key for t in thumbs]

    def unit(tx: Tx, events: EventLog) -> Later | None:
        now = tx.get_file(team_id, file_id)
        if now is None or not _wanted(now):
            return None
        tx.set_thumbs(team_id, file_id, rendered.width, rendered.height, thumbs)
        return file_changed(tx, events, now)

    try:
        later = await hub.commit(team_id, unit)
    except BaseException:
        await _drop(hub, team_id, keys)
        raise
    if later is None:  # deleted while we worked, or another run got there first
        await _drop(hub, team_id, keys)
        return
    await elsewhere(hub, later)


def _wanted(file: File) -> bool:
    return (
        file.state == READY
        and file.original_w is None
        and file.blob_key is not None
        and is_inline_image(file.mimetype)
    )


async def _rendered(hub: Hub, key: str, out_type: str) -> Rendered:
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY) as spool:
        batch: list[bytes] = []
        held = 0
        async with hub.blobs.open(key) as body:
            async for chunk in body:
                batch.append(chunk)
                held += len(chunk)
                if held >= SPOOL_BATCH:
                    await _on_thread(_write_all, spool, batch)
                    batch, held = [], 0
        await _on_thread(_write_all, spool, batch)
        spool.seek(0)
        return await _on_thread(render, spool, out_type)


def _write_all(spool: IO[bytes], chunks: list[bytes]) -> None:
    for chunk in chunks:
        spool.write(chunk)


async def _store(hub: Hub, team_id: str, rendered: Rendered, out_type: str) -> list[Thumb]:
    thumbs = []
    try:
        for edge, width, height, data in rendered.thumbs:
            stored = await hub.blobs.put(team_id, _one(data), max_bytes=len(data))
            thumbs.append(Thumb(edge, width, height, stored.key, stored.size, out_type))
    except BaseException:
        await _drop(hub, team_id, [t.blob_key for t in thumbs])
        raise
    return thumbs


async def _one(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def _drop(hub: Hub, team_id: str, keys: list[str]) -> None:
    """Deletes thumbnails stored for nothing, unless a file names the same bytes (the same
    image uploaded twice has the same thumbnails, and a run of the job that got there first
    named these). Best effort: the sweep of orphans deletes what is left."""
    for key in dict.fromkeys(keys):
        try:

            def in_use(tx: Tx, key: str = key) -> bool:
                return tx.blob_in_use(team_id, key, besides="")

            used = await hub.read(team_id, in_use, snapshot=False)
            if not used:
                await hub.blobs.delete(key)
        except Exception:
            log.exception("thumbnail_drop_failed", team=team_id, key=key)
