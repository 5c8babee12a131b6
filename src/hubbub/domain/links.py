"""The links in a message's text, as Slack stores it.

Slack keeps links as `<https://example.com|label>` or `<https://example.com>`, with `&`, `<` and
`>` escaped as `&amp;`, `&lt;` and `&gt;`; text posted through the API may also hold bare URLs.
Mentions (`<@U…>`, `<#C…>`, `<!here>`) are not links, and neither is anything in code.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

MAX_URL = 2048

_CODE_BLOCK = re.compile(r"```.*?```", re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
# `<…>` segments: a link (with perhaps a label) or a mention, which is no link.
_ANGLED = re.compile(r"<([^<>]*)>")
_BARE = re.compile(r"https?://[^\s<>|\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?*_~'\""
_CLOSERS = {")": "(", "]": "[", "}": "{"}


def find_links(text: str, limit: int | None = None) -> list[str]:
    """http(s) URLs in order of appearance, each once, unescaped."""
    text = _INLINE_CODE.sub(" ", _CODE_BLOCK.sub(" ", text))
    found: list[str] = []

    def add(url: str) -> None:
        url = _unescape(url)
        if url not in found and _is_web_url(url):
            found.append(url)

    position = 0
    for angled in _ANGLED.finditer(text):
        for bare in _BARE.finditer(text, position, angled.start()):
            add(_trim(bare.group()))
        target = angled.group(1).partition("|")[0].strip()
        if target[:1] not in ("@", "#", "!"):
            add(target)
        position = angled.end()
    for bare in _BARE.finditer(text, position):
        add(_trim(bare.group()))
    return found if limit is None else found[:limit]


def _unescape(url: str) -> str:
    return url.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _trim(url: str) -> str:
    """A bare URL without the punctuation that ends its sentence: `(see https://x.org/a_(b)).`"""
    while url:
        last = url[-1]
        unbalanced = last in _CLOSERS and url.count(last) > url.count(_CLOSERS[last])
        if last not in _TRAILING and not unbalanced:
            break
        url = url[:-1]
    return url


def _is_web_url(url: str) -> bool:
    if len(url) > MAX_URL or any(c.isspace() for c in url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port out of range
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def same_site(url: str, base_url: str) -> bool:
    """Whether url points at base_url's host and port (hubbub's own pages are not previewed)."""
    try:
        a, b = urlsplit(url), urlsplit(base_url)
        return (a.hostname, _port(a.scheme, a.port)) == (b.hostname, _port(b.scheme, b.port))
    except ValueError:
        return False


def _port(scheme: str, port: int | None) -> int:
    return port if port is not None else 443 if scheme.lower() == "https" else 80
