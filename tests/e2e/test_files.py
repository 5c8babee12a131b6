"""Files through the real slack_sdk (docs/files.md): files_upload_v2 and the legacy files.upload,
files.info, files.list with each filter and both pagings, files.delete, the files in history,
downloads with a token and with a browser session, ranges and the safety headers, and the
events a socket hears, once and in order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.e2e.test_abuse_limits import login
from tests.e2e.test_socket_mode import frames_until, open_socket
from tests.support.apps import make_app
from tests.support.rtm import rtm
from tests.support.servers import Server, Workspace

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def error_of(call: Any) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()
    return str(caught.value.response["error"])


def general(client: WebClient) -> str:
    found: str = client.conversations_create(name="files-here")["channel"]["id"]
    return found


def joined(server: Server, ws: Workspace, channel: str) -> None:
    for member in (ws.bob, ws.carol):
        server.client(member.token).conversations_join(channel=channel)
    server.client(ws.alice.token).conversations_invite(channel=channel, users=ws.bot.user_id)


def get(server: Server, url: str, token: str | None = None, **headers: str) -> httpx.Response:
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.get(url, headers=headers, timeout=30)


def test_files_upload_v2_shares_a_file_that_history_info_and_list_show(
    server: Server, workspace: Workspace, tmp_path: Path
) -> None:
    alice = server.client(workspace.alice.token)
    channel = general(alice)
    joined(server, workspace, channel)
    path = tmp_path / "notes.txt"
    path.write_bytes(b"hello, files\n")
    bot = server.client(workspace.bot.token)
    answer = bot.files_upload_v2(
        channel=channel, file=str(path), title="Notes", initial_comment="see <@U1>"
    )
    file = answer["file"]
    assert file["id"].startswith("F")
    assert (file["name"], file["title"], file["size"]) == ("notes.txt", "Notes", 13)
    assert (file["filetype"], file["mimetype"], file["mode"]) == ("text", "text/plain", "hosted")
    assert file["user"] == workspace.bot.user_id and file["user_team"] == workspace.team_id
    assert file["channels"] == [channel] and file["is_public"] is True
    assert list(file["shares"]["public"]) == [channel]
    assert file["url_private"] == (
        f"{server.url}/files-pri/{workspace.team_id}-{file['id']}/notes.txt"
    )
    assert file["url_private_download"].endswith(f"-{file['id']}/download/notes.txt")
    assert file["permalink"] == f"{server.url}/files/{workspace.bot.user_id}/{file['id']}/notes.txt"

    [msg] = alice.conversations_history(channel=channel, limit=1)["messages"]
    assert msg["text"] == "see <@U1>" and msg["upload"] is True
    assert msg["display_as_bot"] is False and msg["user"] == workspace.bot.user_id
    assert [f["id"] for f in msg["files"]] == [file["id"]]
    assert "file_refs" not in msg
    shown = server.client(workspace.bob.token).files_info(file=file["id"])
    assert shown["file"]["id"] == file["id"] and shown["comments"] == []
    listed = server.client(workspace.carol.token).files_list(channel=channel)
    assert [f["id"] for f in listed["files"]] == [file["id"]]
    assert listed["paging"] == {"count": 100, "total": 1, "page": 1, "pages": 1}

    # Downloaded with a bot token, as Slack asks of bots.
    got = get(server, file["url_private_download"], workspace.bot.token)
    assert got.status_code == 200 and got.content == b"hello, files\n"
    assert got.headers["content-disposition"].startswith("attachment")


def test_a_person_uploads_several_files_in_one_call_into_a_thread(
    server: Server, workspace: Workspace
) -> None:
    alice = server.client(workspace.alice.token)
    channel = general(alice)
    parent = alice.chat_postMessage(channel=channel, text="thread")["ts"]
    done = alice.files_upload_v2(
        channel=channel,
        thread_ts=parent,
        file_uploads=[
            {"content": "a,b\n1,2\n", "filename": "t.csv"},
            {"file": PNG, "filename": "dot.png", "title": "A dot"},
        ],
    )
    assert [f["name"] for f in done["files"]] == ["t.csv", "dot.png"]
    replies = alice.conversations_replies(channel=channel, ts=parent)["messages"]
    assert [f["name"] for f in replies[-1]["files"]] == ["t.csv", "dot.png"]
    assert replies[-1]["thread_ts"] == parent
    assert done["files"][0]["shares"]["public"][channel][0]["thread_ts"] == parent


def test_without_a_channel_a_file_stays_private_to_its_uploader(
    server: Server, workspace: Workspace
) -> None:
    bob = server.client(workspace.bob.token)
    file = bob.files_upload_v2(content="secret", filename="s.txt")["file"]
    assert file["channels"] == [] and "shares" not in file
    assert bob.files_info(file=file["id"])["file"]["id"] == file["id"]
    carol = server.client(workspace.carol.token)
    assert error_of(lambda: carol.files_info(file=file["id"])) == "file_not_found"
    assert get(server, file["url_private"], workspace.carol.token).status_code == 404
    assert get(server, file["url_private"], workspace.bob.token).content == b"secret"
    assert carol.files_list()["files"] == []
    assert [f["id"] for f in bob.files_list()["files"]] == [file["id"]]


def test_the_legacy_files_upload_takes_a_file_or_content(
    server: Server, workspace: Workspace, tmp_path: Path
) -> None:
    alice = server.client(workspace.alice.token)
    channel = general(alice)
    path = tmp_path / "run.py"
    path.write_text("print('hi')\n")
    with pytest.warns(UserWarning):
        one = alice.files_upload(file=str(path), channels=channel, title="Script")["file"]
    assert (one["name"], one["title"], one["filetype"]) == ("run.py", "Script", "python")
    two = alice.api_call(
        "files.upload",
        data={"content": "just text", "filename": "t.txt", "channels": channel},
    )["file"]
    assert two["size"] == 9 and two["channels"] == [channel]
    history = alice.conversations_history(channel=channel)["messages"]
    assert [m["files"][0]["id"] for m in history if "files" in m] == [two["id"], one["id"]]
    assert get(server, one["url_private"], workspace.alice.token).text == "print('hi')\n"


def test_files_upload_takes_its_token_as_a_form_field_before_the_file(
    server: Server, workspace: Workspace
) -> None:
    """curl -F token=… -F channels=… -F file=@…, as Slack's files.upload page shows: the fields
    before the file are read before the file's bytes, and the token among them counts."""
    alice = server.client(workspace.alice.token)
    channel = general(alice)

    def upload(fields: dict[str, str]) -> dict[str, Any]:
        answer = httpx.post(
            f"{server.url}/api/files.upload",
            data=fields,
            files={"file": ("form.txt", b"from a form\n", "text/plain")},
            timeout=30,
        )
        assert answer.status_code == 200
        found: dict[str, Any] = answer.json()
        return found

    done = upload({"token": workspace.alice.token, "channels": channel})
    assert done["ok"] and done["file"]["name"] == "form.txt"
    assert done["file"]["channels"] == [channel]
    assert get(server, done["file"]["url_private"], workspace.alice.token).text == "from a form\n"
    assert upload({"token": "xoxp-not-a-token", "channels": channel})["error"] == "invalid_auth"
    assert upload({"channels": channel})["error"] == "not_authed"
    assert [f["name"] for f in alice.files_list()["files"]] == ["form.txt"]


