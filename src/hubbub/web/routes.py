"""The browser's page routes: sign up, sign in, sign out, and the front page."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode, urlsplit

from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from hubbub.domain.errors import RateLimited, SlackError
from hubbub.domain.model import Identity
from hubbub.domain.ts import is_ts
from hubbub.domain.urls import ARCHIVES_PATH, FILES_PATH
from hubbub.services import abuse, auth, file_reading, workspaces
from hubbub.services.hub import Hub
from hubbub.web import images, invites, pages
from hubbub.web.forms import (
    SIGNUP_ERRORS,
    SIGNUP_FAILED,
    BadForm,
    signed_out_form,
    wait_message,
)
from hubbub.web.forms import read_form as _form
from hubbub.web.responses import HEADERS, too_many
from hubbub.web.responses import html as _html
from hubbub.web.responses import redirect as _redirect
from hubbub.web.session import (
    CSRF_FIELD,
    clear_session,
    client_address,
    form_csrf,
    keep_form_csrf,
    session_csrf_ok,
    session_token,
    set_session,
)

STATIC = Path(__file__).parent / "static"


def _app_headers(hub: Hub) -> dict[str, str]:
    """The client's page runs only its own scripts, and talks only to us: the Web API, and the
    RTM socket, which may live at another address (`rtm_url`)."""
    socket = urlsplit(hub.urls.socket)
    csp = (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self' {socket.scheme}://{socket.netloc}; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    )
    return {**HEADERS, "Content-Security-Policy": csp}


LOGIN_ERROR = "Wrong workspace, email or password."


class WebPages:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def routes(self) -> list[BaseRoute]:
        # Static files are small text: compressed, they are a third of their size on the wire.
        static = GZipMiddleware(StaticFiles(directory=STATIC), minimum_size=512)
        return [
            Route("/", self.front, methods=["GET"]),
            Route("/client", self.client, methods=["GET"]),
            Route("/client/{rest:path}", self.client, methods=["GET"]),
            Route(ARCHIVES_PATH + "{channel}/{p}", self.archives, methods=["GET"]),
            Route(FILES_PATH + "{user}/{file}/{name}", self.file_page, methods=["GET"]),
            Mount("/static", app=static),
            Route("/signup", self.signup_form, methods=["GET"]),
            Route("/signup", self.signup, methods=["POST"]),
            Route("/login", self.login_form, methods=["GET"]),
            Route("/login", self.login, methods=["POST"]),
            Route("/logout", self.logout, methods=["POST"]),
        ]

    async def _signed_in(self, request: Request) -> tuple[str, Identity] | None:
        token = session_token(request)
        if token is None:
            return None
        try:
            return token, await auth.authenticate(self.hub, token)
        except SlackError:
            return None  # revoked, or the person was deactivated

    async def front(self, request: Request) -> Response:
        found = await self._signed_in(request)
        if found is None:
            response = _html(pages.welcome_page())
            if session_token(request) is not None:
                clear_session(response, request, self.hub.urls)
            return response
        return await self._app(*found)

    async def _app(self, token: str, who: Identity) -> Response:
        home = await workspaces.home(self.hub, who)
        page = pages.app_page(home, auth.session_csrf(token))
        return HTMLResponse(page, headers=_app_headers(self.hub))

    async def client(self, request: Request) -> Response:
        """`/client/<team>/<channel>`: the client opens the channel the path names."""
        found = await self._signed_in(request)
        if found is None:
            return _redirect("/login")
        return await self._app(*found)

    async def archives(self, request: Request) -> Response:
        """A permalink (`/archives/<channel>/p<ts without its dot>`) opens the message in the
        client; the client checks the channel and the message like any other read."""
        found = await self._signed_in(request)
        if found is None:
            return _redirect("/login")
        _token, who = found
        digits = request.path_params["p"].removeprefix("p")
        ts = f"{digits[:-6]}.{digits[-6:]}"
        channel = request.path_params["channel"]
        if not is_ts(ts) or not channel.isalnum():
            return _html(pages.bad_request_page(), 400)
        query = {"ts": ts}
        thread_ts = request.query_params.get("thread_ts", "")
        if is_ts(thread_ts):
            query["thread_ts"] = thread_ts
        return _redirect(f"/client/{who.team_id}/{channel}?{urlencode(query)}")

    async def file_page(self, request: Request) -> Response:
        """A file's permalink (`/files/<user>/<file>/<name>`): the first message sharing it
        that its reader can see, in the client; else, for its uploader, the file itself;
        else not found, as for a file that never was."""
        found = await self._signed_in(request)
        if found is None:
            return _redirect("/login")
        _token, who = found
        try:
            file, shared = await file_reading.where_to_open(
                self.hub, who, request.path_params["file"]
            )
        except SlackError:
            return _html(pages.not_found_page(), 404)
        if shared is None:
            return _redirect(self.hub.urls.file_private(file.team_id, file.id, file.name))
        share = shared.share
        query = {"ts": share.ts}
        if share.thread_ts and share.thread_ts != share.ts:
            query["thread_ts"] = share.thread_ts
        return _redirect(f"/client/{who.team_id}/{share.channel_id}?{urlencode(query)}")

    async def signup_form(self, request: Request) -> Response:
        csrf = form_csrf(request)
        response = _html(pages.signup_page(csrf, {}))
        keep_form_csrf(response, request, self.hub.urls, csrf)
        return response

    async def login_form(self, request: Request) -> Response:
        csrf = form_csrf(request)
        response = _html(pages.login_page(csrf, {}))
        keep_form_csrf(response, request, self.hub.urls, csrf)
        return response

    async def signup(self, request: Request) -> Response:
        form = await signed_out_form(request)
        if isinstance(form, Response):
            return form
        values = {k: form.get(k, "") for k in ("team_name", "domain", "name", "email")}
        try:
            await abuse.signup(self.hub, client_address(request))
            done = await workspaces.signup(self.hub, **values, password=form.get("password", ""))
        except RateLimited as exc:
            message = wait_message(exc.retry_after_s)
            return too_many(
                pages.signup_page(form_csrf(request), values, message), exc.retry_after_s
            )
        except SlackError as exc:
            message = SIGNUP_ERRORS.get(exc.code, SIGNUP_FAILED)
            return _html(pages.signup_page(form_csrf(request), values, message), 400)
        response = _redirect()
        set_session(response, request, self.hub.urls, done.session)
        return response

    async def login(self, request: Request) -> Response:
        form = await signed_out_form(request)
        if isinstance(form, Response):
            return form
        values = {k: form.get(k, "") for k in ("domain", "email")}
        try:
            await abuse.login(self.hub, client_address(request), **values)
            token = await auth.login(self.hub, **values, password=form.get("password", ""))
        except RateLimited as exc:
            message = wait_message(exc.retry_after_s)
            return too_many(
                pages.login_page(form_csrf(request), values, message), exc.retry_after_s
            )
        except SlackError:
            return _html(pages.login_page(form_csrf(request), values, LOGIN_ERROR), 400)
        response = _redirect()
        set_session(response, request, self.hub.urls, token)
        return response

    async def logout(self, request: Request) -> Response:
        try:
            form = await _form(request)
        except BadForm:
            return _html(pages.bad_request_page(), 400)
        token = session_token(request)
        if token is None or not session_csrf_ok(token, form.get(CSRF_FIELD)):
            return _html(pages.forbidden_page(), 403)
        await auth.end_session(self.hub, token)
        response = _redirect()
        clear_session(response, request, self.hub.urls)
        return response


def web_routes(hub: Hub) -> list[BaseRoute]:
    return (
        WebPages(hub).routes() + invites.InvitePages(hub).routes() + images.ImageProxy(hub).routes()
    )
