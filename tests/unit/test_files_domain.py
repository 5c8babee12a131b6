"""domain/files.py and domain/byte_ranges.py: names, types, what is inline, ranges."""

from __future__ import annotations

import pytest

from hubbub.domain.byte_ranges import ByteRange, Unsatisfiable, parse_range
from hubbub.domain.errors import SlackError
from hubbub.domain.files import (
    check_length,
    check_name,
    filetype_of,
    is_inline_image,
    mimetype_of,
    served_type,
    type_filter,
)


@pytest.mark.parametrize(
    "name",
    [
        "../etc/passwd",
        "a/b.txt",
        "a\\b",
        "x\x00y",
        "bell\x07",
        "rtl\u202etxt",
        ".",
        "..",
        "...",
        "",
        "   ",
        "a" * 256,
        "é" * 128,
    ],
)
def test_unsafe_names_are_refused(name: str) -> None:
    with pytest.raises(SlackError) as caught:
        check_name(name)
    assert caught.value.code == "invalid_arguments"


@pytest.mark.parametrize(
    "name", ["report.pdf", "My photo (1).JPG", ".bashrc", "a" * 255, "日本.txt"]
)
def test_ordinary_names_are_kept_as_given(name: str) -> None:
    assert check_name(name) == name


def test_length_is_refused_when_missing_zero_or_over_the_limit() -> None:
    for length, error in (
        (None, "missing_argument"),
        (0, "missing_argument"),
        (-1, "invalid_arguments"),
        (11, "file_upload_size_restricted"),
    ):
        with pytest.raises(SlackError) as caught:
            check_length(length, 10)
        assert caught.value.code == error
    assert check_length(10, 10) == 10


def test_types_come_from_the_name_and_only_raster_images_are_inline() -> None:
    assert filetype_of("a.PNG") == ("png", "PNG")
    assert filetype_of("noext") == ("binary", "Binary")
    assert filetype_of("x.bin", "python") == ("python", "Python")
    assert mimetype_of("a.png", "png") == "image/png"
    assert mimetype_of("a.py", "python") == "text/plain"
    for kind in ("image/png", "image/jpeg", "image/gif", "image/webp"):
        assert is_inline_image(kind)
    for kind in ("image/svg+xml", "text/html", "application/pdf"):
        assert not is_inline_image(kind)
    assert served_type("image/svg+xml") == "application/octet-stream"
    assert served_type("text/html") == "application/octet-stream"
    assert served_type("application/xhtml+xml") == "application/octet-stream"
    assert served_type("application/pdf") == "application/pdf"


def test_type_filters() -> None:
    assert type_filter(["all"]) is None
    assert type_filter(["images", "pdfs"]) >= {"png", "pdf"}  # type: ignore[operator]
    with pytest.raises(SlackError):
        type_filter(["videos"])


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        (None, 10, None),
        ("bytes=0-3", 10, ByteRange(0, 4)),
        ("bytes=-3", 10, ByteRange(7, 10)),
        ("bytes=-30", 10, ByteRange(0, 10)),
        ("bytes=4-", 10, ByteRange(4, 10)),
        ("bytes=4-100", 10, ByteRange(4, 10)),
        ("bytes=0-1,3-4", 10, None),
        ("bytes=5-2", 10, None),
        ("items=0-1", 10, None),
        ("bytes=x-1", 10, None),
        ("bytes=" + "9" * 19 + "-", 10, None),
    ],
)
def test_one_range_or_the_whole_file(header: str | None, size: int, expected: object) -> None:
    assert parse_range(header, size) == expected


@pytest.mark.parametrize(("header", "size"), [("bytes=10-", 10), ("bytes=-0", 10), ("bytes=0-", 0)])
def test_ranges_past_the_end_are_unsatisfiable(header: str, size: int) -> None:
    with pytest.raises(Unsatisfiable):
        parse_range(header, size)
