"""Incoming webhooks: made with `hubbub admin create-webhook`, posted to with plain HTTP and with
slack_sdk's WebhookClient, answered as Slack answers; a bad request writes nothing."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from slack_sdk.webhook import WebhookClient
from sqlalchemy import select

from hubbub.domain.model import Message
from hubbub.domain.shapes import NO_UNFURL
from hubbub.services.hub import Hub
from hubbub.store.tables import webhooks
from hubbub.store.tx import Tx
from tests.support.checks import read_log
from tests.support.rtm import new_channel
from tests.support.servers import (
    Server,
    Workspace,
    env_for,
    module_server,
    module_workspace,
    run_admin,
)

server = module_server("webhooks")
workspace = module_workspace()


def create_webhook(server: Server, domain: str, channel: str, *extra: str) -> dict[str, Any]:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "hubbub",
            "admin",
            "create-webhook",
            "--domain",
            domain,
            "--channel",
            channel,
            "--data-dir",
            str(server.data_dir),
            *extra,
        ],
        capture_output=True,
        timeout=60,
        env=env_for(server.data_dir),
    )
    answer: dict[str, Any] = json.loads(done.stdout)
    assert (done.returncode == 0) == answer["ok"], done.stderr
    return answer


def _new_hook(server: Server, workspace: Workspace) -> dict[str, Any]:
    alice = server.client(workspace.alice.token)
    channel = new_channel(alice)
    name = alice.conversations_info(channel=channel)["channel"]["name"]
    return {**create_webhook(server, workspace.domain, name), "name": name}


@pytest.fixture
def hook(server: Server, workspace: Workspace) -> dict[str, Any]:
    return _new_hook(server, workspace)


@pytest.fixture(scope="module")
def shared_hook(server: Server, workspace: Workspace) -> dict[str, Any]:
    """One webhook for the tests that change nothing."""
    return _new_hook(server, workspace)


def history(server: Server, workspace: Workspace, channel: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = server.client(workspace.alice.token).conversations_history(
        channel=channel
    )["messages"]
    return found


def test_create_webhook_prints_a_url_that_posts_as_its_bot(
    server: Server, workspace: Workspace, hook: dict[str, Any]
) -> None:
    url = hook["url"]
    assert url.startswith(f"{server.url}/services/{workspace.team_id}/{hook['webhook_id']}/")
    answer = httpx.post(url, json={"text": "Build *green*"}, timeout=10)
    assert (answer.status_code, answer.text) == (200, "ok")
    assert answer.headers["content-type"].startswith("text/plain")
    [posted, joined] = history(server, workspace, hook["channel_id"])[:2]
    assert joined["subtype"] == "channel_join" and joined["user"] == hook["user_id"]
    assert posted["text"] == "Build *green*"
    assert posted["user"] == hook["user_id"]
    assert posted["bot_id"] == hook["webhook_id"]


def test_the_payload_cannot_move_the_post_or_change_its_author(
    server: Server, workspace: Workspace, hook: dict[str, Any]
) -> None:
    """Slack's app webhooks ignore `channel`, `username` and `icon_*`: what the webhook was
    made with holds."""
    alice = server.client(workspace.alice.token)
    elsewhere = new_channel(alice)
    name = alice.conversations_info(channel=elsewhere)["channel"]["name"]
    before = read_log(server.data_dir, workspace.team_id, elsewhere)
    for channel in (elsewhere, f"#{name}", name):
        body = {
            "text": f"to {channel}?",
            "channel": channel,
            "username": "Someone Else",
            "icon_emoji": ":ghost:",
            "icon_url": "https://example.com/ghost.png",
        }
        answer = httpx.post(hook["url"], json=body, timeout=10)
        assert (answer.status_code, answer.text) == (200, "ok")
        posted = history(server, workspace, hook["channel_id"])[0]
        assert posted["text"] == f"to {channel}?"
        assert (posted["user"], posted["bot_id"]) == (hook["user_id"], hook["webhook_id"])
        assert "username" not in posted and "icons" not in posted
    assert read_log(server.data_dir, workspace.team_id, elsewhere) == before


def test_slack_sdks_webhook_client_posts_blocks_attachments_and_thread_replies(
    server: Server, workspace: Workspace, hook: dict[str, Any]
) -> None:
    client = WebhookClient(hook["url"])
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*deploy*"}}]
    sent = client.send(text="deploy", blocks=blocks, attachments=[{"color": "good", "text": "v2"}])
    assert (sent.status_code, sent.body) == (200, "ok")
    parent = history(server, workspace, hook["channel_id"])[0]
    assert parent["blocks"] == blocks and parent["attachments"] == [{"color": "good", "text": "v2"}]
    reply = client.send_dict({"text": "done", "thread_ts": parent["ts"]})
    assert reply.status_code == 200
    replies = server.client(workspace.alice.token).conversations_replies(
        channel=hook["channel_id"], ts=parent["ts"]
    )["messages"]
    assert [m["text"] for m in replies] == ["deploy", "done"]


def test_a_form_with_a_payload_field_is_taken_too(
    server: Server, workspace: Workspace, hook: dict[str, Any]
) -> None:
    answer = httpx.post(hook["url"], data={"payload": json.dumps({"text": "from a form"})})
    assert (answer.status_code, answer.text) == (200, "ok")
    assert history(server, workspace, hook["channel_id"])[0]["text"] == "from a form"


def _path_with(
    url: str, *, team: str | None = None, hook: str | None = None, secret: str | None = None
) -> str:
    base, _, path = url.partition("/services/")
    t, h, s = path.split("/")
    return f"{base}/services/{team or t}/{hook or h}/{secret or s}"


@pytest.mark.parametrize(
    ("change", "body", "status", "error"),
    [
        ({}, b"{not json", 400, "invalid_payload"),
        ({}, b"[1, 2]", 400, "invalid_payload"),
        ({}, b'{"text": 5}', 400, "invalid_payload"),
        ({}, b'{"text": "   "}', 400, "no_text"),
        ({}, b'{"text": "x", "blocks": "nope"}', 400, "invalid_blocks"),
        ({}, b'{"text": "x", "thread_ts": "1.000001"}', 400, "thread_not_found"),
        ({"secret": "A" * 24}, b'{"text": "x"}', 403, "invalid_token"),
        ({"secret": "short"}, b'{"text": "x"}', 403, "invalid_token"),
        ({"secret": "A" * 24}, b"{not json", 403, "invalid_token"),  # the URL first
        ({"hook": "BAAAAAAAAAA"}, b'{"text": "x"}', 404, "no_service"),
        ({"team": "TAAAAAAAAAA"}, b'{"text": "x"}', 404, "no_team"),
    ],
)
def test_bad_requests_get_slacks_errors_and_write_nothing(
    server: Server,
    workspace: Workspace,
    shared_hook: dict[str, Any],
    change: dict[str, str],
    body: bytes,
    status: int,
    error: str,
) -> None:
    channel = shared_hook["channel_id"]
    before = read_log(server.data_dir, workspace.team_id, channel)
    answer = httpx.post(
        _path_with(shared_hook["url"], **change),
        content=body,
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert (answer.status_code, answer.text) == (status, error)
    assert read_log(server.data_dir, workspace.team_id, channel) == before


def test_paths_and_methods_that_are_no_webhook(server: Server, shared_hook: dict[str, Any]) -> None:
    assert httpx.post(server.url + "/services/nothing", content=b"{}").status_code == 404
    assert httpx.post(shared_hook["url"] + "/more", content=b"{}").text == "no_service"
    assert httpx.get(shared_hook["url"]).status_code == 405


def test_a_body_over_the_limit_is_refused_unread(
    server: Server, workspace: Workspace, hook: dict[str, Any]
) -> None:
    before = read_log(server.data_dir, workspace.team_id, hook["channel_id"])
    big = json.dumps({"text": "x" * (2 << 20)}).encode()
    answer = httpx.post(hook["url"], content=big, timeout=10)
    assert (answer.status_code, answer.text) == (413, "request_too_large")

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it comes
        for _ in range(40):
            yield b" " * 65536

    streamed = httpx.post(hook["url"], content=chunks(), timeout=10)
    assert streamed.status_code == 413
    assert read_log(server.data_dir, workspace.team_id, hook["channel_id"]) == before


def test_an_archived_channel_is_gone(
    server: Server, workspace: Workspace, hook: dict[str, Any]
) -> None:
    server.client(workspace.alice.token).conversations_archive(channel=hook["channel_id"])
    answer = httpx.post(hook["url"], json={"text": "anyone?"}, timeout=10)
    assert (answer.status_code, answer.text) == (410, "channel_is_archived")


def test_create_webhook_refuses_what_is_not_there(server: Server, workspace: Workspace) -> None:
    assert (
        create_webhook(server, workspace.domain, "no-such-channel")["error"] == "channel_not_found"
    )
    assert create_webhook(server, "no-such-team", "general")["error"] == "team_not_found"
    # Two webhooks for one channel: two bots, two URLs.
    one = create_webhook(server, workspace.domain, "general")
    two = create_webhook(server, workspace.domain, "general", "--name", "deploys")
    assert one["url"] != two["url"] and one["user_id"] != two["user_id"]


def test_the_secret_is_stored_only_as_its_hash(
    server: Server, workspace: Workspace, hook: dict[str, Any]
) -> None:
    secret = hook["url"].rsplit("/", 1)[1]
    team = workspace.team_id

    async def row(hub: Hub) -> tuple[Any, ...]:
        def unit(tx: Tx) -> tuple[Any, ...]:
            query = select(webhooks).where(webhooks.c.webhook_id == hook["webhook_id"])
            return tuple(tx.conn.execute(query).one())

        return await hub.read(team, unit)

    stored = run_admin(server.data_dir, row)
    assert hashlib.sha256(secret.encode()).hexdigest() in stored
    assert not any(secret in str(value) for value in stored)


def test_webhook_posts_are_unfurled_unless_the_payload_says_not(
    server: Server, workspace: Workspace, hook: dict[str, Any]
) -> None:
    answer = httpx.post(
        hook["url"], json={"text": "<https://example.invalid/|x>", "unfurl_links": False}
    )
    assert answer.status_code == 200
    posted = history(server, workspace, hook["channel_id"])[0]
    assert "unfurl_links" not in posted  # kept, not shown

    async def stored(hub: Hub) -> Message | None:
        team, channel = workspace.team_id, hook["channel_id"]
        return await hub.read(team, lambda tx: tx.get_message(team, channel, posted["ts"]))

    msg = run_admin(server.data_dir, stored)
    assert msg is not None and msg.extra[NO_UNFURL] is False
