"""Files: every bad input gets Slack's error or a 4xx, stores nothing (no shown row, no blob, no
temp file) and leaves the server up (docs/files.md, Errors)."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from slack_sdk import WebClient
from sqlalchemy import update

from hubbub.services.hub import EventLog
from hubbub.store.tables_files import file_uploads
from hubbub.store.tx import Tx
from tests.e2e.test_files import error_of
from tests.support.servers import Server, Workspace, make_workspace, run_admin, threaded_server
from tests.support.waiting import wait_for


def stored_blobs(server: Server) -> list[Path]:
    root = server.data_dir / "files"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def shown_files(client: WebClient) -> list[str]:
    return [f["id"] for f in client.files_list()["files"]]


def still_up(server: Server) -> None:
    assert httpx.get(server.api_url + "api.test", timeout=10).json()["ok"] is True


def post(url: str, body: bytes, **headers: str) -> httpx.Response:
    return httpx.post(url, content=body, headers=headers, timeout=30)


def url_for(client: WebClient, length: int, name: str = "f.bin") -> tuple[str, str]:
    got = client.files_getUploadURLExternal(filename=name, length=length)
    return str(got["upload_url"]), str(got["file_id"])


def test_a_body_of_another_length_than_announced_is_refused_and_kept_nowhere(
    server: Server, workspace: Workspace
) -> None:
    alice = server.client(workspace.alice.token)
    for body in (b"x" * 11, b"x" * 9, b""):
        url, file_id = url_for(alice, 10)
        answer = post(url, body)
        assert answer.status_code == 400 and answer.text == "length_mismatch"
        assert error_of(lambda f=file_id: alice.files_info(file=f)) == "file_not_found"
        complete = lambda f=file_id: alice.files_completeUploadExternal(files=[{"id": f}])  # noqa: E731
        assert error_of(complete) == "file_not_found"
        # The URL is used up, whatever its answer was.
        assert post(url, b"x" * 10).status_code == 404
    assert stored_blobs(server) == [] and shown_files(alice) == []
    still_up(server)


def _write(server: Server, team_id: str, change: Callable[[Tx], None]) -> None:
    def unit(tx: Tx, _log: EventLog) -> None:
        change(tx)

    run_admin(server.data_dir, lambda hub: hub.commit(team_id, unit))


def test_an_expired_or_used_upload_url_takes_nothing(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    url, file_id = url_for(alice, 3)
    # Ten minutes later, as the row says it (the store's clock is the one that counts).
    _write(
        server,
        workspace.team_id,
        lambda tx: tx.conn.execute(
            update(file_uploads).where(file_uploads.c.file_id == file_id).values(expires=1)
        ),
    )
    assert post(url, b"abc").status_code == 410
    assert post(url, b"abc").status_code == 404
    used, used_id = url_for(alice, 3)
    assert post(used, b"abc").text == "OK - 3"
    assert post(used, b"abc").status_code == 404
    assert post(urlsplit(used)._replace(path="/upload/v1/nope").geturl(), b"abc").status_code == 404
    done = alice.files_completeUploadExternal(files=[{"id": used_id}])["files"]
    assert [f["id"] for f in done] == [used_id]
    assert len(stored_blobs(server)) == 1
    still_up(server)


def test_completing_what_is_not_yours_or_not_uploaded_is_file_not_found(
    server: Server, workspace: Workspace
) -> None:
    alice, bob = server.client(workspace.alice.token), server.client(workspace.bob.token)
    url, file_id = url_for(alice, 2)
    never = lambda: alice.files_completeUploadExternal(files=[{"id": file_id}])  # noqa: E731
    assert error_of(never) == "file_not_found"  # no bytes yet
    assert post(url, b"ab").status_code == 200
    theirs = lambda: bob.files_completeUploadExternal(files=[{"id": file_id}])  # noqa: E731
    assert error_of(theirs) == "file_not_found"
    for bad in ("F0NOSUCH", "../x", "x" * 100):
        call = lambda bad=bad: alice.files_completeUploadExternal(files=[{"id": bad}])  # noqa: E731
        assert error_of(call) == "file_not_found"
    bad_json = lambda: alice.api_call(  # noqa: E731
        "files.completeUploadExternal", params={"files": "[{"}
    )
    assert error_of(bad_json) == "invalid_arguments"
    still_up(server)


def test_sharing_where_the_uploader_may_not_post_writes_nothing(
    server: Server, workspace: Workspace
) -> None:
    alice, carol = server.client(workspace.alice.token), server.client(workspace.carol.token)
    public = alice.conversations_create(name="open")["channel"]["id"]
    private = alice.conversations_create(name="closed", is_private=True)["channel"]["id"]
    archived = alice.conversations_create(name="old")["channel"]["id"]
    carol.conversations_join(channel=archived)
    alice.conversations_archive(channel=archived)
    url, file_id = url_for(carol, 2)
    assert post(url, b"ab").status_code == 200
    for channel, error in (
        (public, "not_in_channel"),
        (private, "channel_not_found"),
        (archived, "is_archived"),
        ("C0NOSUCH", "channel_not_found"),
    ):
        call = lambda c=channel: carol.files_completeUploadExternal(  # noqa: E731
            files=[{"id": file_id}], channel_id=c
        )
        assert error_of(call) == error
    assert error_of(lambda: carol.files_info(file=file_id)) == "file_not_found"
    history = alice.conversations_history(channel=public)["messages"]
    assert not [m for m in history if "files" in m]
    # Still uploaded, so completing it where carol may post shares it once.
    carol.conversations_join(channel=public)
    first = carol.files_completeUploadExternal(files=[{"id": file_id}], channel_id=public)
    again = carol.files_completeUploadExternal(files=[{"id": file_id}], channel_id=public)
    assert first["files"][0]["shares"] == again["files"][0]["shares"]
    history = alice.conversations_history(channel=public)["messages"]
    assert len([m for m in history if "files" in m]) == 1


@pytest.mark.parametrize("name", ["../../etc/passwd", "a" * 1000, "...", ".", "a\tb", "a/b"])
def test_unsafe_names_are_refused_before_anything_is_kept(
    server: Server, workspace: Workspace, name: str
) -> None:
    alice = server.client(workspace.alice.token)
    call = lambda: alice.files_getUploadURLExternal(filename=name, length=3)  # noqa: E731
    assert error_of(call) == "invalid_arguments"
    legacy = lambda: alice.api_call(  # noqa: E731
        "files.upload", data={"content": "abc", "filename": name}
    )
    assert error_of(legacy) == "invalid_arguments"
    nul = lambda: alice.files_getUploadURLExternal(filename="a\x00b", length=3)  # noqa: E731
    assert error_of(nul) == "invalid_arguments"
    assert stored_blobs(server) == [] and shown_files(alice) == []
    still_up(server)


def test_an_empty_file_is_no_file(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    empty = lambda: alice.files_getUploadURLExternal(filename="e.txt", length=0)  # noqa: E731
    assert error_of(empty) == "missing_argument"
    legacy = lambda: alice.api_call(  # noqa: E731
        "files.upload", data={"content": "", "filename": "e.txt"}
    )
    assert error_of(legacy) == "no_file_data"
    with pytest.warns(UserWarning):
        nothing = lambda: alice.files_upload(file=b"", filename="e.txt")  # noqa: E731
        assert error_of(nothing) == "no_file_data"
    assert stored_blobs(server) == [] and shown_files(alice) == []


@pytest.fixture
def small(tmp_path: Path) -> Iterator[Server]:
    with threaded_server(tmp_path / "data", file_max_bytes=100, file_quota_bytes=150) as srv:
        yield srv


def test_over_the_size_limit_or_the_quota_is_refused_with_slacks_errors(small: Server) -> None:
    ws = make_workspace(small.data_dir)
    alice = small.client(ws.alice.token)
    big = lambda: alice.files_getUploadURLExternal(filename="b.bin", length=101)  # noqa: E731
    assert error_of(big) == "file_upload_size_restricted"
    with pytest.warns(UserWarning):
        legacy = lambda: alice.files_upload(file=b"x" * 101, filename="b.bin")  # noqa: E731
        assert error_of(legacy) == "file_upload_size_restricted"
    assert stored_blobs(small) == []
    url, _ = url_for(alice, 100)  # 100 of the 150 are taken from now on
    over = lambda: alice.files_getUploadURLExternal(filename="c.bin", length=51)  # noqa: E731
    assert error_of(over) == "storage_limit_reached"
    assert post(url, b"y" * 100).status_code == 200
    with pytest.warns(UserWarning):
        full = lambda: alice.files_upload(file=b"z" * 60, filename="z.bin")  # noqa: E731
        assert error_of(full) == "storage_limit_reached"
    assert len(stored_blobs(small)) == 1
    url, _ = url_for(alice, 50)
    assert post(url, b"w" * 50).status_code == 200
    still_up(small)


def test_a_client_that_stops_mid_upload_leaves_nothing(
    server: Server, workspace: Workspace
) -> None:
    alice = server.client(workspace.alice.token)
    url, file_id = url_for(alice, 1_000_000)
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname or "", parts.port or 80)) as conn:
        head = (
            f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Length: 1000000\r\n\r\n"
        )
        conn.sendall(head.encode() + b"x" * 200_000)
    # The server notices the hang-up when it next reads: wait (bounded) until it has cleaned up.
    wait_for(lambda: stored_blobs(server) == [], 20, lambda: f"no blobs; {stored_blobs(server)}")
    assert error_of(lambda: alice.files_info(file=file_id)) == "file_not_found"
    assert post(url, b"x" * 1_000_000).status_code == 404  # the URL went with it
    still_up(server)