def test_the_upload_url_takes_the_file_part_whatever_its_field_is_called(
    server: Server, workspace: Workspace
) -> None:
    """Slack's page uploads with `curl -F filename="@text.txt"`; @slack/web-api's files.uploadV2
    sends a part named `body` (filename `Untitled`): the upload URL takes the part that carries a
    file name, as Slack's does. A form without one holds no file; two files are refused."""
    alice = server.client(workspace.alice.token)
    channel = general(alice)
    for field in ("filename", "body", "file"):
        content = f"sent as {field}\n".encode()
        got = alice.files_getUploadURLExternal(filename=f"{field}.txt", length=len(content))
        answer = httpx.post(
            got["upload_url"],
            data={"note": "a field beside the file"},
            files={field: ("Untitled", content, "application/octet-stream")},
            timeout=30,
        )
        assert (answer.status_code, answer.text) == (200, f"OK - {len(content)}")
        [file] = alice.files_completeUploadExternal(
            files=[{"id": got["file_id"]}], channel_id=channel
        )["files"]
        assert file["name"] == f"{field}.txt"
        assert get(server, file["url_private"], workspace.alice.token).content == content
    for parts, error in (
        ({"body": (None, b"abc")}, "no_file_data"),
        ([("a", ("a.txt", b"abc")), ("b", ("b.txt", b"abc"))], "invalid_form_data"),
    ):
        url = alice.files_getUploadURLExternal(filename="x.txt", length=3)["upload_url"]
        refused = httpx.post(url, files=parts, timeout=30)
        assert (refused.status_code, refused.text) == (400, error)


