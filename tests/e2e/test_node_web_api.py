"""@slack/web-api's WebClient (tests/node/web_api.mjs) against a hubbub server with Slack's rate
limits on: chat.postMessage and conversations.history, conversations.list paged by
`client.paginate`, an error as the SDK's platform error, a 429 the SDK waits out by itself, and
files.uploadV2 (the two-step external upload)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support import node
from tests.support.apps import make_app
from tests.support.checks import walk_history
from tests.support.servers import Server, Workspace, module_server, module_workspace

server = module_server("node-web", rate_limits=True)
workspace = module_workspace()


def web_api(server: Server, token: str, scenario: str, quiet: bool = True, **settings: Any) -> Any:
    given = {"api_url": server.api_url, "token": token, "scenario": scenario, **settings}
    return node.run("web_api", given, quiet=quiet)


def channel(server: Server, workspace: Workspace, name: str) -> str:
    alice = server.client(workspace.alice.token)
    made: str = alice.conversations_create(name=name)["channel"]["id"]
    return made


def test_post_a_message_and_read_the_history(server: Server, workspace: Workspace) -> None:
    where = channel(server, workspace, "node-post")
    got = web_api(server, workspace.alice.token, "post", channel=where, text="hello from node")
    assert got["posted"] == {
        "ok": True,
        "channel": where,
        "ts": got["posted"]["ts"],
        "text": "hello from node",
    }
    assert got["history"][0] == {
        "ts": got["posted"]["ts"],
        "text": "hello from node",
        "user": workspace.alice.user_id,
    }
    assert got["has_more"] is False


def test_paginate_walks_conversations_list_by_cursor(server: Server, workspace: Workspace) -> None:
    for i in range(5):
        channel(server, workspace, f"node-page-{i}")
    listed = server.client(workspace.alice.token).conversations_list(limit=1000)["channels"]
    got = web_api(server, workspace.alice.token, "paginate", limit=2)
    pages = got["pages"]
    ids = [c for page in pages for c in page["ids"]]
    assert len(ids) == len(set(ids)), "each channel on one page only"
    assert set(ids) == {c["id"] for c in listed}
    assert all(len(page["ids"]) == 2 for page in pages[:-1])
    assert all(page["next_cursor"] for page in pages[:-1])
    assert pages[-1]["next_cursor"] == ""


def test_an_error_is_the_sdks_platform_error_with_slacks_answer(
    server: Server, workspace: Workspace
) -> None:
    got = web_api(server, workspace.alice.token, "error", missing_channel="C0NOSUCH")
    for error in got["errors"]:
        assert error["is_platform_error"] is True
        assert error["code"] == "slack_webapi_platform_error"
        assert error["data"]["ok"] is False
        assert error["data"]["error"] == "channel_not_found"
        assert error["message"] == "An API error occurred: channel_not_found"


def test_a_429_is_waited_out_by_the_sdk(server: Server, workspace: Workspace) -> None:
    where = channel(server, workspace, "node-patient")
    # The SDK warns of the 429 it waits out: expected here.
    got = web_api(server, workspace.alice.token, "rate_limited", False, channel=where, most=30)
    assert got["waits"], "hubbub never answered 429 to the SDK"
    [wait] = got["waits"]
    assert wait["method"] == "chat.postMessage" and wait["seconds"] >= 1
    assert all(p["ok"] for p in got["posted"])
    texts = [m["text"] for m in walk_history(server.client(workspace.alice.token), where)]
    sent = [p["text"] for p in got["posted"]]
    assert sorted(t for t in texts if t.startswith("patient")) == sorted(sent)


def test_an_apps_token_hears_its_scopes_and_the_methods(
    server: Server, workspace: Workspace
) -> None:
    app = make_app(
        server.data_dir, name="Node Scopes", events=(), scopes=["chat:write", "channels:history"]
    )
    alice = server.client(workspace.alice.token)
    dm: str = alice.conversations_open(users=app.app.bot_user_id)["channel"]["id"]
    got = web_api(server, app.bot_token, "scopes", channel=dm)
    assert got["posted"] == {
        "scopes": ["channels:history", "chat:write"],
        "acceptedScopes": ["chat:write"],
    }
    refused = got["refused"]
    assert refused["data"]["error"] == "missing_scope" and refused["data"]["needed"] == "im:history"
    assert refused["data"]["response_metadata"] == {
        "scopes": ["channels:history", "chat:write"],
        "acceptedScopes": ["im:history"],
    }


def test_files_upload_v2_shares_files_in_the_channel_and_a_thread(
    server: Server, workspace: Workspace
) -> None:
    where = channel(server, workspace, "node-files")
    alice = server.client(workspace.alice.token)
    parent: str = alice.chat_postMessage(channel=where, text="files below")["ts"]
    got = web_api(
        server,
        workspace.alice.token,
        "upload",
        channel=where,
        thread_ts=parent,
        content="notes from node\n",
        filename="notes.txt",
        title="Node notes",
        comment="see the notes",
    )
    assert got["one"]["ok"] is True and got["several"]["ok"] is True
    [shared] = got["one"]["files"]
    assert shared["name"] == "notes.txt" and shared["title"] == "Node notes"
    info = alice.files_info(file=shared["id"])["file"]
    assert info["size"] == len("notes from node\n") and info["channels"] == [where]
    [message] = [m for m in walk_history(alice, where) if m.get("files")]
    assert message["text"] == "see the notes"
    assert [f["id"] for f in message["files"]] == [shared["id"]]
    assert [(f["name"], f["title"]) for f in got["several"]["files"]] == [
        ("a.txt", "a.txt"),
        ("b.md", "B"),
    ]
    [reply] = alice.conversations_replies(channel=where, ts=parent)["messages"][1:]
    assert reply["text"] == "two files"
    assert [f["id"] for f in reply["files"]] == [f["id"] for f in got["several"]["files"]]
    downloaded = [
        httpx.get(
            alice.files_info(file=f["id"])["file"]["url_private"],
            headers={"Authorization": f"Bearer {workspace.alice.token}"},
        ).text
        for f in got["several"]["files"]
    ]
    assert downloaded == ["first\n", "second file"]
