"""Emoji: the standard names (emoji-datasource's short names, the list the web client shows:
the `names` of web/static/vendor/emoji.json, `make vendor`) and each workspace's custom emoji,
added, renamed and removed by its admins (admin.emoji.*, `hubbub admin emoji`) and listed by
emoji.list.

A custom emoji's image is checked as an uploaded image file is (its size, then Pillow decodes it
on a thread: hubbub/images.py) and stored through the Blobs port; its row is written after, so a
refused or failed add leaves at most a blob nobody names, which the files sweep takes
(jobs/file_sweep.py). Removing one deletes its row (and its aliases'); its blob goes the same way.
Renaming one moves its row (and its aliases' `alias_for`); its blob stays, and its image URL,
which names it, changes. Every change logs `emoji_changed` on the workspace's stream.
"""

from __future__ import annotations

import asyncio
import functools
import io
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from importlib.resources import files

import orjson

from hubbub.domain.emoji import (
    EXTENSIONS,
    MAX_BYTES,
    MAX_EMOJI,
    TYPES,
    CustomEmoji,
    changed_added,
    changed_removed,
    changed_renamed,
)
from hubbub.domain.errors import SlackError
from hubbub.domain.model import Identity
from hubbub.domain.urls import PublicUrls
from hubbub.images import NotAnImage, identify
from hubbub.outbound.port import OutboundError
from hubbub.services.hub import EventLog, Hub
from hubbub.store.tx import Tx

# Shipped as package data beside the web client, which reads the same file.
_NAMES = ("web", "static", "vendor", "emoji.json")
# How long fetching an image from a URL (admin.emoji.add `url`) may take.
FETCH_TIMEOUT_S = 10.0
_DIGEST = re.compile(r"[0-9a-f]{16}\Z")


@functools.cache
def known_names() -> frozenset[str]:
    path = files("hubbub").joinpath(*_NAMES)
    return frozenset(orjson.loads(path.read_bytes())["names"])


@functools.cache
def categories() -> tuple[dict[str, object], ...]:
    """The standard emoji by category, as emoji.list answers include_categories: the picker's
    sections of the vendored emoji-datasource, in Unicode's order."""
    path = files("hubbub").joinpath(*_NAMES)
    found = orjson.loads(path.read_bytes())["categories"]
    return tuple({"name": name, "emoji_names": list(names)} for name, names in found)


def check_admin(who: Identity) -> None:
    if not who.is_admin:
        raise SlackError("not_an_admin")


def value(urls: PublicUrls, found: CustomEmoji) -> str:
    """What emoji.list answers for it: its image's URL, or `alias:<original>`."""
    if found.alias_for is not None:
        return "alias:" + found.alias_for
    assert found.sha256 is not None and found.mimetype is not None
    return urls.emoji(found.team_id, found.name, found.sha256, EXTENSIONS[found.mimetype])


async def list_emoji(hub: Hub, who: Identity) -> tuple[dict[str, str], int]:
    """Each custom emoji's value (by name), and when the newest was added (seconds; 0: none)."""
    found = await hub.read(who.team_id, lambda tx: tx.list_emoji(who.team_id))
    return {e.name: value(hub.urls, e) for e in found}, max((e.created for e in found), default=0)


def _check_image(data: bytes) -> str:
    """The image's type; Slack's error_too_big or error_bad_format."""
    if len(data) > MAX_BYTES:
        raise SlackError("error_too_big")
    try:
        kind = identify(io.BytesIO(data))
    except NotAnImage as exc:
        raise SlackError("error_bad_format") from exc
    if kind not in TYPES:
        raise SlackError("error_bad_format")
    return TYPES[kind]


async def _one(data: bytes) -> AsyncIterator[bytes]:
    yield data


