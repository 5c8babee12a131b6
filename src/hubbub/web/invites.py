"""Invite links in the browser: a signed-in member makes one; whoever opens it signs up."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hubbub.domain.errors import RateLimited, SlackError
from hubbub.domain.model import Identity, Team, User
from hubbub.domain.urls import JOIN_PATH
from hubbub.services import abuse, auth, invites
from hubbub.services.hub import Hub
from hubbub.web.forms import SIGNUP_ERRORS, SIGNUP_FAILED, signed_out_form, wait_message
from hubbub.web.pages import EMAIL, NEW_PASSWORD, PERSON_FIELDS, _e, _error, _form, _page
from hubbub.web.responses import HEADERS, html, redirect, too_many
from hubbub.web.session import (
    api_session_token,
    client_address,
    form_csrf,
    keep_form_csrf,
    set_session,
)

JOIN_FIELDS = PERSON_FIELDS
JOIN_ERRORS = {
    **SIGNUP_ERRORS,
    # People's names are unique in a workspace (users.name), as Slack's usernames are.
    "already_exists": "Someone in this workspace already has that name. Please choose another.",
}


def join_page(
    team: Team, code: str, csrf: str, values: dict[str, str], error: str | None = None
) -> str:
    body = (
        f"<h1>Join {_e(team.name)}</h1>"
        + _error(error)
        + _form(JOIN_PATH + quote(code, safe=""), csrf, JOIN_FIELDS, values, "Join")
        + '<p>Already a member? <a href="/login">Sign in</a></p>'
    )
    return _page(f"Join {team.name}", body)


CLAIM_FIELDS = [EMAIL, NEW_PASSWORD]


def claim_page(
    team: Team, user: User, code: str, csrf: str, values: dict[str, str], error: str | None = None
) -> str:
    """An imported person's account, taken up: their email (kept if they had one) and a
    password of their own (docs/import.md, Claim links)."""
    body = (
        f"<h1>Welcome to {_e(team.name)}, {_e(user.real_name or user.name)}</h1>"
        "<p>Your account and its history are here. Choose a password to sign in with.</p>"
        + _error(error)
        + _form(JOIN_PATH + quote(code, safe=""), csrf, CLAIM_FIELDS, values, "Claim my account")
    )
    return _page(f"Claim your account in {team.name}", body)


def invalid_invite_page() -> str:
    return _page(
        "Invite not found",
        "<h1>This invite link does not work</h1><p>It may have expired or been mistyped. "
        'Ask whoever sent it for a new one, or <a href="/">start again</a>.</p>',
    )


def _not_authed() -> Response:
    return JSONResponse({"ok": False, "error": "not_authed"}, status_code=403, headers=HEADERS)


class InvitePages:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def routes(self) -> list[Route]:
        return [
            Route("/invites", self.create, methods=["POST"]),
            Route(JOIN_PATH + "{code}", self.join_form, methods=["GET"]),
            Route(JOIN_PATH + "{code}", self.join, methods=["POST"]),
        ]

    async def _caller(self, request: Request) -> Identity | None:
        """The signed-in person, for a script's call: the session cookie with its CSRF header."""
        token = api_session_token(request)
        if token is None:
            return None
        try:
            return await auth.authenticate(self.hub, token)
        except SlackError:
            return None  # revoked, or the person was deactivated

    async def create(self, request: Request) -> Response:
        who = await self._caller(request)
        if who is None:
            return _not_authed()
        url = await invites.create_invite(self.hub, who)
        return JSONResponse({"ok": True, "url": url}, headers=HEADERS)

    async def _team(self, code: str) -> tuple[Team, User | None] | None:
        try:
            return await invites.invite_info(self.hub, code)
        except SlackError:
            return None

    async def join_form(self, request: Request) -> Response:
        code = request.path_params["code"]
        found = await self._team(code)
        if found is None:
            return html(invalid_invite_page(), 404)
        team, user = found
        csrf = form_csrf(request)
        if user is not None:
            page = claim_page(team, user, code, csrf, {"email": user.email or ""})
        else:
            page = join_page(team, code, csrf, {})
        response = html(page)
        keep_form_csrf(response, request, self.hub.urls, csrf)
        return response

    async def join(self, request: Request) -> Response:
        form = await signed_out_form(request)
        if isinstance(form, Response):
            return form
        code = request.path_params["code"]
        found = await self._team(code)
        if found is None:
            return html(invalid_invite_page(), 404)
        team, user = found
        if user is not None:
            return await self._claim(request, form, team, user, code)
        values = {k: form.get(k, "") for k in ("name", "email")}
        try:
            await abuse.signup(self.hub, client_address(request))
            session = await invites.join_by_invite(
                self.hub, code, **values, password=form.get("password", "")
            )
        except RateLimited as exc:
            page = join_page(
                team, code, form_csrf(request), values, wait_message(exc.retry_after_s)
            )
            return too_many(page, exc.retry_after_s)
        except SlackError as exc:
            if exc.code == "invalid_invite":  # expired since the page above was read
                return html(invalid_invite_page(), 404)
            message = JOIN_ERRORS.get(exc.code, SIGNUP_FAILED)
            return html(join_page(team, code, form_csrf(request), values, message), 400)
        response = redirect()
        set_session(response, request, self.hub.urls, session)
        return response

    async def _claim(
        self, request: Request, form: dict[str, str], team: Team, user: User, code: str
    ) -> Response:
        values = {"email": form.get("email", "")}
        try:
            await abuse.signup(self.hub, client_address(request))
            session = await invites.claim(
                self.hub, code, email=values["email"], password=form.get("password", "")
            )
        except RateLimited as exc:
            page = claim_page(
                team, user, code, form_csrf(request), values, wait_message(exc.retry_after_s)
            )
            return too_many(page, exc.retry_after_s)
        except SlackError as exc:
            if exc.code == "invalid_invite":  # claimed or expired since the page was read
                return html(invalid_invite_page(), 404)
            message = JOIN_ERRORS.get(exc.code, SIGNUP_FAILED)
            return html(claim_page(team, user, code, form_csrf(request), values, message), 400)
        response = redirect()
        set_session(response, request, self.hub.urls, session)
        return response
