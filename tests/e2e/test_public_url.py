"""One public_url: every URL hubbub hands out starts with it, and `hubbub admin`, in a process of
its own, prints the URLs of the server running on the same data (docs/deploy.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx

from hubbub.services.auth import session_csrf
from hubbub.web.session import FORM_CSRF_COOKIE, SESSION_COOKIE
from tests.support.apps import make_app
from tests.support.forms import form_csrf
from tests.support.receiver import receiver
from tests.support.rtm import new_channel
from tests.support.servers import (
    ProcessServer,
    Server,
    Workspace,
    env_for,
    free_port,
    make_workspace,
    threaded_server,
)

PUBLIC = "https://chat.example.test"


def _admin(data_dir: Path, *args: str) -> dict[str, Any]:
    """`hubbub admin ...` with none of the test run's own HUBBUB_PUBLIC_URL or HUBBUB_PORT: only
    what it is given and what it finds in the data."""
    env = env_for(data_dir)
    env.pop("HUBBUB_PUBLIC_URL", None)
    env.pop("HUBBUB_PORT", None)
    done = subprocess.run(
        [sys.executable, "-m", "hubbub", "admin", *args, "--data-dir", str(data_dir)],
        capture_output=True,
        timeout=60,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def _create_webhook(data_dir: Path, *options: str) -> str:
    answer = _admin(
        data_dir, *options, "create-webhook", "--domain", "acme", "--channel", "general"
    )
    url: str = answer["url"]
    return url


def test_admin_prints_the_webhook_url_of_the_server_on_another_port(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ws = make_workspace(data)
    port = free_port()
    assert port != 8080
    proc = ProcessServer(data, port)  # `hubbub serve --port N`, no public_url anywhere
    proc.start()
    try:
        url = _create_webhook(data)
        assert url.startswith(f"http://127.0.0.1:{port}/services/{ws.team_id}/B")
        posted = httpx.post(url, json={"text": "through the printed URL"}, timeout=10)
        assert (posted.status_code, posted.text) == (200, "ok")
        alice = proc.server.client(ws.alice.token)
        general = next(
            c["id"] for c in alice.conversations_list()["channels"] if c["name"] == "general"
        )
        texts = [m["text"] for m in alice.conversations_history(channel=general)["messages"]]
        assert "through the printed URL" in texts
        # Given a public_url, the admin command hands out that instead.
        given = _create_webhook(data, "--public-url", PUBLIC + "/")
        assert given.startswith(f"{PUBLIC}/services/{ws.team_id}/B")
    finally:
        proc.stop()
    # The server stopped: its record stands until the next one starts.
    assert _create_webhook(data).startswith(f"http://127.0.0.1:{port}/services/")


def test_serves_public_url_flag_reaches_the_admin_commands(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ws = make_workspace(data)
    proc = ProcessServer(data, free_port(), args=("--public-url", PUBLIC))
    proc.start()
    try:
        assert proc.server.client(ws.alice.token).auth_test()["url"] == PUBLIC + "/"
        assert _create_webhook(data).startswith(f"{PUBLIC}/services/{ws.team_id}/B")
    finally:
        proc.stop()


def _invite_link(server: Server, email: str, password: str) -> str:
    """An invite link as the web client makes one: signed in, POST /invites."""
    with httpx.Client(base_url=server.url, follow_redirects=False, timeout=30) as web:
        page = web.get("/login")
        # The cookies are Secure (public_url is https) and this client talks http, as a
        # balancer ending TLS does: they go back by hand.
        form_cookie = f"{FORM_CSRF_COOKIE}={page.cookies[FORM_CSRF_COOKIE]}"
        form = {"domain": "acme", "email": email, "password": password}
        signed_in = web.post(
            "/login",
            data={"csrf_token": form_csrf(page.text), **form},
            headers={"Cookie": form_cookie},
        )
        assert signed_in.status_code == 303
        session = signed_in.cookies[SESSION_COOKIE]
        answer = web.post(
            "/invites",
            headers={
                "X-CSRF-Token": session_csrf(session),
                "Cookie": f"{SESSION_COOKIE}={session}",
            },
        )
        assert answer.status_code == 200, answer.text
        url: str = answer.json()["url"]
        return url


def _response_url(server: Server, ws: Workspace, channel: str) -> str:
    with receiver() as rx:
        make_app(server.data_dir, name="Where", request_url=rx.url, commands=["/where"])
        answer = server.client(ws.alice.token).api_call(
            "chat.command", json={"channel": channel, "command": "/where", "text": "now"}
        )
        assert answer["ok"] is True
        url: str = parse_qs(rx.seen[-1].body.decode())["response_url"][0]
        return url


def test_every_url_handed_out_starts_with_public_url(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with threaded_server(data, public_url=PUBLIC, allow_private_outbound=True) as server:
        ws = make_workspace(data)
        alice = server.client(ws.alice.token)
        assert alice.auth_test()["url"] == PUBLIC + "/"
        assert alice.team_info()["team"]["url"] == PUBLIC + "/"
        channel = new_channel(alice, ws.bob.user_id)
        ts = alice.chat_postMessage(channel=channel, text="here")["ts"]
        link = alice.chat_getPermalink(channel=channel, message_ts=ts)["permalink"]
        assert link == f"{PUBLIC}/archives/{channel}/p{ts.replace('.', '')}"
        assert alice.rtm_connect()["url"].startswith("wss://chat.example.test/rtm?ticket=")
        socket_app = make_app(data, name="Sock", socket_mode=True)
        opened = server.client().apps_connections_open(app_token=socket_app.app_token)["url"]
        assert opened.startswith("wss://chat.example.test/link/?ticket=")

        invite = _invite_link(server, "alice@acme.test", "pw-alice")
        assert invite.startswith(f"{PUBLIC}/join/")
        # Past the base, each URL is a path the server answers.
        assert httpx.get(server.url + invite.removeprefix(PUBLIC), timeout=10).status_code == 200

        response_url = _response_url(server, ws, channel)
        assert response_url.startswith(f"{PUBLIC}/commands/")
        posted = httpx.post(server.url + response_url.removeprefix(PUBLIC), json={"text": "hi"})
        assert posted.status_code == 200, posted.text

        # The admin command is given nothing: it takes what this server recorded.
        hook = _create_webhook(data)
        assert hook.startswith(f"{PUBLIC}/services/{ws.team_id}/B")
        posted = httpx.post(server.url + hook.removeprefix(PUBLIC), json={"text": "hook"})
        assert (posted.status_code, posted.text) == (200, "ok")


def test_rtm_url_places_the_sockets_and_nothing_else(tmp_path: Path) -> None:
    data = tmp_path / "data"
    rtm = "wss://rtm.example.test"
    with threaded_server(data, public_url=PUBLIC, rtm_url=rtm) as server:
        ws = make_workspace(data)
        alice = server.client(ws.alice.token)
        assert alice.rtm_connect()["url"].startswith(f"{rtm}/rtm?ticket=")
        assert alice.auth_test()["url"] == PUBLIC + "/"
