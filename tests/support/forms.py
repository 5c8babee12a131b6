"""The web pages' forms, as a browser fills them in."""

from __future__ import annotations

import html
import re

_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')


def form_csrf(page: str) -> str:
    """The CSRF token a page's form carries in its hidden csrf_token field."""
    found = _CSRF.search(page)
    assert found, page
    return html.unescape(found.group(1))
