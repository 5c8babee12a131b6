"""Images made by Pillow in the tests themselves: a PNG of one colour, a photo turned by its EXIF
orientation with a GPS position, a PNG that declares far more pixels than it holds (a
decompression bomb), a truncated JPEG, an animated GIF; a comparison of screenshots with a
tolerance; and a host on 127.0.0.1 that serves pictures to the server's image proxy."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from PIL import ExifTags, Image, ImageChops

from tests.support.receiver import Received, Receiver, receiver

# What an image host answers, by path: (status, Content-Type, body).
Answers = Mapping[str, tuple[int, str, bytes]]


def jpeg_turned(width: int = 1200, height: int = 600) -> bytes:
    """A width x height JPEG whose EXIF says to turn it a quarter clockwise (orientation 6), so
    it is shown height x width; its left half red, its right half blue; with a camera and a GPS
    position in its EXIF."""
    image = Image.new("RGB", (width, height), "blue")
    image.paste((255, 0, 0), (0, 0, width // 2, height))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "TestCam"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (51.0, 30.0, 0.0),
        ExifTags.GPS.GPSLongitudeRef: "W",
        ExifTags.GPS.GPSLongitude: (0.0, 7.0, 0.0),
    }
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, quality=90)
    return out.getvalue()


def png(width: int, height: int, mode: str = "RGB", color: object = "green") -> bytes:
    """A width x height PNG of one colour (a name, or a tuple of the mode's bands)."""
    out = io.BytesIO()
    Image.new(mode, (width, height), color).save(out, format="PNG")  # type: ignore[arg-type]
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A PNG of a few dozen bytes whose header declares width x height pixels (10 gigapixels by
    default): decoding it would take 30 GB. Its one row of data is all it holds."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    row = zlib.compress(b"\x00" + b"\x00" * 3 * 16)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", row) + _chunk(b"IEND", b"")
    )


def jpeg_truncated(width: int = 800, height: int = 600) -> bytes:
    """The first half of a JPEG: its header is whole, its pixels end early."""
    image = Image.effect_noise((width, height), 64).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="JPEG")
    whole = out.getvalue()
    return whole[: len(whole) // 2]


def gif_animated(width: int = 400, height: int = 300) -> bytes:
    frames = [Image.new("P", (width, height), i) for i in (10, 200, 90)]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=100)
    return out.getvalue()


def differing_share(shot: bytes, expected: bytes, threshold: int = 48) -> float:
    """The share of pixels of two same-sized images that differ by more than `threshold` in
    some channel: small differences (anti-aliasing, scaling) are not counted. 1.0 when the sizes
    differ."""
    a = Image.open(io.BytesIO(shot)).convert("RGB")
    b = Image.open(io.BytesIO(expected)).convert("RGB")
    if a.size != b.size:
        return 1.0
    bands = ImageChops.difference(a, b).split()
    over = [band.point(lambda v: 255 if v > threshold else 0) for band in bands]
    either = ImageChops.lighter(ImageChops.lighter(over[0], over[1]), over[2])
    return 1 - either.histogram()[0] / (a.width * a.height)


@contextmanager
def image_host(answers: Answers) -> Iterator[Receiver]:
    """An HTTP server on 127.0.0.1 that answers GETs of the paths of `answers` (404 to any other),
    as the web host of the pictures in apps' messages and views. Its `url` is the base, without a
    slash at the end: a picture is f"{host.url}/pic.png"; `seen` records what was fetched."""

    def serve(request: Received) -> tuple[int, dict[str, str], bytes]:
        status, kind, body = answers.get(request.path, (404, "text/plain", b"no"))
        return status, {"Content-Type": kind}, body

    with receiver() as host:
        host.behaviour = serve
        host.url = host.url.removesuffix("/slack/events")
        yield host
