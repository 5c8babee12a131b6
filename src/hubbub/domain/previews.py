"""Link previews: what a page says about itself (Open Graph, Twitter cards, `<title>`,
`<meta name=description>`), read with the standard library's HTML parser, and the Slack
attachment that shows it.

Nothing on the page runs: scripts and styles are text the parser skips, and only `<meta>`,
`<link>` and `<title>` are looked at. Every value is cut to a length Slack would show.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import asdict, dataclass, fields
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from hubbub.domain.links import MAX_URL

MAX_TITLE = 250
MAX_TEXT = 500
MAX_SERVICE = 100
# Open Graph and Twitter card properties read, and a cap on how many `<meta>` tags are.
_PROPERTIES = frozenset(
    {
        "og:title",
        "og:description",
        "og:image",
        "og:image:url",
        "og:image:secure_url",
        "og:image:width",
        "og:image:height",
        "og:site_name",
        "og:url",
        "twitter:title",
        "twitter:description",
        "twitter:image",
        "twitter:image:src",
        "description",
    }
)
_MAX_METAS = 500
_MAX_RAW = 4096  # characters kept of any one value before it is cleaned and cut
_SPACE = re.compile(r"\s+")
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]{1,40})""", re.I)


@dataclass(frozen=True, slots=True)
class Preview:
    url: str  # the page, after redirects
    title: str
    text: str
    title_link: str
    service_name: str
    image_url: str | None = None
    image_width: int | None = None
    image_height: int | None = None
    service_icon: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Preview:
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


class _Head(HTMLParser):
    """Collects `<meta>` properties, the first `<title>` and the page's icon."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title: str | None = None
        self.icon: str | None = None
        self._in_title = False
        self._title_parts: list[str] = []
        self._title_len = 0
        self._metas = 0
        self._svg = 0  # an <svg> may hold <title>s of its own

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            self._meta(attrs)
        elif tag == "link":
            self._link(attrs)
        elif tag == "svg":
            self._svg += 1
        elif tag == "title" and self.title is None and not self._svg:
            self._in_title = True

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "svg":  # <svg/> opens nothing
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg" and self._svg:
            self._svg -= 1
        elif tag == "title" and self._in_title:
            self._in_title = False
            self.title = "".join(self._title_parts)

    def handle_data(self, data: str) -> None:
        if self._in_title and self._title_len < _MAX_RAW:
            self._title_parts.append(data[: _MAX_RAW - self._title_len])
            self._title_len += len(data)

    def _meta(self, attrs: list[tuple[str, str | None]]) -> None:
        self._metas += 1
        if self._metas > _MAX_METAS:
            return
        values = dict(attrs)
        key = (values.get("property") or values.get("name") or "").strip().lower()
        content = values.get("content")
        if key in _PROPERTIES and content is not None and key not in self.meta:
            self.meta[key] = content[:_MAX_RAW]

    def _link(self, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        rels = (values.get("rel") or "").lower().split()
        href = values.get("href")
        if href and self.icon is None and "icon" in rels:
            self.icon = href[:_MAX_RAW]


def decode(body: bytes, content_type: str) -> str:
    """The page's text: the charset its Content-Type names, else a `<meta charset>` near the
    top, else UTF-8; undecodable bytes replaced, never an error."""
    for charset in (_header_charset(content_type), _meta_charset(body)):
        if charset:
            with contextlib.suppress(LookupError):
                return body.decode(charset, errors="replace")
    return body.decode("utf-8", errors="replace")


def _header_charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        name, _, value = part.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return None


def _meta_charset(body: bytes) -> str | None:
    found = _CHARSET.search(body[:4096])
    return found.group(1).decode("ascii") if found else None


def parse_preview(html: str, page_url: str) -> Preview | None:
    """The preview of a page at page_url (its address after redirects), or None if it names
    neither a title nor a description."""
    head = _Head()
    # Malformed markup only loses what the parser could not make sense of.
    with contextlib.suppress(Exception):
        head.feed(html)
        head.close()
    meta = head.meta
    title = _clean(meta.get("og:title") or meta.get("twitter:title") or head.title or "", MAX_TITLE)
    text = _clean(
        meta.get("og:description")
        or meta.get("twitter:description")
        or meta.get("description")
        or "",
        MAX_TEXT,
    )
    if not title and not text:
        return None
    image = (
        meta.get("og:image:secure_url")
        or meta.get("og:image")
        or meta.get("og:image:url")
        or meta.get("twitter:image")
        or meta.get("twitter:image:src")
    )
    image_url = _link_to(image, page_url)
    return Preview(
        url=page_url,
        title=title,
        text=text,
        title_link=_link_to(meta.get("og:url"), page_url) or page_url,
        service_name=_clean(meta.get("og:site_name") or "", MAX_SERVICE) or _host(page_url),
        image_url=image_url,
        image_width=_dimension(meta.get("og:image:width")) if image_url else None,
        image_height=_dimension(meta.get("og:image:height")) if image_url else None,
        service_icon=_link_to(head.icon, page_url),
    )


def _clean(value: str, limit: int) -> str:
    value = _SPACE.sub(" ", value).strip()
    # Control characters (other than the spaces folded above) have no business in a preview.
    value = "".join(c for c in value if c.isprintable())
    if len(value) > limit:
        value = value[: limit - 1].rstrip() + "…"
    return value


def _link_to(value: str | None, page_url: str) -> str | None:
    """An http(s) address a page names (perhaps relative to itself), or None: never
    `javascript:`, `data:` or anything else a client might act on."""
    if not value:
        return None
    value = value.strip()
    try:
        url = urljoin(page_url, value)
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > MAX_URL:
        return None
    if any(c.isspace() or not c.isprintable() for c in url):
        return None
    return url


def _dimension(value: str | None) -> int | None:
    if value and value.strip().isdigit() and len(value.strip()) <= 5:
        return int(value.strip())
    return None


def _host(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def attachment(preview: Preview, original_url: str, attachment_id: int) -> dict[str, Any]:
    """The attachment Slack adds to a message for a link it unfurled."""
    fallback = f"{preview.service_name}: {preview.title or preview.text}"
    out: dict[str, Any] = {
        "from_url": original_url,
        "original_url": original_url,
        "fallback": fallback[: MAX_TITLE + MAX_SERVICE + 2],
        "title": preview.title,
        "title_link": preview.title_link,
        "text": preview.text,
        "image_url": preview.image_url,
        "image_width": preview.image_width,
        "image_height": preview.image_height,
        "service_name": preview.service_name,
        "service_icon": preview.service_icon,
        "id": attachment_id,
    }
    return {k: v for k, v in out.items() if v not in (None, "")}
