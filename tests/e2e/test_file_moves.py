"""`hubbub admin move-workspace` carries a workspace's files (docs/files.md, Moving a
workspace): their rows (files, thumbnails, shares, uploads on their way) move with the workspace
to its new shard, their blobs stay where they are (one store for every shard), and everything
downloads as before the move, thumbnails included."""

from __future__ import annotations

from pathlib import Path

import httpx

from hubbub.app import move
from tests.support.checks import thumbs_made
from tests.support.images import png
from tests.support.servers import make_workspace, threaded_server
from tests.support.shards import ShardSet
from tests.support.waiting import wait_for

TABLES = ("files", "file_thumbs", "file_shares", "file_uploads")


def rows(shard_set: ShardSet, shard: str, team_id: str) -> dict[str, int]:
    with shard_set.connect(shard) as conn:
        return {
            table: conn.execute(
                f"SELECT count(*) FROM {table} WHERE team_id = %s",
                (team_id,),
            ).fetchone()[0]  # type: ignore[index]
            for table in TABLES
        }


def test_a_moved_workspaces_files_and_thumbnails_still_download(
    tmp_path: Path, shard_set: ShardSet
) -> None:
    settings = shard_set.settings()
    acme = make_workspace(tmp_path / "admin", "acme", settings=settings)  # shard a
    store = {"shards": shard_set.shard_urls, "directory_url": shard_set.directory_url}
    with threaded_server(tmp_path / "data", **store) as server:
        alice = server.client(acme.alice.token)
        channel = alice.conversations_create(name="moving")["channel"]["id"]
        text = alice.files_upload_v2(channel=channel, content="still here", filename="a.txt")
        image = alice.files_upload_v2(channel=channel, file=png(500, 400), filename="b.png")
        pending = alice.files_getUploadURLExternal(filename="later.txt", length=5)
        shown = wait_for(lambda: thumbs_made(alice, image["file"]["id"]), 30, "thumbnails")
        blobs = sorted(p for p in (server.data_dir / "files").rglob("*") if p.is_file())
        before = rows(shard_set, "a", acme.team_id)
        assert before == {"files": 3, "file_thumbs": 5, "file_shares": 2, "file_uploads": 1}

        report = move(settings, "acme", "b")
        assert {t: report.rows[t] for t in TABLES} == before

        assert rows(shard_set, "b", acme.team_id) == before
        assert rows(shard_set, "a", acme.team_id) == dict.fromkeys(TABLES, 0)
        # The blobs did not move: one store for every shard.
        assert sorted(p for p in (server.data_dir / "files").rglob("*") if p.is_file()) == blobs
        bearer = {"Authorization": f"Bearer {acme.bob.token}"}
        got = httpx.get(text["file"]["url_private_download"], headers=bearer, timeout=30)
        assert got.status_code == 200 and got.content == b"still here"
        thumb = httpx.get(shown["thumb_360"], headers=bearer, timeout=30)
        assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/png"
        [msg] = [
            m
            for m in alice.conversations_history(channel=channel)["messages"]
            if m.get("files", [{}])[0].get("name") == "a.txt"
        ]
        assert msg["files"][0]["id"] == text["file"]["id"]
        # An upload URL handed out before the move takes its bytes after it.
        posted = httpx.post(pending["upload_url"], content=b"later", timeout=30)
        assert posted.status_code == 200
        done = alice.files_completeUploadExternal(
            files=[{"id": pending["file_id"]}], channel_id=channel
        )
        assert done["files"][0]["size"] == 5
