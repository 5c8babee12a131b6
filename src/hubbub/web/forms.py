"""Forms posted by the pages: reading them, the CSRF check of signed-out ones, their errors."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from hubbub.web import pages
from hubbub.web.responses import html
from hubbub.web.session import CSRF_FIELD, form_csrf_ok

MAX_FORM = 16 * 1024

# What people are told when signing up (a new workspace, or by an invite link) fails.
SIGNUP_ERRORS = {
    "domain_taken": "That workspace domain is taken. Please choose another.",
    "invalid_domain": "A workspace domain is 1 to 21 lowercase letters, digits or inner hyphens.",
    "invalid_name": "Names must be at most 100 characters (80 for your own).",
    "invalid_email": "Please enter a valid email address.",
    "email_taken": "That email address is already in use.",
    "password_too_short": "Your password needs at least 8 characters.",
    "password_too_long": "Your password is too long.",
    "invalid_arguments": "Please fill in every field.",
}
SIGNUP_FAILED = "Sorry, that did not work. Please try again."


def wait_message(retry_after_s: int) -> str:
    """What a page says to someone over a limit (services/abuse.py)."""
    unit = "second" if retry_after_s == 1 else "seconds"
    return f"Too many attempts. Please wait {retry_after_s} {unit} and try again."


class BadForm(Exception):
    pass


async def read_form(request: Request) -> dict[str, str]:
    """A urlencoded form of bounded size; the first value of each field."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM:
            raise BadForm
    if not body:
        return {}
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise BadForm
    try:
        pairs = parse_qsl(body.decode(), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadForm from exc
    # No text column of PostgreSQL holds a NUL, and no field of ours needs one.
    if any("\x00" in key or "\x00" in value for key, value in pairs):
        raise BadForm
    form: dict[str, str] = {}
    for key, value in pairs:
        form.setdefault(key, value)
    return form


async def signed_out_form(request: Request) -> dict[str, str] | Response:
    """The form of a signed-out POST, or the response that refuses it."""
    try:
        form = await read_form(request)
    except BadForm:
        return html(pages.bad_request_page(), 400)
    if not form_csrf_ok(request, form.get(CSRF_FIELD)):
        return html(pages.forbidden_page(), 403)
    return form