def test_files_list_filters_and_pages_both_ways(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    channel = general(alice)
    bob = server.client(workspace.bob.token)
    bob.conversations_join(channel=channel)
    names = ["a.png", "b.pdf", "c.zip", "d.py", "e.bin"]
    ids = {}
    for name in names:
        ids[name] = alice.files_upload_v2(channel=channel, content=name, filename=name)["file"][
            "id"
        ]
    bob_file = bob.files_upload_v2(channel=channel, content="x", filename="f.txt")["file"]["id"]

    def listed(**args: Any) -> list[str]:
        return [f["name"] for f in alice.files_list(**args)["files"]]

    assert listed(types="images") == ["a.png"]
    assert sorted(listed(types="pdfs,zips")) == ["b.pdf", "c.zip"]
    assert sorted(listed(types="snippets")) == ["d.py", "f.txt"]
    assert listed(user=workspace.bob.user_id) == ["f.txt"]
    assert len(listed()) == 6
    assert listed(ts_from="0", ts_to="1") == []
    assert error_of(lambda: alice.files_list(types="videos")) == "invalid_types"
    everything = listed()
    page = alice.files_list(count=4, page=2)
    assert page["paging"] == {"count": 4, "total": 6, "page": 2, "pages": 2}
    # Newest first; files of one second in no set order, the same in every listing.
    assert [f["name"] for f in page["files"]] == everything[4:]
    assert set(everything) == {*names, "f.txt"}
    seen, cursor = [], None
    while True:
        answer = alice.files_list(limit=4, cursor=cursor) if cursor else alice.files_list(limit=4)
        seen += [f["id"] for f in answer["files"]]
        cursor = answer["response_metadata"]["next_cursor"]
        if not cursor:
            break
    by_id = {i: n for n, i in ids.items()} | {bob_file: "f.txt"}
    assert [by_id[i] for i in seen] == everything
    assert error_of(lambda: alice.files_list(limit=4, cursor="bm9wZQ==")) == "invalid_cursor"


def test_deleting_a_file_tombstones_it_everywhere_and_only_its_owner_or_an_admin_may(
    server: Server, workspace: Workspace
) -> None:
    alice = server.client(workspace.alice.token)
    channel = general(alice)
    bob = server.client(workspace.bob.token)
    bob.conversations_join(channel=channel)
    file = bob.files_upload_v2(channel=channel, content="bye", filename="bye.txt")["file"]
    carol = server.client(workspace.carol.token)
    carol.conversations_join(channel=channel)
    assert error_of(lambda: carol.files_delete(file=file["id"])) == "cant_delete_file"
    bot = server.client(workspace.bot.token)
    alice.conversations_invite(channel=channel, users=workspace.bot.user_id)
    assert error_of(lambda: bot.files_delete(file=file["id"])) == "cant_delete_file"
    with rtm(server, workspace.carol.token) as socket:
        alice.files_delete(file=file["id"])  # an admin, with a person's token
        event = socket.until(lambda e: e.get("type") == "file_deleted")[-1]
    assert event["file_id"] == file["id"] and event["channel_ids"] == [channel]
    [msg] = [m for m in alice.conversations_history(channel=channel)["messages"] if "files" in m]
    assert msg["files"] == [{"id": file["id"], "mode": "tombstone"}]
    assert error_of(lambda: bob.files_info(file=file["id"])) == "file_deleted"
    assert error_of(lambda: bob.files_delete(file=file["id"])) == "file_deleted"
    assert get(server, file["url_private"], workspace.bob.token).status_code == 404
    blobs = list((server.data_dir / "files").rglob("*"))
    assert not [p for p in blobs if p.is_file() and "tmp" not in p.parts]


def test_downloads_answer_ranges_and_never_render_active_content(
    server: Server, workspace: Workspace
) -> None:
    alice = server.client(workspace.alice.token)
    channel = general(alice)
    png = alice.files_upload_v2(channel=channel, file=PNG, filename="dot.png")["file"]
    svg = alice.files_upload_v2(
        channel=channel, content="<svg onload='alert(1)'/>", filename="x.svg"
    )["file"]
    html = alice.files_upload_v2(
        channel=channel, content="<script>alert(1)</script>", filename="x.html"
    )["file"]
    token = workspace.bot.token
    alice.conversations_invite(channel=channel, users=workspace.bot.user_id)

    shown = get(server, png["url_private"], token)
    assert shown.status_code == 200 and shown.content == PNG
    assert shown.headers["content-type"] == "image/png"
    assert shown.headers["content-disposition"].startswith("inline")
    assert shown.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in shown.headers["content-security-policy"]
    assert shown.headers["etag"].strip('"') and shown.headers["accept-ranges"] == "bytes"
    assert shown.headers["content-length"] == str(len(PNG))
    saved = get(server, png["url_private_download"], token)
    assert saved.headers["content-disposition"].startswith("attachment")
    for active in (svg, html):
        for url in (active["url_private"], active["url_private_download"]):
            answer = get(server, url, token)
            assert answer.status_code == 200
            assert answer.headers["content-disposition"].startswith("attachment")
            assert answer.headers["content-type"] == "application/octet-stream"
            assert answer.headers["x-content-type-options"] == "nosniff"

    url = png["url_private"]
    first = get(server, url, token, Range="bytes=0-7")
    assert first.status_code == 206 and first.content == PNG[:8]
    assert first.headers["content-range"] == f"bytes 0-7/{len(PNG)}"
    last = get(server, url, token, Range="bytes=-4")
    assert last.status_code == 206 and last.content == PNG[-4:]
    middle = get(server, url, token, Range="bytes=10-19")
    assert middle.content == PNG[10:20]
    past = get(server, url, token, Range=f"bytes={len(PNG)}-")
    assert past.status_code == 416 and past.headers["content-range"] == f"bytes */{len(PNG)}"
    many = get(server, url, token, Range="bytes=0-1,4-5")
    assert many.status_code == 200 and many.content == PNG


def test_a_browser_session_downloads_without_a_token(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    channel = general(alice)
    file = alice.files_upload_v2(channel=channel, content="page", filename="p.txt")["file"]
    with httpx.Client(base_url=server.url, follow_redirects=False, timeout=30) as web:
        assert web.get(file["url_private"]).status_code == 404
        login(web, workspace.domain, "bob@acme.test", "pw-bob")
        assert web.get(file["url_private"]).text == "page"  # a public channel: bob may


def test_a_file_permalink_opens_the_message_that_shares_it_or_the_file_or_nothing(
    server: Server, workspace: Workspace
) -> None:
    """`permalink` in the browser: the message in its channel (or its thread) for whoever sees
    one; the file itself for its uploader when it is shared nowhere; else the same not-found
    page as for a file that never was."""
    alice = server.client(workspace.alice.token)
    channel = general(alice)
    parent = alice.chat_postMessage(channel=channel, text="files below")["ts"]
    shared = alice.files_upload_v2(
        channel=channel, content="in a thread", filename="t.txt", thread_ts=parent
    )["file"]
    given = alice.files_getUploadURLExternal(filename="mine.txt", length=4)
    httpx.post(given["upload_url"], content=b"mine", timeout=30)
    [own] = alice.files_completeUploadExternal(files=[{"id": given["file_id"]}])["files"]
    secret = alice.conversations_create(name="secret-files", is_private=True)["channel"]["id"]
    hidden = alice.files_upload_v2(channel=secret, content="s", filename="s.txt")["file"]
    [ts] = [s["ts"] for s in shared["shares"]["public"][channel]]
    with httpx.Client(base_url=server.url, follow_redirects=False, timeout=30) as web:
        assert web.get(shared["permalink"]).headers["location"] == "/login"
        login(web, workspace.domain, "alice@acme.test", "pw-alice")
        opened = web.get(shared["permalink"])
        assert opened.status_code == 303
        assert opened.headers["location"] == (
            f"/client/{workspace.team_id}/{channel}?ts={ts}&thread_ts={parent}"
        )
        assert web.get(own["permalink"]).headers["location"] == own["url_private"]
    with httpx.Client(base_url=server.url, follow_redirects=False, timeout=30) as web:
        login(web, workspace.domain, "bob@acme.test", "pw-bob")
        assert web.get(shared["permalink"]).status_code == 303  # a public channel: bob may
        for unseen in (own, hidden):
            refused = web.get(unseen["permalink"])
            assert (refused.status_code, "Not found" in refused.text) == (404, True)
        never = shared["permalink"].replace(shared["id"], "F0NOSUCHFILE")
        assert web.get(never).status_code == 404
        assert web.get(shared["permalink"].replace(shared["id"], "../../x")).status_code == 404


def test_sockets_hear_the_file_events_with_the_message_once_and_in_order(
    server: Server, workspace: Workspace
) -> None:
    alice = server.client(workspace.alice.token)
    channel = general(alice)
    joined(server, workspace, channel)
    with rtm(server, workspace.bob.token) as socket:
        alice.chat_postMessage(channel=channel, text="before")
        file = alice.files_upload_v2(channel=channel, content="x", filename="x.txt")["file"]
        alice.chat_postMessage(channel=channel, text="after")
        frames = socket.until(lambda e: e.get("text") == "after")
    shown = [
        (e["type"], e.get("text") if e["type"] == "message" else e["file_id"])
        for e in frames
        if e["type"] in ("message", "file_created", "file_shared")
    ]
    assert shown == [
        ("message", "before"),
        ("file_created", file["id"]),
        ("message", ""),
        ("file_shared", file["id"]),
        ("message", "after"),
    ]
    shared = next(e for e in frames if e["type"] == "file_shared")
    assert shared["file"] == {"id": file["id"]} and shared["user_id"] == workspace.alice.user_id
    message = next(e for e in frames if "files" in e)
    assert message["files"][0]["id"] == file["id"] and message["upload"] is True


def test_a_socket_mode_app_hears_file_shared_and_file_deleted(
    server: Server, workspace: Workspace
) -> None:
    app = make_app(
        server.data_dir,
        name="Files",
        socket_mode=True,
        events=("file_shared", "file_deleted"),
        scopes=["chat:write", "channels:join", "files:read"],
    )
    alice = server.client(workspace.alice.token)
    channel = general(alice)
    server.client(app.bot_token).conversations_join(channel=channel)
    with open_socket(server, app.app_token) as ws:
        assert orjson.loads(ws.recv(timeout=5))["type"] == "hello"
        file = alice.files_upload_v2(channel=channel, content="x", filename="x.txt")["file"]
        alice.files_delete(file=file["id"])
        heard = []
        while len(heard) < 2:
            envelope = frames_until(ws, "events_api")
            ws.send(orjson.dumps({"envelope_id": envelope["envelope_id"]}).decode())
            heard.append(envelope["payload"]["event"])
    # Each once; apps' deliveries are jobs of their own, in no set order between events.
    assert sorted((e["type"], e["file_id"]) for e in heard) == [
        ("file_deleted", file["id"]),
        ("file_shared", file["id"]),
    ]
    shared = next(e for e in heard if e["type"] == "file_shared")
    assert shared["channel_id"] == channel and shared["file"] == {"id": file["id"]}


def test_pins_reactions_and_edits_show_the_files_of_a_message(
    server: Server, workspace: Workspace
) -> None:
    alice = server.client(workspace.alice.token)
    channel = general(alice)
    file = alice.files_upload_v2(
        channel=channel, content="pinned", filename="p.txt", initial_comment="look"
    )["file"]
    [msg] = [m for m in alice.conversations_history(channel=channel)["messages"] if "files" in m]
    ts = msg["ts"]
    alice.pins_add(channel=channel, timestamp=ts)
    alice.reactions_add(channel=channel, timestamp=ts, name="eyes")

    [item] = alice.pins_list(channel=channel)["items"]
    assert [f["id"] for f in item["message"]["files"]] == [file["id"]]
    assert item["message"]["files"][0]["url_private"] == file["url_private"]
    got = alice.reactions_get(channel=channel, timestamp=ts)["message"]
    assert [f["id"] for f in got["files"]] == [file["id"]]
    listed = alice.reactions_list()["items"]
    assert [f["id"] for f in listed[0]["message"]["files"]] == [file["id"]]
    with rtm(server, workspace.alice.token) as socket:
        edited = alice.chat_update(channel=channel, ts=ts, text="look again")
        changed = socket.until(lambda e: e.get("subtype") == "message_changed")[-1]
    assert edited["message"]["text"] == "look again"
    assert [f["id"] for f in edited["message"]["files"]] == [file["id"]]
    assert [f["id"] for f in changed["message"]["files"]] == [file["id"]]
    assert "file_refs" not in edited["message"] and "files_elsewhere" not in edited["message"]
    # The edit kept the message's files: history still shows them.
    [again] = [m for m in alice.conversations_history(channel=channel)["messages"] if "files" in m]
    assert again["text"] == "look again" and again["files"][0]["id"] == file["id"]

    alice.files_delete(file=file["id"])
    [item] = alice.pins_list(channel=channel)["items"]
    assert item["message"]["files"] == [{"id": file["id"], "mode": "tombstone"}]
    got = alice.reactions_get(channel=channel, timestamp=ts)["message"]
    assert got["files"] == [{"id": file["id"], "mode": "tombstone"}]
