"""Thumbnails of images, as the domain sees them: which edges Slack makes, how big each is, in
which format, and the bounds that keep one image from taking a server down. Pure: the decoding
is images.py (Pillow), the job services/thumbnails.py (docs/files.md, Thumbnails)."""

from __future__ import annotations

from dataclasses import dataclass

# The edges of the thumbnails Slack makes: a thumbnail fits in a square of that many pixels.
THUMB_EDGES = ("64", "80", "160", "360", "480", "720", "800", "960", "1024")
# Slack gives thumb_<edge>_w and _h for these only (64, 80 and 160 are bare URLs).
SIZED_EDGES = frozenset({"360", "480", "720", "800", "960", "1024"})

# The most pixels an image may have to be decoded (Pillow's MAX_IMAGE_PIXELS, read from the
# header before any pixel is): 50 megapixels, a 48 MP phone photo but no bigger. Decoding one
# takes about 150 MB (RGB) to 200 MB (RGBA) for the moment it is held; a "decompression bomb"
# (a small PNG that declares 100,000 x 100,000) is refused from its header alone.
MAX_IMAGE_PIXELS = 50_000_000
# The most bytes an image file may have to be read for thumbnails: the job spools it to a temp
# file first (Pillow reads by seeking), so this bounds the disk one job takes, not memory.
MAX_SOURCE_BYTES = 100 * 1024 * 1024
# The largest edge, to which a JPEG is decoded at a reduced scale (draft mode) when it is
# bigger: a 48 MP photo is then decoded at 1/4 of each side, a sixteenth of the pixels.
LARGEST_EDGE = 1024

JPEG = "image/jpeg"
PNG = "image/png"


@dataclass(frozen=True, slots=True)
class Thumb:
    """One thumbnail of a file: its edge ("360"), its size in pixels, and its bytes' blob."""

    edge: str
    width: int
    height: int
    blob_key: str
    size: int  # bytes
    mimetype: str


def edges_for(width: int, height: int) -> list[str]:
    """The edges of the thumbnails an image of this size gets: those not larger than its
    longest side (a thumbnail is never bigger than what it shows)."""
    longest = max(width, height)
    return [edge for edge in THUMB_EDGES if int(edge) <= longest]


def fitted(width: int, height: int, edge: int) -> tuple[int, int]:
    """The size of an image of width x height scaled to fit in an edge x edge square, keeping
    its shape; never below 1 pixel a side, never above its own size."""
    if width <= edge and height <= edge:
        return width, height
    scale = edge / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def thumb_type(mimetype: str) -> str:
    """A JPEG's thumbnails are JPEGs (smaller, and a photo has no transparency); every other
    image's are PNGs (they may be transparent: PNG, GIF, WebP)."""
    return JPEG if mimetype == JPEG else PNG


def thumb_name(name: str, edge: str, mimetype: str) -> str:
    """The name a thumbnail is served under, as Slack's: `photo_360.jpg` for `photo.jpeg`."""
    stem, dot, _ = name.rpartition(".")
    ext = "jpg" if mimetype == JPEG else "png"
    return f"{stem if dot and stem else name}_{edge}.{ext}"


def too_many_pixels(width: int, height: int) -> bool:
    return width * height > MAX_IMAGE_PIXELS
