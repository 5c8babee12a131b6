"""Apps: create-app, their tokens, and scopes enforced on every Web API method."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
import pytest
from slack_sdk.errors import SlackApiError

from hubbub.api.routes import method_table
from tests.support.apps import make_app
from tests.support.checks import error_of
from tests.support.servers import (
    Server,
    Workspace,
    env_for,
    module_server,
    module_workspace,
)

server = module_server("apps")
workspace = module_workspace()


@pytest.mark.parametrize("name", sorted(method_table()))
def test_every_method_declares_its_scopes(name: str) -> None:
    """A method added without `scopes=` fails here: an app's token would call it unchecked."""
    assert method_table()[name].scopes is not None, f"{name} declares no scopes"


def test_create_app_prints_its_tokens_as_json(server: Server, workspace: Workspace) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "hubbub",
            "admin",
            "create-app",
            "--domain",
            workspace.domain,
            "--name",
            "Cli App",
            "--events",
            "message.channels,app_mention",
            "--scopes",
            "chat:write",
            "--socket-mode",
            "--command",
            "/cli-weather",
            "--data-dir",
            str(server.data_dir),
        ],
        capture_output=True,
        check=True,
        timeout=60,
        env=env_for(server.data_dir),
    )
    out = json.loads(done.stdout)
    assert out["ok"] is True
    assert out["app_id"].startswith("A")
    assert out["bot_token"].startswith("xoxb-")
    assert out["app_token"].startswith("xapp-1-")
    assert len(out["signing_secret"]) == 32
    assert set(out["scopes"]) == {"chat:write", "channels:history", "app_mentions:read", "commands"}
    assert out["commands"][0]["command"] == "/cli-weather"
    me = server.client(out["bot_token"]).auth_test()
    assert me["user_id"] == out["bot_user_id"] and me["bot_id"] == out["bot_id"]


def test_a_bot_token_needs_the_methods_scope(server: Server, workspace: Workspace) -> None:
    app = make_app(
        server.data_dir,
        name="Scoped",
        events=(),
        scopes=["chat:write", "channels:join", "channels:history"],
    )
    bot = server.client(app.bot_token)
    alice = server.client(workspace.alice.token)
    general = next(
        c["id"] for c in alice.conversations_list()["channels"] if c["name"] == "general"
    )
    bot.conversations_join(channel=general)
    posted = bot.chat_postMessage(channel=general, text="hello")
    assert posted["message"]["bot_id"] == app.app.bot_id
    assert bot.conversations_history(channel=general)["ok"] is True
    with pytest.raises(SlackApiError) as refused:
        bot.reactions_add(channel=general, timestamp=posted["ts"], name="wave")
    assert refused.value.response.data == {
        "ok": False,
        "error": "missing_scope",
        "needed": "reactions:write",
        "provided": "channels:history,channels:join,chat:write",
    }


def test_missing_scope_answers_needed_and_provided(server: Server, workspace: Workspace) -> None:
    app = make_app(server.data_dir, name="Narrow", events=(), scopes=["chat:write"])
    answer = httpx.post(
        server.api_url + "users.info",
        headers={"Authorization": f"Bearer {app.bot_token}"},
        data={"user": workspace.alice.user_id},
    ).json()
    assert answer == {
        "ok": False,
        "error": "missing_scope",
        "needed": "users:read",
        "provided": "chat:write",
    }
    # conversations.list takes the read scope of any kind it lists.
    listed = httpx.get(
        server.api_url + "conversations.list",
        headers={"Authorization": f"Bearer {app.bot_token}"},
    ).json()
    assert listed["error"] == "missing_scope"
    assert listed["needed"] == "channels:read,groups:read,im:read,mpim:read"