def _insert(tx: Tx, log: EventLog, urls: PublicUrls, found: CustomEmoji) -> CustomEmoji:
    if found.name in known_names():
        raise SlackError("error_name_taken")
    if tx.count_emoji(found.team_id) >= MAX_EMOJI:
        raise SlackError("emoji_limit_reached")
    if not tx.insert_emoji(found):
        raise SlackError("error_name_taken")
    log.team_event(found.team_id, changed_added(found.name, value(urls, found)))
    return found


async def add_image(hub: Hub, team_id: str, user_id: str, name: str, data: bytes) -> CustomEmoji:
    """A new custom emoji of these image bytes (name checked by domain/emoji.py emoji_name)."""
    mimetype = await asyncio.to_thread(_check_image, data)
    stored = await hub.blobs.put(team_id, _one(data), max_bytes=MAX_BYTES)

    def unit(tx: Tx, log: EventLog) -> CustomEmoji:
        found = CustomEmoji(
            team_id, name, user_id, tx.now, stored.key, stored.sha256, mimetype, None
        )
        return _insert(tx, log, hub.urls, found)

    return await hub.commit(team_id, unit)


async def fetch_image(hub: Hub, url: str) -> bytes:
    """admin.emoji.add's `url`, fetched as every outbound request is (outbound/port.py)."""
    try:
        got = await hub.outbound.request("GET", url, timeout_s=FETCH_TIMEOUT_S, max_bytes=MAX_BYTES)
    except OutboundError as exc:
        raise SlackError("error_bad_upload") from exc
    if got.truncated:
        raise SlackError("error_too_big")
    if got.status != 200:
        raise SlackError("error_bad_upload")
    return got.body


async def add_alias(hub: Hub, team_id: str, user_id: str, name: str, alias_for: str) -> None:
    """name becomes another name of alias_for: a custom emoji (an alias's original, if it is
    one) or a standard one."""

    def unit(tx: Tx, log: EventLog) -> CustomEmoji:
        original = alias_for
        if original not in known_names():
            target = tx.get_emoji(team_id, alias_for)
            if target is None:
                raise SlackError("error_invalid_alias")
            original = target.alias_for or target.name
        found = CustomEmoji(team_id, name, user_id, tx.now, alias_for=original)
        return _insert(tx, log, hub.urls, found)

    await hub.commit(team_id, unit)


async def remove(hub: Hub, team_id: str, name: str) -> list[str]:
    """Removes the emoji and every alias of it; emoji_not_found if there is none."""

    def unit(tx: Tx, log: EventLog) -> list[str]:
        if tx.get_emoji(team_id, name) is None:
            raise SlackError("emoji_not_found")
        names = tx.remove_emoji(team_id, name)
        log.team_event(team_id, changed_removed(names))
        return names

    return await hub.commit(team_id, unit)


async def rename(hub: Hub, team_id: str, name: str, new_name: str) -> CustomEmoji:
    """The custom emoji (an image or an alias) takes new_name; aliases of it follow, so that
    emoji.list answers them `alias:<new_name>`. Slack's errors: error_invalid_emoji_to_rename
    for no custom emoji of that name, error_name_taken for a name a standard or custom emoji
    has."""

    def unit(tx: Tx, log: EventLog) -> CustomEmoji:
        found = tx.get_emoji(team_id, name)
        if found is None:
            raise SlackError("error_invalid_emoji_to_rename")
        # Its own name is taken too (by itself): the update would write nothing.
        taken = new_name == name or new_name in known_names()
        if taken or not tx.rename_emoji(team_id, name, new_name):
            raise SlackError("error_name_taken")
        renamed = replace(found, name=new_name)
        log.team_event(team_id, changed_renamed(name, new_name, value(hub.urls, renamed)))
        return renamed

    return await hub.commit(team_id, unit)


async def image(hub: Hub, team_id: str, name: str, digest: str) -> CustomEmoji | None:
    """The emoji an image URL names (urls.emoji), if it is still that image."""
    if not _DIGEST.match(digest):
        return None
    found = await hub.read(team_id, lambda tx: tx.get_emoji(team_id, name))
    if found is None or found.sha256 is None or not found.sha256.startswith(digest):
        return None
    return found
