"""Behind a balancer (docs/deploy.md): X-Forwarded-For and -Proto count only from the proxies
`trusted_proxies` names, so the per-address limits see the real client and nobody else can pick
an address to dodge them; the session cookie is Secure whenever clients reach us over https."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from hubbub.config import Settings
from hubbub.web.session import FORM_CSRF_COOKIE, SESSION_COOKIE
from tests.support.forms import form_csrf
from tests.support.servers import Server, make_workspace, threaded_server

# Two sign-in attempts a minute per address; accounts limited far above that.
PER_ADDRESS = {"login_attempts_per_address": 2, "login_attempts_per_account": 100}


@contextmanager
def web_of(tmp_path: Path, **settings: Any) -> Iterator[tuple[Server, httpx.Client]]:
    with (
        threaded_server(tmp_path / "data", rate_limits=True, **settings) as server,
        httpx.Client(base_url=server.url, follow_redirects=False, timeout=30) as web,
    ):
        yield server, web


def _login(web: httpx.Client, password: str = "wrong", **headers: str) -> httpx.Response:
    page = web.get("/login")
    # Sent back by hand: the client talks http to the server, as a balancer ending TLS does,
    # and a client keeps a Secure cookie to itself over http.
    csrf_cookie = page.cookies.get(FORM_CSRF_COOKIE) or web.cookies[FORM_CSRF_COOKIE]
    headers["Cookie"] = f"{FORM_CSRF_COOKIE}={csrf_cookie}"
    form = {
        "csrf_token": form_csrf(page.text),
        "domain": "acme",
        "email": "bob@acme.test",
        "password": password,
    }
    return web.post("/login", data=form, headers=headers)


def _login_ok(web: httpx.Client, **headers: str) -> httpx.Response:
    answer = _login(web, "pw-bob", **headers)
    assert answer.status_code == 303, answer.text
    return answer


def _session_cookie(response: httpx.Response) -> str:
    [cookie] = [h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE)]
    return cookie


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget(tmp_path: Path) -> None:
    with web_of(tmp_path, trusted_proxies=["127.0.0.1"], **PER_ADDRESS) as (server, web):
        make_workspace(server.data_dir)
        one = {"X-Forwarded-For": "203.0.113.7"}
        assert [_login(web, **one).status_code for _ in range(2)] == [400, 400]
        assert _login(web, **one).status_code == 429
        # Another client behind the same proxy: its own budget.
        assert _login(web, **{"X-Forwarded-For": "203.0.113.8"}).status_code == 400
        # A client cannot pick its address by sending the header itself: the proxy appends
        # the address it saw, and that is the one counted.
        spoofed = {"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}
        assert _login(web, **spoofed).status_code == 429


def test_a_client_reached_directly_cannot_dodge_limits_with_forwarded_headers(
    tmp_path: Path,
) -> None:
    # Proxy headers are read, but only from a proxy that is not this client.
    with web_of(tmp_path, trusted_proxies=["10.9.9.9"], **PER_ADDRESS) as (server, web):
        make_workspace(server.data_dir)
        answers = [
            _login(web, **{"X-Forwarded-For": f"203.0.113.{n}"}).status_code for n in range(3)
        ]
    assert answers == [400, 400, 429]


def test_a_client_reached_directly_cannot_claim_https(tmp_path: Path) -> None:
    with web_of(tmp_path, trusted_proxies=["10.9.9.9"]) as (server, web):
        make_workspace(server.data_dir)
        answer = _login_ok(web, **{"X-Forwarded-Proto": "https"})
    assert "secure" not in _session_cookie(answer).lower()


def test_the_session_cookie_is_secure_when_the_public_url_is_https(tmp_path: Path) -> None:
    # TLS ends at the balancer, which talks plain http to us and sends no X-Forwarded-Proto.
    with web_of(tmp_path, public_url="https://chat.example.test") as (server, web):
        make_workspace(server.data_dir)
        answer = _login_ok(web)
    assert "; secure" in _session_cookie(answer).lower()


def test_a_trusted_proxys_https_makes_the_cookie_secure(tmp_path: Path) -> None:
    with web_of(tmp_path, trusted_proxies=["127.0.0.0/8"]) as (server, web):
        make_workspace(server.data_dir)
        answer = _login_ok(web, **{"X-Forwarded-Proto": "https"})
    assert "; secure" in _session_cookie(answer).lower()


def test_the_embedded_server_on_plain_http_sets_no_secure_cookie(tmp_path: Path) -> None:
    with web_of(tmp_path) as (server, web):
        make_workspace(server.data_dir)
        answer = _login_ok(web, **{"X-Forwarded-Proto": "https"})
    assert "secure" not in _session_cookie(answer).lower()


@pytest.mark.parametrize("bad", ["10.0.0.1/8", "proxy.internal", ""])
def test_trusted_proxies_must_be_addresses_or_networks(bad: str) -> None:
    with pytest.raises(ValidationError):
        Settings(trusted_proxies=[bad])
