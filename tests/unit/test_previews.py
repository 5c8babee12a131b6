"""Finding links in Slack's stored text, and reading a page's preview out of its HTML."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hubbub.domain.links import find_links, same_site
from hubbub.domain.previews import MAX_TEXT, MAX_TITLE, Preview, attachment, decode, parse_preview

# -- find_links -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "links"),
    [
        ("see <https://example.com/a|the page>", ["https://example.com/a"]),
        ("<https://example.com>", ["https://example.com"]),
        ("bare https://example.com/x?y=1 here", ["https://example.com/x?y=1"]),
        ("(https://en.wikipedia.org/wiki/Foo_(bar)).", ["https://en.wikipedia.org/wiki/Foo_(bar)"]),
        ("end of sentence https://example.com/a.", ["https://example.com/a"]),
        ("<https://a.test/?x=1&amp;y=2|q>", ["https://a.test/?x=1&y=2"]),
        ("HTTP://EXAMPLE.COM/up", ["HTTP://EXAMPLE.COM/up"]),
        ("<@U123ABC> <#C123|general> <!here> <!subteam^S1>", []),
        ("<mailto:a@b.test|a@b.test> ftp://x.test/ javascript:alert(1)", []),
        (
            "`https://in.code/` and ```\nhttps://in.block/\n``` but https://out.test/",
            ["https://out.test/"],
        ),
        (
            "twice <https://a.test/> https://a.test/ <https://b.test/>",
            ["https://a.test/", "https://b.test/"],
        ),
        ("<http://|empty host> <https://:80/> http://[::1", []),
        ("<https://x.test:99999/>", []),
        ("", []),
    ],
)
def test_find_links(text: str, links: list[str]) -> None:
    assert find_links(text) == links


def test_find_links_keeps_the_first_few_in_order() -> None:
    text = " ".join(f"<https://site{i}.test/>" for i in range(10))
    assert find_links(text, limit=3) == [f"https://site{i}.test/" for i in range(3)]


def test_find_links_ignores_a_url_longer_than_any_browser_takes() -> None:
    assert find_links("https://x.test/" + "a" * 5000) == []


@given(st.text(max_size=300))
def test_find_links_returns_only_web_urls_from_anything(text: str) -> None:
    for url in find_links(text):
        assert url.lower().startswith(("http://", "https://"))
        assert not any(c.isspace() for c in url)


def test_find_links_is_quick_on_hostile_text() -> None:
    started = time.monotonic()
    find_links("<" * 50_000 + "https://" * 5_000 + ">" * 50_000 + "`" * 10_000)
    assert time.monotonic() - started < 1


def test_same_site_compares_host_and_effective_port() -> None:
    assert same_site("http://127.0.0.1:8080/archives/C1", "http://127.0.0.1:8080")
    assert same_site("https://chat.example.com/x", "https://chat.example.com:443/")
    assert not same_site("http://127.0.0.1:9000/", "http://127.0.0.1:8080")
    assert not same_site("https://other.example.com/", "https://chat.example.com")


# -- parse_preview --------------------------------------------------------------------------

PAGE = "https://news.example.com/story/1"


def test_open_graph_wins_over_title_and_description() -> None:
    html = """<!doctype html><html><head>
      <title>Plain title</title>
      <meta name="description" content="Plain description">
      <meta property="og:title" content="The &amp; story">
      <meta property="og:description" content="What   happened,
         in short.">
      <meta property="og:image" content="/img/1.png">
      <meta property="og:image:width" content="1200"><meta property="og:image:height" content="630">
      <meta property="og:site_name" content="Example News">
      <meta property="og:url" content="https://news.example.com/story/1?canonical">
      <link rel="shortcut icon" href="/favicon.ico">
    </head><body><p>hello</p></body></html>"""
    preview = parse_preview(html, PAGE)
    assert preview == Preview(
        url=PAGE,
        title="The & story",
        text="What happened, in short.",
        title_link="https://news.example.com/story/1?canonical",
        service_name="Example News",
        image_url="https://news.example.com/img/1.png",
        image_width=1200,
        image_height=630,
        service_icon="https://news.example.com/favicon.ico",
    )


def test_twitter_cards_then_title_then_meta_description() -> None:
    twitter = """<meta name="twitter:title" content="Tweet title">
      <meta name="twitter:description" content="Tweet text">
      <meta name="twitter:image" content="https://cdn.example.com/t.jpg"><title>T</title>"""
    preview = parse_preview(twitter, PAGE)
    assert preview is not None
    assert (preview.title, preview.text, preview.image_url) == (
        "Tweet title",
        "Tweet text",
        "https://cdn.example.com/t.jpg",
    )
    plain = parse_preview(
        "<html><head><title> Just\n a title </title><meta name=description content=desc>", PAGE
    )
    assert plain is not None
    assert (plain.title, plain.text, plain.service_name) == (
        "Just a title",
        "desc",
        "news.example.com",
    )


def test_a_page_with_nothing_to_say_has_no_preview() -> None:
    assert parse_preview("<html><body><p>no head at all</p></body></html>", PAGE) is None
    assert parse_preview("", PAGE) is None
    assert parse_preview("\x00\x01 binary junk \xff", PAGE) is None


def test_scripts_and_styles_are_only_text_that_is_skipped() -> None:
    html = """<head><script>document.title = "hacked"; fetch("http://169.254.169.254/")</script>
      <style>title { content: "styled" }</style>
      <script><title>in a script</title><meta property="og:title" content="in a script"></script>
      <title>Real</title></head>"""
    preview = parse_preview(html, PAGE)
    assert preview is not None and preview.title == "Real"


def test_svg_titles_are_not_the_page_title() -> None:
    preview = parse_preview("<body><svg><title>icon</title></svg><title>Page</title>", PAGE)
    assert preview is not None and preview.title == "Page"


@pytest.mark.parametrize(
    "html",
    [
        "<html><head><title>Unclosed",
        "<meta property='og:title' content='Broken <b>quote>",
        "<<<>>><title>Odd</title><!-- never closed",
        "<title>A</title><title>B</title>",
        '<meta property=og:title content="x" content="y"><![CDATA[ junk ]]><!DOCTYPE',
        "<title>" + "<b>" * 10_000 + "deep</title>",
        "&#xFFFFFFFF; &#0; &bogus; <title>&#x1F600; ok</title>",
    ],
)
def test_malformed_html_never_raises(html: str) -> None:
    preview = parse_preview(html, PAGE)
    if preview is not None:
        assert len(preview.title) <= MAX_TITLE and len(preview.text) <= MAX_TEXT


def test_huge_values_are_cut_and_quick() -> None:
    huge = "x" * 900_000
    html = f'<meta property="og:title" content="{huge}"><meta name="description" content="{huge}">'
    started = time.monotonic()
    preview = parse_preview(
        html + f'<meta property="og:image" content="https://i.test/{huge}">', PAGE
    )
    assert time.monotonic() - started < 2
    assert preview is not None
    assert len(preview.title) == MAX_TITLE and preview.title.endswith("…")
    assert len(preview.text) == MAX_TEXT
    assert preview.image_url is None  # longer than any URL we keep


def test_many_tags_are_quick() -> None:
    html = "<head>" + '<meta name="x" content="y">' * 50_000 + "<title>Late</title>"
    # CPU time, not the wall's: a parser gone quadratic takes minutes of it, while a machine
    # busy with other work only stretches the wall clock (5.7 s of it seen so).
    started = time.process_time()
    preview = parse_preview(html, PAGE)
    assert time.process_time() - started < 3
    assert preview is not None and preview.title == "Late"


def test_only_web_addresses_are_kept_for_links_and_images() -> None:
    html = """<meta property="og:title" content="t">
      <meta property="og:url" content="javascript:alert(1)">
      <meta property="og:image" content="data:image/png;base64,AAAA">
      <link rel="icon" href="file:///etc/passwd">"""
    preview = parse_preview(html, PAGE)
    assert preview is not None
    assert preview.title_link == PAGE
    assert preview.image_url is None and preview.service_icon is None


def test_control_characters_do_not_survive() -> None:
    preview = parse_preview("<title>a\u202eb\x07c\u200bd</title>", PAGE)
    assert preview is not None and preview.title == "abcd"


@given(st.text(max_size=2000))
def test_any_text_parses_to_a_bounded_preview_or_none(html: str) -> None:
    preview = parse_preview(html, PAGE)
    if preview is not None:
        assert len(preview.title) <= MAX_TITLE and len(preview.text) <= MAX_TEXT
        assert preview.title or preview.text


def test_decode_follows_the_header_then_the_meta_charset() -> None:
    latin = "<title>café</title>".encode("latin-1")
    assert "café" in decode(latin, "text/html; charset=ISO-8859-1")
    assert "café" in decode(b'<meta charset="latin-1">' + latin, "text/html")
    assert "caf\ufffd" in decode(latin, "text/html")  # UTF-8 by default, never an error
    assert "caf\ufffd" in decode(latin, "text/html; charset=no-such-charset")


def test_attachment_has_slacks_unfurl_shape() -> None:
    preview = Preview(
        url=PAGE,
        title="Title",
        text="Text",
        title_link=PAGE,
        service_name="Example",
        image_url="https://i.test/a.png",
    )
    assert attachment(preview, "https://news.example.com/story/1", 2) == {
        "from_url": "https://news.example.com/story/1",
        "original_url": "https://news.example.com/story/1",
        "fallback": "Example: Title",
        "title": "Title",
        "title_link": PAGE,
        "text": "Text",
        "image_url": "https://i.test/a.png",
        "service_name": "Example",
        "id": 2,
    }
    assert Preview.from_json(preview.to_json()) == preview
