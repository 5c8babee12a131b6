"""The browser front door against a real server: sign up, sign in, sign out, CSRF, escaping."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from hubbub.domain.model import Team
from hubbub.services import workspaces
from hubbub.services.hub import Hub
from hubbub.web.session import SESSION_COOKIE
from tests.support.forms import form_csrf
from tests.support.servers import Server, Workspace, run_admin

GOOD = {
    "team_name": "Globex",
    "domain": "globex",
    "name": "Gina Globex",
    "email": "gina@globex.test",
    "password": "correct horse",
}


@pytest.fixture
def web(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, follow_redirects=False, timeout=30) as client:
        yield client


def _meta_csrf(page: str) -> str:
    found = re.search(r'<meta name="csrf-token" content="([^"]*)">', page)
    assert found, page
    return html.unescape(found.group(1))


def _signup(web: httpx.Client, **fields: str) -> httpx.Response:
    csrf = form_csrf(web.get("/signup").text)
    return web.post("/signup", data={"csrf_token": csrf, **GOOD, **fields})


def _login(web: httpx.Client, domain: str, email: str, password: str) -> httpx.Response:
    csrf = form_csrf(web.get("/login").text)
    form = {"csrf_token": csrf, "domain": domain, "email": email, "password": password}
    return web.post("/login", data=form)


def _logout(web: httpx.Client) -> httpx.Response:
    return web.post("/logout", data={"csrf_token": form_csrf(web.get("/").text)})


def _teams(server: Server) -> list[Team]:
    async def work(hub: Hub) -> list[Team]:
        return [
            team
            for store in hub.shards.stores().values()
            for team in await store.read(lambda tx: tx.list_teams())
        ]

    return run_admin(server.data_dir, work)


def _session_cookie_header(response: httpx.Response) -> str:
    headers = [h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE)]
    assert len(headers) == 1, response.headers
    return headers[0]


def _api(web: httpx.Client, method: str, **headers: str) -> Any:
    return web.post(f"/api/{method}", headers=headers).json()


def test_signup_then_login_then_logout(server: Server, web: httpx.Client) -> None:
    done = _signup(web)
    assert done.status_code == 303 and done.headers["location"] == "/"
    home = web.get("/")
    assert "Globex" in home.text and "Gina Globex" in home.text and "#general" in home.text
    assert _logout(web).status_code == 303
    assert "Sign in" in web.get("/").text

    signed_in = _login(web, "globex", "GINA@globex.test", "correct horse")
    assert signed_in.status_code == 303
    cookie = _session_cookie_header(signed_in)
    assert "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()
    assert "secure" not in cookie.lower()  # plain http here; Secure only over https
    old = web.cookies[SESSION_COOKIE]
    home = web.get("/")
    assert "Gina Globex" in home.text
    assert home.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in home.headers["content-security-policy"]

    out = _logout(web)
    assert out.status_code == 303
    assert SESSION_COOKIE not in web.cookies
    # The old cookie is dead on the server, not only forgotten by this browser.
    with httpx.Client(base_url=server.url, cookies={SESSION_COOKIE: old}) as replay:
        assert "Gina Globex" not in replay.get("/").text
        from hubbub.services.auth import session_csrf

        answer = _api(replay, "auth.test", **{"X-CSRF-Token": session_csrf(old)})
        assert answer == {"ok": False, "error": "invalid_auth"}


def test_password_is_stored_as_argon2(server: Server, web: httpx.Client) -> None:
    assert _signup(web).status_code == 303

    async def work(hub: Hub) -> str | None:
        team_id = await hub.shards.team_for_domain("globex")
        assert team_id is not None

        def unit(tx: Any) -> str | None:
            user = tx.get_user_by_email(team_id, "gina@globex.test")
            assert user.is_admin and user.is_owner
            stored: str | None = tx.get_password_hash(team_id, user.id)
            return stored

        return await hub.read(team_id, unit)

    stored = run_admin(server.data_dir, work)
    assert stored is not None and stored.startswith("$argon2id$")
    assert "correct horse" not in stored


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"domain": "Not A Domain!"}, "lowercase letters"),
        ({"domain": "x" * 22}, "lowercase letters"),
        ({"team_name": ""}, "fill in every field"),
        ({"email": "   "}, "fill in every field"),
        ({"password": ""}, "fill in every field"),
        ({"email": "nobody-at-all"}, "valid email"),
        ({"password": "short"}, "at least 8"),
    ],
)
def test_signup_errors_rerender_and_write_nothing(
    server: Server, web: httpx.Client, fields: dict[str, str], message: str
) -> None:
    answer = _signup(web, **fields)
    assert answer.status_code == 400
    assert message in answer.text
    assert 'role="alert"' in answer.text
    assert "correct horse" not in answer.text  # the password is never echoed
    assert _teams(server) == []
    assert SESSION_COOKIE not in web.cookies


def test_a_nul_in_a_form_field_is_a_bad_request_and_writes_nothing(
    server: Server, web: httpx.Client
) -> None:
    answer = _signup(web, team_name="a\x00b")
    assert answer.status_code == 400
    assert _teams(server) == []
    assert SESSION_COOKIE not in web.cookies


def test_signup_with_a_taken_domain(
    server: Server, workspace: Workspace, web: httpx.Client
) -> None:
    before = _teams(server)
    answer = _signup(web, domain=workspace.domain, team_name='"><b>Evil</b>')
    assert answer.status_code == 400
    assert "taken" in answer.text
    # The form comes back filled in, escaped.
    assert 'value="&quot;&gt;&lt;b&gt;Evil&lt;/b&gt;"' in answer.text
    assert "<b>Evil</b>" not in answer.text
    assert _teams(server) == before


def test_posts_without_the_right_csrf_token_are_refused(server: Server, web: httpx.Client) -> None:
    web.get("/signup")  # the browser holds a CSRF cookie, but the form lacks or fakes the token
    assert web.post("/signup", data=GOOD).status_code == 403
    assert web.post("/signup", data={**GOOD, "csrf_token": "forged"}).status_code == 403
    assert _teams(server) == []
    # Without the cookie even a well-formed token is refused: it is the pair that counts.
    csrf = form_csrf(web.get("/signup").text)
    with httpx.Client(base_url=server.url) as stranger:
        assert stranger.post("/signup", data={**GOOD, "csrf_token": csrf}).status_code == 403
    assert _teams(server) == []

    assert _signup(web).status_code == 303
    login = {k: GOOD[k] for k in ("domain", "email", "password")}
    refused = web.post("/login", data=login)
    assert refused.status_code == 403
    assert not refused.headers.get_list("set-cookie")

    assert web.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    assert web.post("/logout", data={}).status_code == 403
    assert "Gina Globex" in web.get("/").text  # still signed in


def test_web_api_takes_the_session_cookie_only_with_its_csrf_header(web: httpx.Client) -> None:
    assert _signup(web).status_code == 303
    csrf = _meta_csrf(web.get("/").text)
    assert _api(web, "auth.test") == {"ok": False, "error": "not_authed"}
    wrong = _api(web, "auth.test", **{"X-CSRF-Token": "nope"})
    assert wrong == {"ok": False, "error": "not_authed"}
    me = _api(web, "auth.test", **{"X-CSRF-Token": csrf})
    assert me["ok"] and me["team"] == "Globex" and me["user"] == "Gina Globex"
    team = _api(web, "team.info", **{"X-CSRF-Token": csrf})
    assert team["team"]["domain"] == "globex"


def test_deactivated_person_cannot_sign_in(
    server: Server, workspace: Workspace, web: httpx.Client
) -> None:
    assert _login(web, "acme", "bob@acme.test", "pw-bob").status_code == 303
    assert "bob" in web.get("/").text

    async def work(hub: Hub) -> None:
        await workspaces.deactivate_user(hub, workspace.domain, workspace.bob.user_id)

    run_admin(server.data_dir, work)
    from slack_sdk.errors import SlackApiError

    with pytest.raises(SlackApiError) as err:
        server.client(workspace.bob.token).auth_test()
    assert err.value.response["error"] == "account_inactive"
    assert "Signed in as" not in web.get("/").text  # the open session ends too
    web.cookies.clear()
    refused = _login(web, "acme", "bob@acme.test", "pw-bob")
    assert refused.status_code == 400
    assert "Wrong workspace, email or password" in refused.text
    assert SESSION_COOKIE not in web.cookies


def test_wrong_credentials(workspace: Workspace, web: httpx.Client) -> None:
    for domain, email, password in (
        ("acme", "alice@acme.test", "pw-wrong"),
        ("acme", "nobody@acme.test", "pw-alice"),
        ("nowhere", "alice@acme.test", "pw-alice"),
    ):
        answer = _login(web, domain, email, password)
        assert answer.status_code == 400
        assert "Wrong workspace, email or password" in answer.text
        assert f'value="{email}"' in answer.text
    assert _login(web, "acme", "alice@acme.test", "pw-alice").status_code == 303


def test_html_in_names_is_escaped(web: httpx.Client) -> None:
    done = _signup(
        web, team_name="<script>alert(1)</script>", name='<img src=x onerror="alert(2)">'
    )
    assert done.status_code == 303
    page = web.get("/").text
    assert "<script>alert" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in page


def test_pages_label_every_field(web: httpx.Client) -> None:
    for path in ("/signup", "/login"):
        page = web.get(path).text
        inputs = re.findall(r'<input id="([^"]+)"', page)
        assert inputs
        for name in inputs:
            assert f'<label for="{name}">' in page
    assert "/login" in web.get("/").text and "/signup" in web.get("/").text
