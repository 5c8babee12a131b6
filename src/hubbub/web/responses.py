"""What every page route answers with: the security headers, HTML pages and redirects."""

from __future__ import annotations

from starlette.responses import HTMLResponse, RedirectResponse

# Pages are never framed, run no script and load nothing from elsewhere.
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers=HEADERS)


def too_many(body: str, retry_after_s: int) -> HTMLResponse:
    """A page answering a request over a limit: 429 with Retry-After, as the Web API's."""
    return HTMLResponse(
        body, status_code=429, headers={**HEADERS, "Retry-After": str(retry_after_s)}
    )


def redirect(to: str = "/") -> RedirectResponse:
    return RedirectResponse(to, status_code=303, headers=HEADERS)
