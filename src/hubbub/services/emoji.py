"""The emoji names a reaction may use: emoji-datasource's short names, the same list the web
client shows (the `names` of web/static/vendor/emoji.json, `make vendor`). hubbub has no custom
emoji, so a name outside it is Slack's `invalid_name`."""

from __future__ import annotations

import functools
from importlib.resources import files

import orjson

# Shipped as package data beside the web client, which reads the same file.
_NAMES = ("web", "static", "vendor", "emoji.json")


@functools.cache
def known_names() -> frozenset[str]:
    path = files("hubbub").joinpath(*_NAMES)
    return frozenset(orjson.loads(path.read_bytes())["names"])
