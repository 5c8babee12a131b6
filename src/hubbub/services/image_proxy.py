"""The image proxy's use case (`GET /img`, web/images.py): a picture that a message shows
(domain/block_images.py), for a person who can read that message, or that a view (a modal, a
Home tab) shows, for the person it is open for, fetched through the outbound
port (its address policy, deadline and body cap, as link previews), only if it is an image of
a type browsers draw without running anything, and kept a while in this process.

Why a proxy: the browser client's page loads images only from its own origin (CSP `img-src
'self'`), so nobody's browser tells another host who is reading what, and nothing a bot posts
makes the page load from elsewhere. Why checked against the message rather than signed: the
message is the one place that says which URLs were handed out, for every path a message takes
to the client (history, the socket, search), without changing Slack's shapes; a view is for
its own, stored until it closes."""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass

import structlog

from hubbub.domain.block_images import shown_images
from hubbub.domain.errors import SlackError
from hubbub.domain.model import Identity
from hubbub.outbound.port import OutboundError, TimedOut
from hubbub.services import ephemerals
from hubbub.services.access import home, visible_channel
from hubbub.services.hub import Hub
from hubbub.services.messages import existing_message
from hubbub.store.tx import Tx

log = structlog.get_logger()

USER_AGENT = "hubbub-images/1.0"
# PNG, JPEG, GIF and WebP: never SVG, which can hold script and load other things.
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
MAX_IMAGE_BYTES = 5 * 1024 * 1024
# What this process keeps: each picture for CACHE_TTL_S, at most CACHE_BYTES in all.
CACHE_TTL_S = 600.0
CACHE_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Picture:
    content_type: str
    body: bytes


class ImageRefused(Exception):
    """No picture: `status` is what the proxy answers, `reason` its body."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


async def shown(hub: Hub, who: Identity, channel_id: str, ts: str, url: str) -> None:
    """Passes if who can read the message and it shows an image at url; else 404 for a
    message who cannot read (whether or not it exists, as channel_not_found), 403 for a URL
    it does not show."""

    def read(tx: Tx) -> set[str]:
        channel, _ = visible_channel(tx, who, channel_id, shown=False)
        msg = existing_message(tx, channel, ts, malformed="message_not_found")
        return shown_images(msg.blocks, msg.attachments, msg.extra.get("icons"))

    try:
        urls = await hub.read(await home(hub, who, channel_id), read)
    except SlackError as exc:
        raise ImageRefused(404, exc.code) from exc
    if url not in urls:
        raise ImageRefused(403, "image_not_shown")


async def shown_in_ephemeral(hub: Hub, who: Identity, channel_id: str, ts: str, url: str) -> None:
    """Passes if who was shown an app's ephemeral message at ts in the channel (kept a day,
    services/ephemerals.py) that shows an image at url; else 404 message_not_found, or 403 for
    a URL it does not show."""
    try:
        found = await ephemerals.find(hub, who.team_id, who.user_id, channel_id, ts)
    except SlackError as exc:
        raise ImageRefused(404, exc.code) from exc
    if url not in shown_images(found.blocks, found.attachments):
        raise ImageRefused(403, "image_not_shown")


async def shown_in_view(hub: Hub, who: Identity, view_id: str, url: str) -> None:
    """Passes if the view (a modal or a Home tab) is who's own and its blocks show an image at
    url; else 404 not_found for a view of anyone else's, closed or never opened (the same
    answer whether or not it exists), 403 for a URL it does not show."""
    found = await hub.read(who.team_id, lambda tx: tx.get_view(who.team_id, view_id))
    if found is None or found.user_id != who.user_id:
        raise ImageRefused(404, "not_found")
    if url not in shown_images(found.body.get("blocks"), None):
        raise ImageRefused(403, "image_not_shown")


class ImageCache:
    """Pictures by URL, newest use last, bounded in bytes; each good for CACHE_TTL_S."""

    def __init__(self, max_bytes: int = CACHE_BYTES, ttl_s: float = CACHE_TTL_S) -> None:
        self.max_bytes = max_bytes
        self.ttl_s = ttl_s
        self._held: OrderedDict[str, tuple[float, Picture]] = OrderedDict()
        self._bytes = 0

    def get(self, url: str) -> Picture | None:
        found = self._held.get(url)
        if found is None:
            return None
        expires, picture = found
        if expires < time.monotonic():
            self._drop(url)
            return None
        self._held.move_to_end(url)
        return picture

    def put(self, url: str, picture: Picture) -> None:
        if len(picture.body) > self.max_bytes:
            return
        if url in self._held:
            self._drop(url)
        self._held[url] = (time.monotonic() + self.ttl_s, picture)
        self._bytes += len(picture.body)
        while self._bytes > self.max_bytes:
            self._drop(next(iter(self._held)))

    def _drop(self, url: str) -> None:
        _, picture = self._held.pop(url)
        self._bytes -= len(picture.body)


async def picture(hub: Hub, cache: ImageCache, url: str) -> Picture:
    """The picture at url, from the cache or fetched; ImageRefused with the proxy's answer."""
    held = cache.get(url)
    if held is not None:
        return held
    try:
        answer = await hub.outbound.request(
            "GET",
            url,
            headers={"Accept": ", ".join(sorted(IMAGE_TYPES)), "User-Agent": USER_AGENT},
            max_bytes=MAX_IMAGE_BYTES,
        )
    except TimedOut as exc:
        raise ImageRefused(504, "image_timed_out") from exc
    except OutboundError as exc:
        log.info("image_refused", url=url, reason=exc.reason)
        raise ImageRefused(502, "image_unreachable") from exc
    if answer.status != 200:
        raise ImageRefused(502, f"image_status_{answer.status}")
    kind = answer.content_type.partition(";")[0].strip().lower()
    if kind not in IMAGE_TYPES:
        raise ImageRefused(415, "not_an_image")
    if answer.truncated:
        raise ImageRefused(502, "image_too_large")
    found = Picture(kind, answer.body)
    cache.put(url, found)
    return found
