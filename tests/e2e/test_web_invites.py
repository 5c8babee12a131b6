"""Invite links against a real server: a member makes one, someone new signs up through it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from hubbub.domain.ids import invite_team
from hubbub.domain.model import User
from hubbub.services import invites, workspaces
from hubbub.services.auth import session_csrf
from hubbub.services.hub import Hub
from hubbub.store.tables import invites as invites_table
from hubbub.store.tx import Tx
from hubbub.web.session import FORM_CSRF_COOKIE, SESSION_COOKIE
from tests.support.checks import read_log
from tests.support.forms import form_csrf
from tests.support.servers import Server, Workspace, run_admin

NEWCOMER = {"name": "Nia New", "email": "nia@elsewhere.test", "password": "long enough"}
DAY_S = 24 * 3600


def _client(server: Server) -> httpx.Client:
    return httpx.Client(base_url=server.url, follow_redirects=False, timeout=30)


@pytest.fixture
def web(server: Server) -> Iterator[httpx.Client]:
    with _client(server) as client:
        yield client


@contextmanager
def _signed_in(
    server: Server, email: str, password: str, domain: str = "acme"
) -> Iterator[httpx.Client]:
    with _client(server) as client:
        csrf = form_csrf(client.get("/login").text)
        form = {"csrf_token": csrf, "domain": domain, "email": email, "password": password}
        assert client.post("/login", data=form).status_code == 303
        yield client


def _make_invite(member: httpx.Client) -> str:
    csrf = session_csrf(member.cookies[SESSION_COOKIE])
    answer = member.post("/invites", headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {"ok", "url"} and body["ok"] is True
    url: str = body["url"]
    return url


def _code(url: str) -> str:
    return url.rsplit("/", 1)[1]


def _join(web: httpx.Client, url: str, **fields: str) -> httpx.Response:
    path = httpx.URL(url).path
    csrf = form_csrf(web.get(path).text)
    return web.post(path, data={"csrf_token": csrf, **NEWCOMER, **fields})


def _people(server: Server, team_id: str) -> list[User]:
    return run_admin(
        server.data_dir, lambda hub: hub.read(team_id, lambda tx: tx.list_users(team_id, "", 1000))
    )


def _invite_rows(server: Server, team_id: str) -> list[dict[str, Any]]:
    def unit(tx: Tx) -> list[dict[str, Any]]:
        query = select(invites_table).where(invites_table.c.team_id == team_id)
        return [dict(r._mapping) for r in tx.conn.execute(query)]

    return run_admin(server.data_dir, lambda hub: hub.read(team_id, unit))


def test_a_member_invites_and_a_newcomer_joins(server: Server, workspace: Workspace) -> None:
    with _signed_in(server, "bob@acme.test", "pw-bob") as bob, _client(server) as newcomer:
        url = _make_invite(bob)
        assert url.startswith(f"{server.url}/join/{workspace.team_id}.")
        [row] = _invite_rows(server, workspace.team_id)
        # The code is kept only as its hash; the link lasts 14 days.
        assert _code(url) not in repr(row) and _code(url).split(".")[1] not in repr(row)
        assert row["created_by"] == workspace.bob.user_id
        assert row["expires"] - row["created"] == 14 * DAY_S

        page = newcomer.get(httpx.URL(url).path)
        assert page.status_code == 200
        assert "<h1>Join Acme</h1>" in page.text
        assert page.headers["content-security-policy"].startswith("default-src 'none'")
        assert page.headers["cache-control"] == "no-store"
        for name in ("name", "email", "password"):
            assert f'<label for="{name}">' in page.text

        before = {u.id for u in _people(server, workspace.team_id)}
        done = _join(newcomer, url)
        assert done.status_code == 303 and done.headers["location"] == "/"
        assert "httponly" in done.headers["set-cookie"].lower()
        home = newcomer.get("/").text
        assert "Signed in as <strong>Nia New</strong>" in home and "#general" in home

        [nia] = [u for u in _people(server, workspace.team_id) if u.id not in before]
        assert (nia.name, nia.email, nia.is_admin) == ("Nia New", "nia@elsewhere.test", False)
        joins = [e.body for e in read_log(server.data_dir, workspace.team_id, workspace.team_id)]
        assert [e["user"]["id"] for e in joins if e["type"] == "team_join"][-1] == nia.id
        # The new session works with the Web API as well.
        csrf = session_csrf(newcomer.cookies[SESSION_COOKIE])
        me = newcomer.post("/api/auth.test", headers={"X-CSRF-Token": csrf}).json()
        assert (me["ok"], me["user_id"], me["team_id"]) == (True, nia.id, workspace.team_id)
        general = [
            c["id"]
            for c in server.client(workspace.alice.token).conversations_list()["channels"]
            if c["name"] == "general"
        ]
        members = server.client(workspace.alice.token).conversations_members(channel=general[0])
        assert nia.id in members["members"]

        # The link serves more than one person until it expires.
        with _client(server) as second:
            again = _join(second, url, name="Sam Second", email="sam@elsewhere.test")
            assert again.status_code == 303


def test_making_an_invite_needs_the_session_and_its_csrf_header(
    server: Server, workspace: Workspace, web: httpx.Client
) -> None:
    refused = {"ok": False, "error": "not_authed"}
    answer = web.post("/invites")
    assert (answer.status_code, answer.json()) == (403, refused)
    with _signed_in(server, "alice@acme.test", "pw-alice") as alice:
        for headers in ({}, {"X-CSRF-Token": "forged"}):
            answer = alice.post("/invites", headers=headers)
            assert (answer.status_code, answer.json()) == (403, refused)
        # An API token is no browser session.
        answer = web.post(
            "/invites",
            headers={"Authorization": f"Bearer {workspace.alice.token}", "X-CSRF-Token": "x"},
        )
        assert answer.status_code == 403
        assert _invite_rows(server, workspace.team_id) == []
        _make_invite(alice)
        assert len(_invite_rows(server, workspace.team_id)) == 1


@pytest.mark.parametrize(
    "code",
    [
        "nonsense",
        "TAAAAAAAAAA.x",
        "TAAAAAAAAAA." + "A" * 32,  # well formed, for a workspace nobody has
        "<script>",
    ],
)
def test_an_unknown_code_is_a_404_page(server: Server, web: httpx.Client, code: str) -> None:
    page = web.get(f"/join/{code}")
    assert page.status_code == 404
    assert "does not work" in page.text and "<script>" not in page.text
    assert page.headers["x-content-type-options"] == "nosniff"


def test_a_code_of_a_real_workspace_with_a_wrong_secret_is_a_404(
    server: Server, workspace: Workspace, web: httpx.Client
) -> None:
    with _signed_in(server, "alice@acme.test", "pw-alice") as alice:
        url = _make_invite(alice)
    forged = f"{workspace.team_id}.{'B' * 32}"
    assert invite_team(forged) == workspace.team_id
    assert web.get(f"/join/{forged}").status_code == 404
    web.get(httpx.URL(url).path)  # the CSRF cookie, from a page that works
    csrf = web.cookies[FORM_CSRF_COOKIE]
    posted = web.post(f"/join/{forged}", data={"csrf_token": csrf, **NEWCOMER})
    assert posted.status_code == 404
    assert "nia@elsewhere.test" not in {u.email for u in _people(server, workspace.team_id)}


def test_an_expired_invite_lets_nobody_in(
    server: Server, workspace: Workspace, web: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _signed_in(server, "alice@acme.test", "pw-alice") as alice:
        live = _make_invite(alice)
        csrf = form_csrf(web.get(httpx.URL(live).path).text)
        # The server runs in this process: its next invite expires as it is made.
        monkeypatch.setattr(invites, "INVITE_TTL_S", 0)
        expired = _make_invite(alice)
    before = _people(server, workspace.team_id)
    path = httpx.URL(expired).path
    assert web.get(path).status_code == 404
    assert web.post(path, data={"csrf_token": csrf, **NEWCOMER}).status_code == 404
    assert _people(server, workspace.team_id) == before
    assert SESSION_COOKIE not in web.cookies


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "bob@acme.test"}, "already in use"),
        ({"email": "BOB@acme.test "}, "already in use"),
        ({"name": "carol"}, "already has that name"),
        ({"password": "short"}, "at least 8"),
        ({"email": "nowhere"}, "valid email"),
        ({"name": " "}, "fill in every field"),
    ],
)
def test_bad_input_rerenders_the_form_and_writes_nothing(
    server: Server,
    workspace: Workspace,
    web: httpx.Client,
    fields: dict[str, str],
    message: str,
) -> None:
    with _signed_in(server, "alice@acme.test", "pw-alice") as alice:
        url = _make_invite(alice)
    before = _people(server, workspace.team_id)
    team_log = read_log(server.data_dir, workspace.team_id, workspace.team_id)
    answer = _join(web, url, **fields)
    assert answer.status_code == 400
    assert message in answer.text and 'role="alert"' in answer.text
    assert "<h1>Join Acme</h1>" in answer.text
    assert NEWCOMER["password"] not in answer.text
    assert _people(server, workspace.team_id) == before
    assert read_log(server.data_dir, workspace.team_id, workspace.team_id) == team_log
    assert SESSION_COOKIE not in web.cookies


def test_joining_without_the_csrf_pair_is_refused(
    server: Server, workspace: Workspace, web: httpx.Client
) -> None:
    with _signed_in(server, "alice@acme.test", "pw-alice") as alice:
        url = _make_invite(alice)
    path = httpx.URL(url).path
    before = _people(server, workspace.team_id)
    assert web.post(path, data=NEWCOMER).status_code == 403  # no cookie, no field
    csrf = form_csrf(web.get(path).text)
    assert web.post(path, data=NEWCOMER).status_code == 403  # the cookie, no field
    assert web.post(path, data={**NEWCOMER, "csrf_token": "forged"}).status_code == 403
    with _client(server) as stranger:  # the field, without its cookie
        assert stranger.post(path, data={**NEWCOMER, "csrf_token": csrf}).status_code == 403
    assert _people(server, workspace.team_id) == before
    assert SESSION_COOKIE not in web.cookies


def test_the_team_name_is_escaped(server: Server, web: httpx.Client) -> None:
    evil = '<script>alert(1)</script> & "Co"'

    async def work(hub: Hub) -> str:
        await workspaces.create_workspace(hub, evil, "evil")
        await workspaces.create_user(
            hub, "evil", email="e@evil.test", name="e", password="pw-evil1"
        )
        return ""

    run_admin(server.data_dir, work)
    with _signed_in(server, "e@evil.test", "pw-evil1", domain="evil") as member:
        url = _make_invite(member)
    page = web.get(httpx.URL(url).path).text
    assert "<script>alert" not in page
    assert "<h1>Join &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;</h1>" in page
