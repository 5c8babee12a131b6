"""Blobs in an S3-compatible object store (AWS S3, MinIO, Ceph, R2, ...), through aiobotocore.

Why aiobotocore: it is asyncio on aiohttp, maintained by aio-libs beside botocore, and exposes
every S3 call one by one, so an upload is ours to abort (obstore's streaming put hides its
multipart upload), and it presigns GETs with response-content-disposition and -type, which a
download URL needs. Its price: it pins botocore to a narrow range, which `make lock` resolves.

An upload's key depends on its hash, known only at its end. A body that fits in one part (5 MiB)
is in memory by then and is put straight under its key. A bigger one streams, a part at a time,
into a multipart upload to a temp name (`<prefix>tmp/<uuid>`), then is copied server-side to its
key and the temp deleted; on any error the upload is aborted or the temp deleted. An upload holds
about two parts in memory at most: the one being sent, and the copy aiohttp makes of it. Uploads and
temps a dead process left behind are removed at this adapter's first connection once a day
old (S3's own stamp is when an upload began, which does not move while it goes on). A bucket
lifecycle rule that aborts incomplete multipart uploads is a good second net.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
import uuid
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import structlog
from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import BotoCoreError, ClientError

from hubbub.aio import to_the_end
from hubbub.blobs.keys import check_key, check_team, content_key, team_prefix
from hubbub.blobs.port import (
    CHUNK_BYTES,
    BlobNotFound,
    BlobSizeMismatch,
    BlobTooLarge,
    StoredBlob,
    content_disposition,
)

if TYPE_CHECKING:
    from types_aiobotocore_s3 import S3Client
    from types_aiobotocore_s3.type_defs import CompletedPartTypeDef

log = structlog.get_logger()

# S3's smallest part (but the last); a bigger one holds more memory per upload for nothing.
PART_BYTES = 5 * 1024 * 1024
# CopyObject copies at most 5 GiB; past it a copy would need a multipart copy of its own.
MAX_BLOB_BYTES = 5 * 1024**3
# SigV4 presigned URLs live at most 7 days.
MAX_URL_S = 7 * 24 * 3600
STALE_UPLOAD_S = 24 * 3600.0
_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})


class S3Blobs:
    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key: str | None = None,
        secret_key: str | None = None,
        prefix: str = "",
        part_bytes: int = PART_BYTES,
        stale_after_s: float = STALE_UPLOAD_S,
    ) -> None:
        if part_bytes < PART_BYTES:
            raise ValueError(f"S3 parts are at least {PART_BYTES} bytes")
        self.bucket = bucket
        self.prefix = prefix
        self.part_bytes = part_bytes
        self._stale_after_s = stale_after_s
        self.endpoint_url = endpoint_url
        self.region = region
        # None: botocore's own chain (environment, instance role, ...).
        self._access_key = access_key
        self._secret_key = secret_key
        self._config = AioConfig(
            signature_version="s3v4",
            # Servers other than AWS's seldom have a DNS name per bucket.
            s3={"addressing_style": "path" if endpoint_url else "auto"},
            # botocore's default CRC32 checksums on every upload are refused by some S3-compatible
            # servers; our own sha256 is checked end to end instead.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        self._stack = contextlib.AsyncExitStack()
        self._client: S3Client | None = None
        self._connecting = asyncio.Lock()

    async def _s3(self) -> S3Client:
        """The client, made at first use: it belongs to the event loop it is made on."""
        if self._client is not None:
            return self._client
        async with self._connecting:
            if self._client is None:
                creating = get_session().create_client(
                    "s3",
                    endpoint_url=self.endpoint_url,
                    region_name=self.region,
                    aws_access_key_id=self._access_key,
                    aws_secret_access_key=self._secret_key,
                    config=self._config,
                )
                client = await self._stack.enter_async_context(creating)
                await self._sweep_stale(client)
                self._client = client
        return self._client

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    async def put(
        self,
        team_id: str,
        chunks: AsyncIterator[bytes],
        *,
        max_bytes: int,
        expected_size: int | None = None,
    ) -> StoredBlob:
        check_team(team_id)
        if max_bytes > MAX_BLOB_BYTES:
            raise ValueError(f"the S3 adapter stores at most {MAX_BLOB_BYTES} bytes a blob")
        s3 = await self._s3()
        upload = _Upload(s3, self.bucket, f"{self.prefix}tmp/{uuid.uuid4().hex}")
        hasher = hashlib.sha256()
        size = 0
        # The chunks of the part to come, joined once it is big enough: a bytearray grown a chunk
        # at a time would copy itself as it grows.
        pending: list[bytes] = []
        pending_bytes = 0
        try:
            async for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise BlobTooLarge(max_bytes)
                hasher.update(chunk)  # ~0.05 ms a 64 KiB chunk: no need to leave the loop
                pending.append(chunk)
                pending_bytes += len(chunk)
                if pending_bytes >= self.part_bytes:
                    part = b"".join(pending)
                    pending.clear()
                    pending_bytes = 0
                    await upload.part(part)
                    del part  # not held while the next one gathers
            if expected_size is not None and size != expected_size:
                raise BlobSizeMismatch(expected_size, size)
            digest = hasher.hexdigest()
            key = content_key(team_id, digest)
            name = self.prefix + key
            rest = b"".join(pending)
            pending.clear()
            if upload.upload_id is None:
                await to_the_end(s3.put_object(Bucket=self.bucket, Key=name, Body=rest))
            else:
                if rest:
                    await upload.part(rest)
                await upload.complete()
                await self._copy_into_place(s3, upload.name, name)
                await upload.clean()
        except BaseException:
            await upload.clean()
            raise
        return StoredBlob(key, size, digest)

    async def _copy_into_place(self, s3: S3Client, source: str, name: str) -> None:
        """Copied even when the name is there already (the same bytes: the name is their
        hash), so that its LastModified moves: the sweep of orphans deletes only blobs that no
        row names and that are old, and the row about to name this one is on its way."""
        copying = s3.copy_object(
            Bucket=self.bucket, Key=name, CopySource={"Bucket": self.bucket, "Key": source}
        )
        await to_the_end(copying)

    @contextlib.asynccontextmanager
    async def open(
        self, key: str, start: int = 0, end: int | None = None
    ) -> AsyncIterator[AsyncIterator[bytes]]:
        name = self._name(key)
        if start < 0 or (end is not None and end < 0):
            raise ValueError(f"bad range {start}-{end}")
        s3 = await self._s3()
        if end is not None and end <= start:
            await self.size(key)  # BlobNotFound, as any other range would
            yield _nothing()
            return
        # HTTP's ranges include their last byte.
        wanted = f"bytes={start}-{'' if end is None else end - 1}"
        answer = None
        try:
            answer = await s3.get_object(Bucket=self.bucket, Key=name, Range=wanted)
        except ClientError as exc:
            if _code(exc) in _MISSING:
                raise BlobNotFound(key) from None
            if _code(exc) != "InvalidRange":
                raise
        if answer is None:
            # The range starts at or past the end (or the blob is empty): nothing there.
            yield _nothing()
            return
        body = answer["Body"]
        try:
            yield body.iter_chunks(CHUNK_BYTES)
        finally:
            body.close()

    async def size(self, key: str) -> int:
        name = self._name(key)
        try:
            head = await (await self._s3()).head_object(Bucket=self.bucket, Key=name)
        except ClientError as exc:
            if _code(exc) in _MISSING:
                raise BlobNotFound(key) from None
            raise
        return head["ContentLength"]

    async def modified(self, key: str) -> float:
        name = self._name(key)
        try:
            head = await (await self._s3()).head_object(Bucket=self.bucket, Key=name)
        except ClientError as exc:
            if _code(exc) in _MISSING:
                raise BlobNotFound(key) from None
            raise
        return head["LastModified"].timestamp()

    async def delete(self, key: str) -> None:
        name = self._name(key)
        await (await self._s3()).delete_object(Bucket=self.bucket, Key=name)

    async def download_url(
        self, key: str, *, filename: str, content_type: str, inline: bool, expires_s: int
    ) -> str | None:
        name = self._name(key)
        params = {
            "Bucket": self.bucket,
            "Key": name,
            "ResponseContentDisposition": content_disposition(filename, inline=inline),
            "ResponseContentType": content_type,
        }
        s3 = await self._s3()
        return await s3.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=max(1, min(expires_s, MAX_URL_S))
        )

    async def keys(self, team_id: str) -> AsyncIterator[str]:
        prefix = self.prefix + team_prefix(team_id)
        async for obj in self._listed(await self._s3(), prefix):
            with contextlib.suppress(ValueError):
                yield check_key(obj[0].removeprefix(self.prefix))

    async def usage(self, team_id: str) -> int:
        prefix = self.prefix + team_prefix(team_id)
        total = 0
        async for _, size, _ in self._listed(await self._s3(), prefix):
            total += size
        return total

    async def _listed(self, s3: S3Client, prefix: str) -> AsyncIterator[tuple[str, int, float]]:
        """(name, size, last modified) of each object under prefix, a page of 1,000 at a time."""
        pages = s3.get_paginator("list_objects_v2")
        async for page in pages.paginate(Bucket=self.bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                yield obj["Key"], obj["Size"], obj["LastModified"].timestamp()

    async def _sweep_stale(self, s3: S3Client) -> None:
        """Aborts the uploads and deletes the temps under tmp/ that began before the cutoff:
        those of a process that died mid-upload. Best effort: a store that refuses the listing
        (a key without that right) still serves."""
        cutoff = time.time() - self._stale_after_s
        temps = f"{self.prefix}tmp/"
        removed = 0
        try:
            uploads = s3.get_paginator("list_multipart_uploads")
            async for page in uploads.paginate(Bucket=self.bucket, Prefix=temps):
                for up in page.get("Uploads", []):
                    if up["Initiated"].timestamp() < cutoff:
                        await s3.abort_multipart_upload(
                            Bucket=self.bucket, Key=up["Key"], UploadId=up["UploadId"]
                        )
                        removed += 1
            async for name, _, modified in self._listed(s3, temps):
                if modified < cutoff:
                    await s3.delete_object(Bucket=self.bucket, Key=name)
                    removed += 1
        except (ClientError, BotoCoreError) as exc:
            log.warning("blobs_sweep_failed", bucket=self.bucket, error=str(exc))
        if removed:
            log.info("blobs_stale_uploads_removed", count=removed, bucket=self.bucket)

    async def close(self) -> None:
        self._client = None
        await self._stack.aclose()


class _Upload:
    """One multipart upload to a temp name, and its undoing."""

    def __init__(self, s3: S3Client, bucket: str, name: str) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.name = name
        self.upload_id: str | None = None
        self.parts: list[CompletedPartTypeDef] = []
        self.completed = False

    async def part(self, data: bytes) -> None:
        if self.upload_id is None:
            # Run to its end even if cancelled, and noted by the task that runs it: an upload
            # begun but not known would stay.
            await to_the_end(self._begin())
        assert self.upload_id is not None
        number = len(self.parts) + 1
        sent = await self.s3.upload_part(
            Bucket=self.bucket,
            Key=self.name,
            UploadId=self.upload_id,
            PartNumber=number,
            Body=data,
        )
        self.parts.append({"PartNumber": number, "ETag": sent["ETag"]})

    async def _begin(self) -> None:
        started = await self.s3.create_multipart_upload(Bucket=self.bucket, Key=self.name)
        self.upload_id = started["UploadId"]

    async def complete(self) -> None:
        """Run to its end even if cancelled, as _begin: the cleanup must know whether there is
        an upload to abort or an object to delete."""
        await to_the_end(self._complete())

    async def _complete(self) -> None:
        assert self.upload_id is not None
        await self.s3.complete_multipart_upload(
            Bucket=self.bucket,
            Key=self.name,
            UploadId=self.upload_id,
            MultipartUpload={"Parts": self.parts},
        )
        self.completed = True

    async def clean(self) -> None:
        """Leaves nothing of the upload: aborted, or its object deleted. A failure is logged,
        not raised, so the error that brought us here is the one the caller hears of; what
        stays is swept at a later start."""
        if self.upload_id is None:
            return
        try:
            if self.completed:
                await to_the_end(self.s3.delete_object(Bucket=self.bucket, Key=self.name))
            else:
                await to_the_end(
                    self.s3.abort_multipart_upload(
                        Bucket=self.bucket, Key=self.name, UploadId=self.upload_id
                    )
                )
        except Exception as exc:
            log.warning("blobs_upload_cleanup_failed", name=self.name, error=str(exc))
        self.upload_id = None


async def _nothing() -> AsyncIterator[bytes]:
    return
    yield


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
