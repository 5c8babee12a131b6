"""Thumbnails, the pure part (domain/thumbnails.py) and the decoding (images.py, Pillow), on
images the tests make: EXIF orientation honoured, no EXIF (GPS above all) in a thumbnail, bombs
refused from their header, truncated and unknown files refused, never a crash."""

from __future__ import annotations

import io

import pytest
from PIL import ExifTags, Image

from hubbub.domain.thumbnails import (
    MAX_IMAGE_PIXELS,
    THUMB_EDGES,
    edges_for,
    fitted,
    thumb_name,
    thumb_type,
)
from hubbub.images import NotAnImage, render
from tests.support.images import gif_animated, jpeg_truncated, jpeg_turned, png, png_bomb


def test_only_edges_not_larger_than_the_image_are_made() -> None:
    assert edges_for(5000, 20) == list(THUMB_EDGES)
    assert edges_for(500, 300) == ["64", "80", "160", "360", "480"]
    assert edges_for(64, 10) == ["64"]
    assert edges_for(63, 63) == []


def test_a_thumbnail_keeps_the_shape_and_is_never_upscaled() -> None:
    assert fitted(1200, 600, 360) == (360, 180)
    assert fitted(600, 1200, 360) == (180, 360)
    assert fitted(100, 50, 360) == (100, 50)
    assert fitted(10_000, 1, 64) == (64, 1)


def test_names_and_types_follow_the_original() -> None:
    assert thumb_type("image/jpeg") == "image/jpeg"
    assert thumb_type("image/gif") == "image/png"
    assert thumb_name("photo.jpeg", "360", "image/jpeg") == "photo_360.jpg"
    assert thumb_name("anim.gif", "64", "image/png") == "anim_64.png"
    assert thumb_name(".hidden", "64", "image/png") == ".hidden_64.png"


def test_exif_orientation_is_honoured_and_no_exif_is_kept() -> None:
    rendered = render(io.BytesIO(jpeg_turned(1200, 600)), "image/jpeg")
    # Shown turned a quarter: 600 wide, 1200 high.
    assert (rendered.width, rendered.height) == (600, 1200)
    assert [t[0] for t in rendered.thumbs] == list(THUMB_EDGES)
    for edge, width, height, data in rendered.thumbs:
        thumb = Image.open(io.BytesIO(data))
        assert thumb.format == "JPEG"
        assert thumb.size == (width, height) == fitted(600, 1200, int(edge))
        exif = thumb.getexif()
        assert ExifTags.IFD.GPSInfo not in exif and not exif.get_ifd(ExifTags.IFD.GPSInfo)
        assert len(exif) == 0, "no EXIF at all: no camera, no orientation"
        assert b"TestCam" not in data
    # Turned clockwise: the left half (red) is now on top.
    big = Image.open(io.BytesIO(rendered.thumbs[-1][3])).convert("RGB")
    top, bottom = (
        big.getpixel((big.width // 2, 10)),
        big.getpixel((big.width // 2, big.height - 10)),
    )
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 200 and top[2] < 60, top
    assert bottom[2] > 200 and bottom[0] < 60, bottom


def test_a_png_keeps_its_transparency_and_loses_its_exif() -> None:
    source = io.BytesIO()
    exif = Image.Exif()
    exif[ExifTags.IFD.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "S"}
    Image.new("RGBA", (500, 400), (0, 0, 255, 0)).save(source, format="PNG", exif=exif)
    rendered = render(io.BytesIO(source.getvalue()), "image/png")
    assert (rendered.width, rendered.height) == (500, 400)
    thumb = Image.open(io.BytesIO(rendered.thumbs[-1][3]))
    assert thumb.format == "PNG" and thumb.mode == "RGBA" and thumb.size == (480, 384)
    assert len(thumb.getexif()) == 0 and "exif" not in thumb.info


# As in the server (images.py); pytest resets warnings filters per test.
@pytest.mark.filterwarnings("error::PIL.Image.DecompressionBombWarning")
def test_a_decompression_bomb_is_refused_from_its_header() -> None:
    bomb = png_bomb()
    assert len(bomb) < 200
    with pytest.raises(NotAnImage) as refused:
        render(io.BytesIO(bomb), "image/png")
    assert refused.value.reason == "too_many_pixels"
    # Just over the bound (Pillow itself would only warn up to twice it): refused too.
    side = int(MAX_IMAGE_PIXELS**0.5) + 1
    with pytest.raises(NotAnImage) as refused:
        render(io.BytesIO(png_bomb(side, side)), "image/png")
    assert refused.value.reason == "too_many_pixels"


def test_a_truncated_jpeg_is_refused_not_decoded_as_if_whole() -> None:
    with pytest.raises(NotAnImage) as refused:
        render(io.BytesIO(jpeg_truncated()), "image/jpeg")
    assert refused.value.reason.startswith("broken")


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not an image at all",
        b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\n",  # EPS: Ghostscript, never
        b"BM" + b"\x00" * 60,  # a BMP: a format we do not decode
        png(10, 10)[:30],
    ],
)
def test_what_is_not_an_image_we_read_is_refused(data: bytes) -> None:
    with pytest.raises(NotAnImage):
        render(io.BytesIO(data), "image/png")


def test_an_animated_gif_gives_its_first_frame_still() -> None:
    rendered = render(io.BytesIO(gif_animated()), "image/png")
    assert (rendered.width, rendered.height) == (400, 300)
    thumb = Image.open(io.BytesIO(rendered.thumbs[-1][3]))
    assert thumb.format == "PNG" and getattr(thumb, "n_frames", 1) == 1


def test_an_image_smaller_than_every_edge_has_a_size_and_no_thumbnail() -> None:
    rendered = render(io.BytesIO(png(40, 30)), "image/png")
    assert (rendered.width, rendered.height, rendered.thumbs) == (40, 30, [])