def test_answers_name_the_granted_and_the_accepted_scopes(
    server: Server, workspace: Workspace
) -> None:
    """Slack's X-OAuth-Scopes (what the token has) and X-Accepted-OAuth-Scopes (what the method
    takes, one of them), on errors too (a missing scope, or the method's own): @slack/web-api
    reads them into response_metadata.scopes and .acceptedScopes."""
    app = make_app(
        server.data_dir, name="Headers", events=(), scopes=["chat:write", "channels:history"]
    )
    alice = server.client(workspace.alice.token)
    dm = alice.conversations_open(users=app.app.bot_user_id)["channel"]["id"]

    def call(method: str, **params: str) -> httpx.Response:
        return httpx.get(
            server.api_url + method,
            params=params,
            headers={"Authorization": f"Bearer {app.bot_token}"},
        )

    granted = "channels:history,chat:write"
    posted = call("chat.postMessage", channel=dm, text="hi")
    assert posted.json()["ok"] is True
    assert posted.headers["x-oauth-scopes"] == granted
    assert posted.headers["x-accepted-oauth-scopes"] == "chat:write"
    refused = call("conversations.history", channel=dm)
    assert refused.json()["error"] == "missing_scope"
    assert refused.headers["x-oauth-scopes"] == granted
    assert refused.headers["x-accepted-oauth-scopes"] == "im:history"
    # An error of the method's own as well.
    nowhere = call("chat.postMessage", channel="C0NOSUCH", text="hi")
    assert nowhere.json()["error"] == "channel_not_found"
    assert nowhere.headers["x-oauth-scopes"] == granted
    assert nowhere.headers["x-accepted-oauth-scopes"] == "chat:write"
    listed = call("conversations.list")
    assert listed.json()["error"] == "missing_scope"
    assert listed.headers["x-accepted-oauth-scopes"] == listed.json()["needed"]
    # A method that takes no scope names none.
    tested = call("auth.test")
    assert tested.json()["ok"] is True and tested.headers["x-oauth-scopes"] == granted
    assert "x-accepted-oauth-scopes" not in tested.headers


def test_history_takes_the_scope_of_the_channels_kind(server: Server, workspace: Workspace) -> None:
    app = make_app(
        server.data_dir,
        name="Public Only",
        events=(),
        scopes=["chat:write", "channels:history", "im:write"],
    )
    bot = server.client(app.bot_token)
    alice = server.client(workspace.alice.token)
    dm = alice.conversations_open(users=app.app.bot_user_id)["channel"]["id"]
    answer = httpx.get(
        server.api_url + "conversations.history",
        params={"channel": dm},
        headers={"Authorization": f"Bearer {app.bot_token}"},
    ).json()
    assert answer["error"] == "missing_scope" and answer["needed"] == "im:history"
    # The same token reads a public channel, with the granted scopes in X-OAuth-Scopes.
    general = next(
        c["id"] for c in alice.conversations_list()["channels"] if c["name"] == "general"
    )
    public = httpx.get(
        server.api_url + "conversations.history",
        params={"channel": general},
        headers={"Authorization": f"Bearer {app.bot_token}"},
    )
    assert public.json()["ok"] is True
    assert public.headers["x-oauth-scopes"] == "channels:history,chat:write,im:write"
    assert bot.chat_postMessage(channel=dm, text="hi")["ok"] is True


def test_token_kinds_and_bad_tokens(server: Server, workspace: Workspace) -> None:
    app = make_app(server.data_dir, name="Kinds", events=(), socket_mode=True)
    as_app = server.client(app.app_token)
    assert error_of(as_app.chat_postMessage, channel="C1", text="x") == "not_allowed_token_type"
    assert error_of(as_app.auth_test) == "not_allowed_token_type"
    bot = server.client(app.bot_token)
    assert error_of(bot.apps_connections_open, app_token=app.bot_token) == (
        "not_allowed_token_type"
    )
    person = server.client(workspace.alice.token)
    assert error_of(person.apps_connections_open, app_token=workspace.alice.token) == (
        "not_allowed_token_type"
    )
    url = server.client().apps_connections_open(app_token=app.app_token)["url"]
    assert url.startswith("ws://127.0.0.1:") and "/link/?ticket=" in url
    for wrong in (app.app_token + "x", "xapp-1-ANOPE-TNOPE-00", "xoxb-nope"):
        assert error_of(server.client(wrong).auth_test) == "invalid_auth"
    # People's tokens and legacy bots (create-bot) have every scope.
    assert server.client(workspace.bot.token).users_info(user=workspace.alice.user_id)["ok"]
    assert person.users_info(user=workspace.alice.user_id)["ok"]
