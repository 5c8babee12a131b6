"""The files of a Slack export, imported by `hubbub admin import-slack` and read back through
slack_sdk as any uploaded file: in history, files.info, files.list, search.files, downloads and
thumbnails; a file whose bytes the export lacks is metadata only (docs/import.md, Files)."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.e2e.test_file_thumbnails import wait_jobs_done
from tests.e2e.test_slack_import import import_slack, tokens
from tests.support import slack_export as ex
from tests.support.servers import threaded_server


def blobs(data_dir: Path) -> set[Path]:
    root = data_dir / "files"
    return {p for p in root.rglob("*") if p.is_file() and "tmp" not in p.relative_to(root).parts}


def get(url: str, token: str) -> httpx.Response:
    return httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def test_imported_files_show_download_and_get_thumbnails_as_uploads_do(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    code, first = import_slack(data_dir, ex.write_zip(tmp_path / "export.zip"))
    assert code == 0, first
    stored = blobs(data_dir)
    assert len(stored) == 2  # the photo and the notes, once each though the photo is shared twice
    code, again = import_slack(data_dir, ex.write_zip(tmp_path / "again.zip"))
    assert code == 0 and (again["written"]["files"], again["written"]["file_bytes"]) == (0, 0)
    assert blobs(data_dir) == stored

    [bob_token] = tokens(data_dir, ex.TEAM, ex.BOB)
    with threaded_server(data_dir) as server:
        bob = server.client(bob_token)
        history = {m["ts"]: m for m in bob.conversations_history(channel=ex.GENERAL)["messages"]}
        [photo] = history[ex.PARENT]["files"]  # the tombstone of the export was skipped
        assert [f["id"] for f in history[ex.MENTION]["files"]] == [ex.PHOTO]
        assert (photo["name"], photo["title"], photo["user"]) == ("photo.png", "Photo", ex.ALICE)
        assert (photo["mimetype"], photo["size"], photo["created"]) == (
            "image/png",
            len(ex.PHOTO_BYTES),
            ex.DAY1 + 10,
        )
        assert photo["alt_txt"] == "a green field" and photo["mode"] == "hosted"
        assert get(photo["url_private"], bob_token).content == ex.PHOTO_BYTES

        replies = bob.conversations_replies(channel=ex.GENERAL, ts=ex.PARENT)["messages"]
        notes, report = next(m for m in replies if m["ts"] == ex.REPLY2)["files"]
        # The type is the name's, never what the export claimed (text/html).
        assert (notes["id"], notes["mimetype"], notes["user"]) == (ex.NOTES, "text/plain", ex.BOB)
        download = get(notes["url_private_download"], bob_token)
        assert download.content == ex.NOTES_BYTES
        assert "attachment" in download.headers["content-disposition"]
        # Metadata only: what it was, and nothing to download.
        assert (report["id"], report["name"], report["size"]) == (ex.NOBYTES, "report.pdf", 12345)
        assert report["mode"] == "hidden_by_limit"
        assert "url_private" not in report and "url_private_download" not in report

        info = bob.files_info(file=ex.PHOTO)["file"]
        shares = info["shares"]["public"][ex.GENERAL]
        assert [s["ts"] for s in shares] == [ex.PARENT, ex.MENTION]
        thread = bob.files_info(file=ex.NOTES)["file"]["shares"]["public"][ex.GENERAL]
        assert [(s["ts"], s["thread_ts"]) for s in thread] == [(ex.REPLY2, ex.PARENT)]
        listed = bob.files_list(channel=ex.GENERAL)["files"]
        assert {f["id"] for f in listed} == {ex.PHOTO, ex.NOTES, ex.NOBYTES}
        found = bob.search_files(query="report")["files"]["matches"]
        assert [f["id"] for f in found] == [ex.NOBYTES]

        wait_jobs_done(server)  # the thumbnail job the import queued, as an upload does
        made = bob.files_info(file=ex.PHOTO)["file"]
        assert (made["original_w"], made["original_h"]) == (200, 100)
        assert get(made["thumb_64"], bob_token).status_code == 200
