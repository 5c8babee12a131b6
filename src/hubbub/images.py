"""Thumbnails with Pillow: an image file in, its displayed size and its thumbnails' bytes out.

CPU work on bytes and nothing else (no store, no blob): the thumbnail job (services/thumbnails.py)
runs it on a thread of its own, never on the event loop. Whatever the bytes are, it either
answers or raises NotAnImage: a bomb, a truncated or malformed file, a format we do not decode.
docs/files.md, Thumbnails; the bounds are domain/thumbnails.py's.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

from PIL import ExifTags, Image, ImageFile, ImageOps, UnidentifiedImageError

from hubbub.domain.thumbnails import (
    JPEG,
    LARGEST_EDGE,
    MAX_IMAGE_PIXELS,
    edges_for,
    fitted,
    too_many_pixels,
)

# Pillow refuses (DecompressionBombError) an image of more than twice this many pixels, and
# only warns between once and twice: the warning is made an error, so the bound is this one.
# Both are read from the header, before any pixel is decoded. render() checks it itself too,
# since a warnings filter can be changed by anyone in the process (pytest does, per test).
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
warnings.filterwarnings("error", category=Image.DecompressionBombWarning)
# A truncated file is refused, never decoded as if it were whole (Pillow's default; said here
# so that nothing in the process turns it on for us).
ImageFile.LOAD_TRUNCATED_IMAGES = False

# The decoders we run on people's files, and no other: Pillow would otherwise pick any of its
# plugins from the first bytes (EPS through Ghostscript, and the like), whatever the name says.
FORMATS = ("PNG", "JPEG", "GIF", "WEBP")
_JPEG_QUALITY = 85
# Orientations (EXIF 274) that turn the image a quarter: its width and height swap.
_QUARTER_TURNS = frozenset({5, 6, 7, 8})


class NotAnImage(Exception):
    """No thumbnails for this file: why, in a word (for the log)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Rendered:
    """The image as shown (EXIF orientation applied): its size, and per edge its thumbnail."""

    width: int
    height: int
    thumbs: list[tuple[str, int, int, bytes]]  # (edge, width, height, encoded bytes)


def render(source: BinaryIO, out_type: str) -> Rendered:
    """The thumbnails of the image in source (a seekable file), encoded as out_type (JPEG or
    PNG), for every edge not larger than the image; first frame only (an animated GIF's
    thumbnail is still). No EXIF in any thumbnail (no GPS, no camera, no orientation: the
    pixels are turned instead)."""
    with _pillow_errors():
        return _render(source, out_type)


@contextmanager
def _pillow_errors() -> Iterator[None]:
    """Whatever Pillow raises on bad bytes, as NotAnImage."""
    try:
        yield
    except NotAnImage:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise NotAnImage("too_many_pixels") from exc
    except UnidentifiedImageError as exc:
        raise NotAnImage("unknown_format") from exc
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError) as exc:
        # Pillow's ways of saying the bytes are broken: truncated (OSError), bad chunks
        # (SyntaxError), bad values in a header (ValueError), and a few more.
        raise NotAnImage(f"broken: {type(exc).__name__}") from exc


def identify(source: BinaryIO) -> str:
    """The format of the image in source (one of FORMATS), checked as render() checks it: its
    header read, its pixels bounded, its first frame decoded whole. NotAnImage otherwise."""
    with _pillow_errors(), Image.open(source, formats=FORMATS) as opened:
        if too_many_pixels(*opened.size):
            raise NotAnImage("too_many_pixels")
        opened.load()
        return str(opened.format)


def _render(source: BinaryIO, out_type: str) -> Rendered:
    with Image.open(source, formats=FORMATS) as opened:
        width, height = opened.size
        if too_many_pixels(width, height):
            raise NotAnImage("too_many_pixels")
        orientation = opened.getexif().get(ExifTags.Base.Orientation, 1)
        if orientation in _QUARTER_TURNS:
            width, height = height, width
        edges = edges_for(width, height)
        if not edges:
            return Rendered(width, height, [])
        if opened.format == "JPEG":
            # Decode at the smallest scale (1/2, 1/4, 1/8) still at least as big as the
            # largest thumbnail: far less memory and time for a big photo.
            largest = min(LARGEST_EDGE, max(int(e) for e in edges))
            opened.draft("RGB", (largest, largest))
        opened.load()
        shown = ImageOps.exif_transpose(opened)
    # The colour profile is kept (without it a wide-gamut photo's thumbnail shows other
    # colours); everything else the file said about itself (EXIF with GPS, XMP, comments,
    # text chunks) goes, so that no encoder can copy it into a thumbnail.
    icc = shown.info.get("icc_profile")
    base = _for_output(shown, out_type)
    base.info = {}
    thumbs = []
    # Largest first, each made from the one before: every step shrinks, and the small ones
    # cost little.
    for edge in reversed(edges):
        size = fitted(base.width, base.height, int(edge))
        if size != base.size:
            base = base.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        thumbs.append((edge, base.width, base.height, _encode(base, out_type, icc)))
    thumbs.reverse()
    return Rendered(width, height, thumbs)


def _for_output(image: Image.Image, out_type: str) -> Image.Image:
    """The pixels in a mode the output format takes: RGB for JPEG; for PNG, RGBA where the
    image may be transparent, else RGB (or L for a grey one)."""
    if out_type == JPEG:
        return image.convert("RGB") if image.mode not in ("RGB", "L") else image
    transparent = "A" in image.getbands() or "transparency" in image.info
    if transparent:
        return image.convert("RGBA") if image.mode != "RGBA" else image
    return image.convert("RGB") if image.mode not in ("RGB", "L") else image


def _encode(image: Image.Image, out_type: str, icc: bytes | None) -> bytes:
    """The thumbnail's bytes, with its colour profile and no other metadata."""
    out = io.BytesIO()
    extra = {"icc_profile": icc} if icc else {}
    if out_type == JPEG:
        image.save(out, format="JPEG", quality=_JPEG_QUALITY, **extra)
    else:
        image.save(out, format="PNG", **extra)
    return out.getvalue()
