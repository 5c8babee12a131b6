"""The one parser of a download's `Range` header (RFC 9110 §14): a single byte range, or none."""

from __future__ import annotations

import re
from dataclasses import dataclass

# bytes=<first>-<last>, bytes=<first>- or bytes=-<suffix length>; at most 18 digits each, so
# every number fits every store's and Python's fast integers.
_ONE = re.compile(r"bytes=([0-9]{0,18})-([0-9]{0,18})")


@dataclass(frozen=True, slots=True)
class ByteRange:
    start: int  # first byte, included
    end: int  # last byte + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end - 1}/{size}"


class Unsatisfiable(Exception):
    """A range none of whose bytes the file has: 416, with `Content-Range: bytes */<size>`."""


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The one range asked for, cut at the file's end; None for the whole file: no header, a
    header of another unit or of several ranges (answered whole, as RFC 9110 allows), or one
    that does not parse (ignored, as RFC 9110 says). Unsatisfiable when it starts past the end."""
    if not header or len(header) > 64:
        return None
    match = _ONE.fullmatch(header.strip())
    if match is None:
        return None
    first, last = match[1], match[2]
    if not first and not last:
        return None
    if not first:  # the last `last` bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise Unsatisfiable
        return ByteRange(max(0, size - suffix), size)
    start = int(first)
    end = size if not last else int(last) + 1
    if last and end <= start:
        return None
    if start >= size:
        raise Unsatisfiable
    return ByteRange(start, min(end, size))
