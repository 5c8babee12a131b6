"""The Blobs port's promises (blobs/port.py, docs/files.md), checked on every adapter.

Each test runs on a directory of its own (FileBlobs) and on a bucket of its own in moto's
standalone S3 server (S3Blobs; tests/support/s3.py). "Nothing left behind" is checked on what the
storage itself holds: every file under the root, or every object and multipart upload in
progress in the bucket.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
import tracemalloc
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from hubbub.app import build_hub
from hubbub.blobs.filesystem import WRITE_AHEAD_BYTES, FileBlobs
from hubbub.blobs.port import (
    CHUNK_BYTES,
    BadBlobKey,
    BlobNotFound,
    Blobs,
    BlobSizeMismatch,
    BlobTooLarge,
    content_disposition,
)
from hubbub.blobs.s3 import PART_BYTES, S3Blobs
from hubbub.config import Settings
from tests.support.s3 import ACCESS_KEY, REGION, SECRET_KEY, S3Bucket

MiB = 1024 * 1024
TEAM = "T0TEST"
# Past one S3 part, so that a failed upload of it has a multipart upload to undo.
PAST_A_PART = PART_BYTES + MiB


@dataclass
class Store:
    blobs: Blobs
    # Every name the storage holds, finished or not (files, objects, uploads in progress).
    everything: Callable[[], list[str]]
    kind: str


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.fixture(params=["filesystem", "s3"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "filesystem":
        root = tmp_path / "files"
        blobs: Blobs = FileBlobs(root)
        found = Store(blobs, lambda: _files(root), "filesystem")
    else:
        bucket: S3Bucket = request.getfixturevalue("s3_bucket")
        blobs = _s3_blobs(bucket)
        found = Store(blobs, bucket.everything, "s3")
    yield found
    await blobs.close()


def _s3_blobs(bucket: S3Bucket, **options: float) -> S3Blobs:
    return S3Blobs(
        bucket=bucket.name,
        endpoint_url=bucket.endpoint_url,
        region=REGION,
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        prefix="files/",
        **options,
    )


async def _chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


def _pieces(data: bytes, size: int = CHUNK_BYTES) -> Iterable[bytes]:
    return (data[i : i + size] for i in range(0, len(data), size))


async def _read(blobs: Blobs, key: str, start: int = 0, end: int | None = None) -> bytes:
    out = bytearray()
    async with blobs.open(key, start, end) as body:
        async for chunk in body:
            assert 0 < len(chunk) <= CHUNK_BYTES
            out += chunk
    return bytes(out)


async def _keys(blobs: Blobs, team_id: str = TEAM) -> list[str]:
    return sorted([key async for key in blobs.keys(team_id)])


async def test_round_trip(store: Store) -> None:
    data = os.urandom(3 * CHUNK_BYTES + 17)
    stored = await store.blobs.put(TEAM, _chunks(*_pieces(data, 50_000)), max_bytes=len(data))
    digest = hashlib.sha256(data).hexdigest()
    assert stored.sha256 == digest and stored.size == len(data)
    assert stored.key == f"{TEAM}/{digest[:2]}/{digest[2:4]}/{digest}"
    assert await _read(store.blobs, stored.key) == data
    assert await store.blobs.size(stored.key) == len(data)
    assert await _keys(store.blobs) == [stored.key]
    assert await store.blobs.usage(TEAM) == len(data)
    assert await store.blobs.usage("T0OTHER") == 0


async def test_an_empty_body_is_a_blob(store: Store) -> None:
    stored = await store.blobs.put(TEAM, _chunks(), max_bytes=10, expected_size=0)
    assert (stored.size, stored.sha256) == (0, hashlib.sha256(b"").hexdigest())
    assert await _read(store.blobs, stored.key) == b""
    assert await _read(store.blobs, stored.key, 0, 1) == b""
    assert await store.blobs.size(stored.key) == 0


async def test_the_same_bytes_are_stored_once_per_workspace(store: Store) -> None:
    data = b"the same bytes"
    first = await store.blobs.put(TEAM, _chunks(data), max_bytes=100)
    held = store.everything()
    again = await store.blobs.put(TEAM, _chunks(b"the same", b" bytes"), max_bytes=100)
    assert again == first
    assert store.everything() == held
    other = await store.blobs.put("T0OTHER", _chunks(data), max_bytes=100)
    assert other.key != first.key and other.sha256 == first.sha256
    assert await _keys(store.blobs) == [first.key]
    assert await _keys(store.blobs, "T0OTHER") == [other.key]


@pytest.mark.parametrize("size", [100, PAST_A_PART])
async def test_a_put_of_bytes_already_there_moves_their_modified_time(
    store: Store, tmp_path: Path, size: int
) -> None:
    """The sweep of orphans deletes only blobs unnamed and old: bytes stored again (a new file
    of the same content, its row on its way) must not look old."""
    data = os.urandom(size)
    first = await store.blobs.put(TEAM, _chunks(*_pieces(data)), max_bytes=size)
    if store.kind == "filesystem":
        os.utime(tmp_path / "files" / first.key, (time.time() - 7200, time.time() - 7200))
    else:
        await asyncio.sleep(1.1)  # S3 keeps LastModified to the second
    before = await store.blobs.modified(first.key)
    assert before < time.time() - 1
    again = await store.blobs.put(TEAM, _chunks(*_pieces(data)), max_bytes=size)
    assert again == first
    assert await store.blobs.modified(first.key) > before
    assert await _read(store.blobs, first.key) == data
    await store.blobs.delete(first.key)
    with pytest.raises(BlobNotFound):
        await store.blobs.modified(first.key)


async def test_ranges(store: Store) -> None:
    data = os.urandom(2 * CHUNK_BYTES + 1000)
    n = len(data)
    key = (await store.blobs.put(TEAM, _chunks(data), max_bytes=n)).key
    assert await _read(store.blobs, key, 100) == data[100:]
    assert await _read(store.blobs, key, 100, CHUNK_BYTES + 5) == data[100 : CHUNK_BYTES + 5]
    assert await _read(store.blobs, key, n - 1, n) == data[-1:]
    assert await _read(store.blobs, key, n - 1) == data[-1:]
    assert await _read(store.blobs, key, 0, None) == data
    assert await _read(store.blobs, key, 0, n + 1000) == data
    assert await _read(store.blobs, key, 5, 5) == b""
    assert await _read(store.blobs, key, n) == b""
    assert await _read(store.blobs, key, n + 10, n + 20) == b""


async def test_too_large_stops_at_once_and_leaves_nothing(store: Store) -> None:
    before = store.everything()
    sent: list[int] = []

    async def endless() -> AsyncIterator[bytes]:
        while True:
            sent.append(CHUNK_BYTES)
            yield b"x" * CHUNK_BYTES

    limit = PAST_A_PART
    with pytest.raises(BlobTooLarge):
        await store.blobs.put(TEAM, endless(), max_bytes=limit)
    # The chunk that went past the limit was the last one read.
    assert sum(sent) - CHUNK_BYTES <= limit < sum(sent)
    assert store.everything() == before

    exact = b"y" * limit
    with pytest.raises(BlobTooLarge):
        await store.blobs.put(TEAM, _chunks(*_pieces(exact), b"!"), max_bytes=limit)
    assert store.everything() == before
    stored = await store.blobs.put(TEAM, _chunks(*_pieces(exact)), max_bytes=limit)
    assert stored.size == limit


async def test_size_mismatch_leaves_nothing(store: Store) -> None:
    before = store.everything()
    data = b"z" * PAST_A_PART
    for expected in (len(data) - 1, len(data) + 1):
        with pytest.raises(BlobSizeMismatch) as caught:
            await store.blobs.put(
                TEAM, _chunks(*_pieces(data)), max_bytes=2 * len(data), expected_size=expected
            )
        assert (caught.value.expected, caught.value.got) == (expected, len(data))
        assert store.everything() == before


class HungUp(Exception):
    pass


async def test_a_body_that_fails_midway_leaves_nothing(store: Store) -> None:
    before = store.everything()

    async def hangs_up() -> AsyncIterator[bytes]:
        for piece in _pieces(b"w" * PAST_A_PART):
            yield piece
        raise HungUp

    with pytest.raises(HungUp):
        await store.blobs.put(TEAM, hangs_up(), max_bytes=10 * PAST_A_PART)
    assert store.everything() == before


async def test_a_cancelled_put_leaves_nothing(store: Store) -> None:
    before = store.everything()
    waiting = asyncio.Event()

    async def stalls() -> AsyncIterator[bytes]:
        for piece in _pieces(b"v" * PAST_A_PART):
            yield piece
        waiting.set()
        await asyncio.Event().wait()  # a client that sends no more
        yield b"never"

    put = asyncio.create_task(store.blobs.put(TEAM, stalls(), max_bytes=10 * PAST_A_PART))
    await waiting.wait()
    if store.kind == "s3":
        assert any(name.startswith("upload:") for name in store.everything())
    put.cancel()
    with pytest.raises(asyncio.CancelledError):
        await put
    assert store.everything() == before


async def test_delete_is_idempotent(store: Store) -> None:
    key = (await store.blobs.put(TEAM, _chunks(b"gone soon"), max_bytes=100)).key
    await store.blobs.delete(key)
    await store.blobs.delete(key)
    with pytest.raises(BlobNotFound):
        await store.blobs.size(key)
    assert await _keys(store.blobs) == []


async def test_a_missing_blob_is_not_found(store: Store) -> None:
    digest = hashlib.sha256(b"never stored").hexdigest()
    key = f"{TEAM}/{digest[:2]}/{digest[2:4]}/{digest}"
    with pytest.raises(BlobNotFound):
        await store.blobs.size(key)
    for start, end in ((0, None), (3, 10), (5, 5)):
        with pytest.raises(BlobNotFound):
            await _read(store.blobs, key, start, end)


BAD_KEYS = [
    "",
    "../etc/passwd",
    "/etc/passwd",
    f"{TEAM}/../../x",
    f"{TEAM}/ab/cd/{'0' * 64}",  # the fan-out does not match the hash
    f"{TEAM}/00/00/{'0' * 63}/..",
    f"{TEAM}/00/00/{'0' * 64}/",
    f"t0test/00/00/{'0' * 64}",
    f"tmp/00/00/{'0' * 64}",
    f"{TEAM}/00/00/{'0' * 64}" + "x" * 10_000,
]


@pytest.mark.parametrize("key", BAD_KEYS)
async def test_keys_of_no_blob_are_refused(store: Store, key: str) -> None:
    with pytest.raises(BadBlobKey):
        await store.blobs.size(key)
    with pytest.raises(BadBlobKey):
        await store.blobs.delete(key)
    with pytest.raises(BadBlobKey):
        await _read(store.blobs, key)


@pytest.mark.parametrize("team_id", ["", "..", "T0/..", "tmp", "T0TEST/x", "T" + "A" * 64])
async def test_workspace_ids_of_no_workspace_are_refused(store: Store, team_id: str) -> None:
    with pytest.raises(BadBlobKey):
        await store.blobs.put(team_id, _chunks(b"x"), max_bytes=10)
    with pytest.raises(BadBlobKey):
        await _keys(store.blobs, team_id)
    with pytest.raises(BadBlobKey):
        await store.blobs.usage(team_id)
    assert store.everything() == []


async def _generated(total: int, made: hashlib._Hash) -> AsyncIterator[bytes]:
    """total bytes made a chunk at a time (never all at once), hashed as they go."""
    seed = b"hubbub"
    for offset in range(0, total, CHUNK_BYTES):
        seed = hashlib.sha256(seed).digest()
        chunk = (seed * (CHUNK_BYTES // len(seed) + 1))[: min(CHUNK_BYTES, total - offset)]
        made.update(chunk)
        yield chunk


async def test_a_big_file_streams_through(store: Store) -> None:
    total = 20 * MiB + 12_345  # four S3 parts, and a short last one
    made = hashlib.sha256()
    # Connected first: making the S3 client loads botocore's models, ~20 MiB of JSON at a time.
    await store.blobs.usage(TEAM)
    tracemalloc.start()
    try:
        stored = await store.blobs.put(TEAM, _generated(total, made), max_bytes=total)
        _, put_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        read = hashlib.sha256()
        async with store.blobs.open(stored.key) as body:
            async for chunk in body:
                read.update(chunk)
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert stored.size == total and stored.sha256 == made.hexdigest() == read.hexdigest()
    # A directory holds the batch being written and the one gathering meanwhile (each up to
    # WRITE_AHEAD_BYTES, plus a chunk); S3 the part being sent (5 MiB) and aiohttp's copy of it.
    # Either way, well under the file's 20 MiB.
    held = (
        2 * WRITE_AHEAD_BYTES + 1 * MiB if store.kind == "filesystem" else 2 * PART_BYTES + 2 * MiB
    )
    assert put_peak < held, f"put held {put_peak / MiB:.1f} MiB"
    assert read_peak < 2 * MiB, f"read held {read_peak / MiB:.1f} MiB"


async def test_stale_temp_files_are_swept_at_start(tmp_path: Path) -> None:
    root = tmp_path / "files"
    (root / "tmp").mkdir(parents=True)
    stale, fresh = root / "tmp" / "put-stale", root / "tmp" / "put-fresh"
    stale.write_bytes(b"a dead process's upload")
    fresh.write_bytes(b"an upload going on")
    two_hours_ago = time.time() - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))
    blobs = FileBlobs(root)
    assert not stale.exists() and fresh.exists()
    await blobs.close()


async def test_a_key_never_reaches_outside_the_root(tmp_path: Path) -> None:
    root = tmp_path / "files"
    outside = tmp_path / "precious"
    outside.write_bytes(b"keep")
    blobs = FileBlobs(root)
    for key in ("../precious", str(outside), f"{TEAM}/../../precious"):
        with pytest.raises(BadBlobKey):
            await blobs.delete(key)
    assert outside.read_bytes() == b"keep"
    assert (
        await blobs.download_url(
            f"{TEAM}/00/00/{'0' * 64}",
            filename="a",
            content_type="text/plain",
            inline=True,
            expires_s=60,
        )
        is None
    )
    await blobs.close()


async def test_s3_download_url_is_a_presigned_get(s3_bucket: S3Bucket) -> None:
    blobs = _s3_blobs(s3_bucket)
    try:
        data = b"%PDF- a report"
        key = (await blobs.put(TEAM, _chunks(data), max_bytes=100)).key
        url = await blobs.download_url(
            key,
            filename='Q3 "final" résumé.pdf',
            content_type="application/pdf",
            inline=False,
            expires_s=300,
        )
        assert url is not None and "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url
        async with httpx.AsyncClient() as client:
            answer = await client.get(url)
        assert answer.status_code == 200 and answer.content == data
        assert answer.headers["content-type"] == "application/pdf"
        expected = content_disposition('Q3 "final" résumé.pdf', inline=False)
        assert answer.headers["content-disposition"] == expected
        assert expected == (
            'attachment; filename="Q3 _final_ r_sum_.pdf"; '
            "filename*=UTF-8''Q3%20%22final%22%20r%C3%A9sum%C3%A9.pdf"
        )
    finally:
        await blobs.close()


async def test_s3_uploads_of_dead_processes_are_swept_at_first_use(s3_bucket: S3Bucket) -> None:
    s3 = s3_bucket.client()
    s3.create_multipart_upload(Bucket=s3_bucket.name, Key="files/tmp/dead-upload")
    s3.put_object(Bucket=s3_bucket.name, Key="files/tmp/dead-copy", Body=b"x")
    s3.put_object(Bucket=s3_bucket.name, Key="elsewhere/tmp/not-ours", Body=b"x")
    blobs = _s3_blobs(s3_bucket, stale_after_s=0.0)
    try:
        await asyncio.sleep(1.1)  # S3 stamps times to the second
        await blobs.usage(TEAM)
        assert s3_bucket.everything() == ["elsewhere/tmp/not-ours"]
    finally:
        await blobs.close()


async def test_the_settings_pick_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3_bucket: S3Bucket
) -> None:
    hub = build_hub(Settings(data_dir=tmp_path / "data"))
    try:
        assert isinstance(hub.blobs, FileBlobs) and hub.blobs.root == tmp_path / "data" / "files"
    finally:
        await hub.close()

    with pytest.raises(ValueError, match="s3_bucket"):
        Settings(files_store="s3")
    for name, value in {
        "FILES_STORE": "s3",
        "S3_BUCKET": s3_bucket.name,
        "S3_ENDPOINT_URL": s3_bucket.endpoint_url,
        "S3_REGION": REGION,
        "S3_ACCESS_KEY": ACCESS_KEY,
        "S3_SECRET_KEY": SECRET_KEY,
        "S3_PREFIX": "acme/",
    }.items():
        monkeypatch.setenv(f"HUBBUB_{name}", value)
    hub = build_hub(Settings(data_dir=tmp_path / "data"))
    try:
        assert isinstance(hub.blobs, S3Blobs)
        stored = await hub.blobs.put(TEAM, _chunks(b"through the hub"), max_bytes=100)
    finally:
        await hub.close()
    assert s3_bucket.everything() == [f"acme/{stored.key}"]
