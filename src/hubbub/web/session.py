"""Browser sessions: the session cookie, and the CSRF tokens that go with every state change.

Two kinds of CSRF token:
- signed in: the session's own token (services.auth.session_csrf), in a hidden form field or,
  for the Web API, in the `X-CSRF-Token` header;
- not yet signed in (the login and signup forms): a random token in a cookie that the form must
  echo (double submit), since there is no session to tie it to.
"""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import Response

from hubbub.domain.urls import PublicUrls
from hubbub.services.auth import SESSION_KIND, csrf_matches, session_csrf

SESSION_COOKIE = "hubbub_session"
FORM_CSRF_COOKIE = "hubbub_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def _secure(request: Request, urls: PublicUrls) -> bool:
    """Cookies are Secure whenever clients reach us over https: public_url says so even where
    TLS ends at a balancer that talks http to us; a request that came over https (directly, or
    per a trusted proxy's X-Forwarded-Proto) says so too."""
    return urls.base.startswith("https://") or request.url.scheme == "https"


def session_token(request: Request) -> str | None:
    """The session cookie's token. Only browser session tokens count: a cookie holding an API
    token is not a browser session."""
    value = request.cookies.get(SESSION_COOKIE, "")
    return value if value.startswith(SESSION_KIND + "-") else None


def api_session_token(request: Request) -> str | None:
    """The session token for a Web API call: only with an `X-CSRF-Token` header that matches it,
    which another site's page can neither read nor send."""
    token = session_token(request)
    if token is None or not csrf_matches(session_csrf(token), request.headers.get(CSRF_HEADER)):
        return None
    return token


def set_session(response: Response, request: Request, urls: PublicUrls, token: str) -> None:
    secure = _secure(request, urls)
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="lax", secure=secure, path="/"
    )


def clear_session(response: Response, request: Request, urls: PublicUrls) -> None:
    secure = _secure(request, urls)
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax", secure=secure, path="/")


def form_csrf(request: Request) -> str:
    """The double-submit token of a signed-out form: the cookie's, or a new one to set."""
    return request.cookies.get(FORM_CSRF_COOKIE) or secrets.token_urlsafe(32)


def keep_form_csrf(response: Response, request: Request, urls: PublicUrls, token: str) -> None:
    if request.cookies.get(FORM_CSRF_COOKIE) != token:
        secure = _secure(request, urls)
        response.set_cookie(
            FORM_CSRF_COOKIE, token, httponly=True, samesite="lax", secure=secure, path="/"
        )


def client_address(request: Request) -> str:
    """The client's address: the socket's, or, behind a trusted proxy, the one it forwarded
    (uvicorn's ProxyHeadersMiddleware, app.server_options). What per-address limits count."""
    return request.client.host if request.client else ""


def form_csrf_ok(request: Request, given: str | None) -> bool:
    cookie = request.cookies.get(FORM_CSRF_COOKIE)
    return bool(cookie) and csrf_matches(cookie or "", given)


def session_csrf_ok(session: str, given: str | None) -> bool:
    return csrf_matches(session_csrf(session), given)
