"""The Blobs port: where the bytes of uploaded files live, content-addressed per workspace.

A blob's key is `<team_id>/<ab>/<cd>/<sha256>` (keys.py): the same bytes uploaded twice in one
workspace are stored once, and a workspace's blobs share one prefix, to list, move or sweep them.
Several files of a workspace may so name one key: counting who still uses a key, and deleting it
only when nobody does, is the caller's job.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import quote

# The size of the chunks `open` yields: big enough that a 1 GB download is ~16,000 sends, small
# enough that many downloads at once hold little memory.
CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class StoredBlob:
    key: str
    size: int
    sha256: str  # hex


class BlobError(Exception):
    pass


class BlobTooLarge(BlobError):
    """More than max_bytes arrived; nothing was stored."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"more than {max_bytes} bytes")
        self.max_bytes = max_bytes


class BlobSizeMismatch(BlobError):
    """The body's length differs from the size announced for it; nothing was stored."""

    def __init__(self, expected: int, got: int) -> None:
        super().__init__(f"expected {expected} bytes, got {got}")
        self.expected = expected
        self.got = got


class BlobNotFound(BlobError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class BadBlobKey(BlobError, ValueError):
    """A key or team id that is not of the form keys.py makes: refused before any I/O."""


def content_disposition(filename: str, *, inline: bool) -> str:
    """The Content-Disposition of a download (RFC 6266): the name as UTF-8 in filename*, and an
    ASCII stand-in in filename for clients that read only that. Either way no quote, backslash
    or line break of the name can end the header's value early."""
    fallback = "".join(c if " " <= c <= "~" and c not in '"\\' else "_" for c in filename)
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


class Blobs(Protocol):
    async def put(
        self,
        team_id: str,
        chunks: AsyncIterator[bytes],
        *,
        max_bytes: int,
        expected_size: int | None = None,
    ) -> StoredBlob:
        """Stores the bytes the iterator yields, a chunk at a time (never the whole body in
        memory), under the key of their sha256 in the team's space. Raises BlobTooLarge as soon as
        more than max_bytes have arrived, BlobSizeMismatch if expected_size is given and the total
        differs. On any error (these, the iterator's own, a cancellation) nothing of the upload is
        left behind: no temp file, no partial object, no multipart upload in progress. (A
        cancellation that lands while the finished blob is being moved into place lets the move
        end: the blob is then whole, and maybe another file's already, so it stays for the
        caller's sweep of orphans.) An empty body is stored like any other. A key already there
        is kept as it is, and its `modified` time moved to now."""
        ...

    def open(
        self, key: str, start: int = 0, end: int | None = None
    ) -> AbstractAsyncContextManager[AsyncIterator[bytes]]:
        """`async with blobs.open(key, start, end) as body: async for chunk in body: ...`

        The bytes from offset start (included) to end (excluded; None: to the last byte), in
        chunks of at most CHUNK_BYTES; a range past the blob's end is cut at it, and one that
        holds nothing yields nothing. Entering raises BlobNotFound, before any byte: a server
        answers 404 rather than a broken 200. Leaving the block closes the file or connection,
        however much was read."""
        ...

    async def size(self, key: str) -> int:
        """The blob's length in bytes; BlobNotFound if there is none."""
        ...

    async def modified(self, key: str) -> float:
        """When the blob was last stored, in seconds since the epoch: its first put, or a later
        put of the same bytes (which finds the key taken, keeps nothing and moves this time).
        The sweep of orphans deletes only blobs this old. BlobNotFound if there is none."""
        ...

    async def delete(self, key: str) -> None:
        """Deletes the blob; one already gone is no error. The key may be shared by several
        files of the workspace: the caller deletes it only when the last one goes."""
        ...

    async def download_url(
        self, key: str, *, filename: str, content_type: str, inline: bool, expires_s: int
    ) -> str | None:
        """A URL the client may fetch the blob from directly, for expires_s seconds, answered
        with this Content-Type and a Content-Disposition of filename (inline or attachment);
        None when the server must stream the blob itself (`open`). It does not check that the
        blob exists."""
        ...

    def keys(self, team_id: str) -> AsyncIterator[str]:
        """Every key of the team's blobs, in no set order (moving a workspace, sweeping
        orphans)."""
        ...

    async def usage(self, team_id: str) -> int:
        """The bytes the team's blobs take, each key once. A full listing (a directory walk, or
        one S3 request per 1,000 blobs): for checks and repairs, not for every upload's quota,
        which the caller keeps with its own records."""
        ...

    async def close(self) -> None: ...
