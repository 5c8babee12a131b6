"""`GET /img?channel=…&ts=…&url=…` (`&ephemeral=1` for an app's ephemeral message; or
`?view=…&url=…`): the image proxy of the browser client
(services/image_proxy.py). The page's CSP allows images from its own origin only; a message's
pictures come through here, to a signed-in reader of that message (a view's to the person it is
open for), with headers that let nothing in
them run. docs/web.md, Images."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from hubbub.api.parse import bearer_token
from hubbub.domain.errors import SlackError
from hubbub.domain.ids import is_slack_id
from hubbub.domain.model import Identity
from hubbub.domain.ts import is_ts
from hubbub.services import image_proxy
from hubbub.services.auth import authenticate
from hubbub.services.hub import Hub
from hubbub.web.session import session_token

IMAGE_PATH = "/img"
# Slack's bound on a block's image_url.
MAX_URL = 3000
# A picture is a picture whatever it holds: never a page, never sniffed into one, never
# embedded by another origin; the reader's browser keeps it (it is theirs alone to see).
SAFE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Referrer-Policy": "no-referrer",
}
CACHE_CONTROL = "private, max-age=3600"


class ImageProxy:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.cache = image_proxy.ImageCache()

    def routes(self) -> list[BaseRoute]:
        return [Route(IMAGE_PATH, self.image, methods=["GET"])]

    async def image(self, request: Request) -> Response:
        """400 for a request that names no message (nor view) or URL, 403 without a session
        (or token) or for a URL the message or view does not show, 404 for a message the
        reader cannot see or a view not theirs;
        then the fetch's own answers (image_proxy.picture)."""
        params = request.query_params
        channel, ts, url = params.get("channel", ""), params.get("ts", ""), params.get("url", "")
        view = params.get("view", "")
        named = is_slack_id(view) if view else is_slack_id(channel) and is_ts(ts)
        if not (named and 0 < len(url) <= MAX_URL):
            return _refused(400, "invalid_arguments")
        who = await self._reader(request)
        if who is None:
            return _refused(403, "not_authed")
        try:
            if view:
                await image_proxy.shown_in_view(self.hub, who, view, url)
            elif params.get("ephemeral"):
                await image_proxy.shown_in_ephemeral(self.hub, who, channel, ts, url)
            else:
                await image_proxy.shown(self.hub, who, channel, ts, url)
            found = await image_proxy.picture(self.hub, self.cache, url)
        except image_proxy.ImageRefused as exc:
            return _refused(exc.status, exc.reason)
        headers = {**SAFE_HEADERS, "Cache-Control": CACHE_CONTROL}
        return Response(found.body, media_type=found.content_type, headers=headers)

    async def _reader(self, request: Request) -> Identity | None:
        # The browser's session; a bearer token as for files' URLs (a GET changes nothing,
        # so it needs no CSRF token).
        token = bearer_token(request) or session_token(request)
        if not token:
            return None
        try:
            return await authenticate(self.hub, token)
        except SlackError:
            return None


def _refused(status: int, reason: str) -> Response:
    headers = {**SAFE_HEADERS, "Cache-Control": "no-store"}
    return PlainTextResponse(reason, status_code=status, headers=headers)
