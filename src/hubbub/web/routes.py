"""The browser's page routes: sign up, sign in, sign out, and the front page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hubbub.domain.errors import SlackError
from hubbub.domain.model import Identity
from hubbub.services import auth, workspaces
from hubbub.services.hub import Hub
from hubbub.web import invites, pages
from hubbub.web.forms import SIGNUP_ERRORS, SIGNUP_FAILED, BadForm, signed_out_form
from hubbub.web.forms import read_form as _form
from hubbub.web.responses import html as _html
from hubbub.web.responses import redirect as _redirect
from hubbub.web.session import (
    CSRF_FIELD,
    clear_session,
    form_csrf,
    keep_form_csrf,
    session_csrf_ok,
    session_token,
    set_session,
)

LOGIN_ERROR = "Wrong workspace, email or password."


class WebPages:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def routes(self) -> list[Route]:
        return [
            Route("/", self.front, methods=["GET"]),
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
                clear_session(response, request)
            return response
        token, who = found
        home = await workspaces.home(self.hub, who)
        return _html(pages.home_page(home, auth.session_csrf(token)))

    async def signup_form(self, request: Request) -> Response:
        csrf = form_csrf(request)
        response = _html(pages.signup_page(csrf, {}))
        keep_form_csrf(response, request, csrf)
        return response

    async def login_form(self, request: Request) -> Response:
        csrf = form_csrf(request)
        response = _html(pages.login_page(csrf, {}))
        keep_form_csrf(response, request, csrf)
        return response

    async def signup(self, request: Request) -> Response:
        form = await signed_out_form(request)
        if isinstance(form, Response):
            return form
        values = {k: form.get(k, "") for k in ("team_name", "domain", "name", "email")}
        try:
            done = await workspaces.signup(self.hub, **values, password=form.get("password", ""))
        except SlackError as exc:
            message = SIGNUP_ERRORS.get(exc.code, SIGNUP_FAILED)
            return _html(pages.signup_page(form_csrf(request), values, message), 400)
        response = _redirect()
        set_session(response, request, done.session)
        return response

    async def login(self, request: Request) -> Response:
        form = await signed_out_form(request)
        if isinstance(form, Response):
            return form
        values = {k: form.get(k, "") for k in ("domain", "email")}
        try:
            token = await auth.login(self.hub, **values, password=form.get("password", ""))
        except SlackError:
            return _html(pages.login_page(form_csrf(request), values, LOGIN_ERROR), 400)
        response = _redirect()
        set_session(response, request, token)
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
        clear_session(response, request)
        return response


def web_routes(hub: Hub) -> list[Route]:
    return WebPages(hub).routes() + invites.InvitePages(hub).routes()
