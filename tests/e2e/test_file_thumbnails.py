"""Thumbnails through a real server (docs/files.md, Thumbnails): an image shared with
files_upload_v2 gets its size and Slack's thumb_* fields from the background job, a file_change
in its channel, and thumbnails that download to whoever may read the file and to nobody else;
a bomb, a truncated JPEG and a file that only claims to be an image leave the server up and the
file without thumbnails; deleting a file deletes its thumbnails' blobs unless another file of
the same bytes still names them."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
from PIL import ExifTags, Image
from slack_sdk import WebClient

from hubbub.domain.thumbnails import THUMB_EDGES
from hubbub.services.hub import Hub
from tests.e2e.test_files import error_of, general, get
from tests.support.images import gif_animated, jpeg_truncated, jpeg_turned, png, png_bomb
from tests.support.rtm import rtm
from tests.support.s3 import ACCESS_KEY, REGION, SECRET_KEY, S3Bucket
from tests.support.servers import Server, Workspace, make_workspace, run_admin, threaded_server
from tests.support.waiting import wait_for

SIZED = ("360", "480", "720", "800", "960", "1024")


def thumbnailed(client: WebClient, file_id: str, timeout: float = 30) -> dict[str, Any]:
    """files.info once the thumbnail job has been (original_w is set by it, with or without
    thumbnails)."""

    def done() -> dict[str, Any] | None:
        file: dict[str, Any] = client.files_info(file=file_id)["file"]
        return file if "original_w" in file else None

    return wait_for(done, timeout, "the thumbnail job to run")


def jobs_left(server: Server) -> dict[str, Any]:
    """The jobs tables of the server's store: nothing queued, running or dead once it is done."""

    async def counts(hub: Hub) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for store in hub.shards.stores().values():
            found.update(await store.read(lambda tx: tx.job_counts()))
        return found

    return run_admin(server.data_dir, counts)


def wait_jobs_done(server: Server, timeout: float = 30) -> None:
    wait_for(lambda: not jobs_left(server), timeout, lambda: f"jobs done; left {jobs_left(server)}")


def blob_files(server: Server) -> set[Path]:
    root = server.data_dir / "files"
    return {p for p in root.rglob("*") if p.is_file() and "tmp" not in p.relative_to(root).parts}


def test_an_image_gets_its_size_and_thumbnails_which_only_its_readers_download(
    server: Server, workspace: Workspace
) -> None:
    alice = server.client(workspace.alice.token)
    channel = general(alice)
    server.client(workspace.bob.token).conversations_join(channel=channel)
    with rtm(server, workspace.bob.token) as socket:
        shared = alice.files_upload_v2(
            channel=channel, file=jpeg_turned(1200, 600), filename="photo.jpeg"
        )["file"]
        changed = socket.until(lambda e: e.get("type") == "file_change")[-1]
    assert changed["file_id"] == shared["id"] and changed["channel_id"] == channel
    assert "thumb_64" not in shared  # the job runs after the answer

    file = thumbnailed(alice, shared["id"])
    # Shown turned by its EXIF orientation: 600 wide, 1200 high.
    assert (file["original_w"], file["original_h"]) == (600, 1200)
    for edge in THUMB_EDGES:
        assert file[f"thumb_{edge}"].endswith(f"/{edge}/photo_{edge}.jpg"), edge
        assert (f"thumb_{edge}_w" in file) == (edge in SIZED), edge
    assert (file["thumb_360_w"], file["thumb_360_h"]) == (180, 360)
    assert (file["thumb_1024_w"], file["thumb_1024_h"]) == (512, 1024)
    [msg] = [m for m in alice.conversations_history(channel=channel)["messages"] if "files" in m]
    assert msg["files"][0]["thumb_360"] == file["thumb_360"]

    got = get(server, file["thumb_360"], workspace.bob.token)
    assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
    assert got.headers["content-disposition"].startswith("inline")
    assert got.headers["x-content-type-options"] == "nosniff"
    thumb = Image.open(io.BytesIO(got.content))
    assert thumb.size == (180, 360)
    exif = thumb.getexif()
    assert not exif.get_ifd(ExifTags.IFD.GPSInfo) and len(exif) == 0
    again = get(
        server, file["thumb_360"], workspace.bob.token, **{"If-None-Match": got.headers["etag"]}
    )
    assert again.status_code == 304
    ranged = get(server, file["thumb_64"], workspace.bob.token, Range="bytes=0-9")
    assert ranged.status_code == 206 and len(ranged.content) == 10

    # A private channel's file: its thumbnails are as private as the file.
    secret = alice.conversations_create(name="secret", is_private=True)["channel"]["id"]
    hidden = alice.files_upload_v2(channel=secret, file=png(500, 500), filename="plan.png")["file"]
    hidden = thumbnailed(alice, hidden["id"])
    assert hidden["thumb_480"].endswith("/480/plan_480.png") and "thumb_720" not in hidden
    assert get(server, hidden["thumb_480"], workspace.alice.token).status_code == 200
    for token in (workspace.bob.token, workspace.bot.token, "xoxp-nobody", None):
        refused = get(server, hidden["thumb_480"], token)
        assert refused.status_code == 404, token
        assert refused.headers["x-content-type-options"] == "nosniff"
    # An edge it has no thumbnail of, and a thumbnail URL of a file that is not there.
    url = hidden["thumb_480"]
    assert get(server, url.replace("/480/", "/720/"), workspace.alice.token).status_code == 404
    assert get(server, url.replace("/480/", "/x/"), workspace.alice.token).status_code == 404
    assert get(server, url.replace(hidden["id"], "FNOPE"), workspace.alice.token).status_code == 404


def test_bombs_broken_and_false_images_leave_the_server_up_and_the_file_as_it_was(
    server: Server, workspace: Workspace
) -> None:
    alice = server.client(workspace.alice.token)
    channel = general(alice)
    ids = []
    for name, data in (
        ("bomb.png", png_bomb()),
        ("half.jpg", jpeg_truncated()),
        ("liar.png", b"%!PS-Adobe-3.0 EPSF-3.0\n"),
        ("empty.gif", b"GIF89a"),
    ):
        ids.append(alice.files_upload_v2(channel=channel, file=data, filename=name)["file"]["id"])
    wait_jobs_done(server)  # done, not retried, not dead: there is nothing more to do
    for file_id in ids:
        file = alice.files_info(file=file_id)["file"]
        assert "original_w" not in file and "thumb_64" not in file, file["name"]
        assert get(server, file["url_private"], workspace.alice.token).status_code == 200
    assert alice.api_test()["ok"]

    # The server still makes thumbnails of good images after them.
    good = alice.files_upload_v2(channel=channel, file=gif_animated(), filename="anim.gif")["file"]
    shown = thumbnailed(alice, good["id"])
    assert (shown["original_w"], shown["original_h"]) == (400, 300)
    assert shown["thumb_360"].endswith("/360/anim_360.png")


def test_deleting_a_file_deletes_its_thumbnails_unless_another_file_names_them(
    server: Server, workspace: Workspace
) -> None:
    alice = server.client(workspace.alice.token)
    channel = general(alice)
    data = png(400, 200, color="purple")
    one = alice.files_upload_v2(channel=channel, file=data, filename="one.png")["file"]
    two = alice.files_upload_v2(channel=channel, file=data, filename="two.png")["file"]
    one, two = thumbnailed(alice, one["id"]), thumbnailed(alice, two["id"])
    # The same bytes: one blob, and the same thumbnails' blobs (64, 80, 160 and 360).
    assert len(blob_files(server)) == 1 + 4
    alice.files_delete(file=one["id"])
    assert len(blob_files(server)) == 1 + 4, "two still names them all"
    assert get(server, one["thumb_64"], workspace.alice.token).status_code == 404
    assert get(server, two["thumb_64"], workspace.alice.token).status_code == 200
    alice.files_delete(file=two["id"])
    assert blob_files(server) == set()
    assert error_of(lambda: alice.files_info(file=two["id"])) == "file_deleted"


def test_a_thumbnail_url_without_a_session_or_token_is_404(
    server: Server, workspace: Workspace
) -> None:
    alice = server.client(workspace.alice.token)
    channel = general(alice)
    file = alice.files_upload_v2(channel=channel, file=png(100, 100), filename="a.png")["file"]
    file = thumbnailed(alice, file["id"])
    assert httpx.get(file["thumb_80"], timeout=10).status_code == 404
    assert (
        httpx.get(file["thumb_80"], cookies={"hubbub_session": "x"}, timeout=10).status_code == 404
    )


def test_on_s3_thumbnails_are_objects_the_server_streams_to_readers_only(
    tmp_path: Path, s3_bucket: S3Bucket
) -> None:
    """files_store = "s3" (moto's server): the job reads the image from the bucket and writes
    its thumbnails there; the server streams them from it to readers, and to nobody else."""
    settings = {
        "files_store": "s3",
        "s3_bucket": s3_bucket.name,
        "s3_endpoint_url": s3_bucket.endpoint_url,
        "s3_region": REGION,
        "s3_access_key": ACCESS_KEY,
        "s3_secret_key": SECRET_KEY,
    }
    with threaded_server(tmp_path / "data", **settings) as server:
        workspace = make_workspace(server.data_dir)
        alice = server.client(workspace.alice.token)
        secret = alice.conversations_create(name="s3-secret", is_private=True)["channel"]["id"]
        file = alice.files_upload_v2(channel=secret, file=png(800, 200), filename="s3.png")
        shown = thumbnailed(alice, file["file"]["id"])
        assert (shown["original_w"], shown["original_h"]) == (800, 200)
        assert (shown["thumb_720_w"], shown["thumb_720_h"]) == (720, 180)
        bearer = {"Authorization": f"Bearer {workspace.alice.token}"}
        # Shown inline, so streamed by the server: the browser client's CSP loads images from
        # its own address only (a redirect to the bucket would be refused).
        got = httpx.get(shown["thumb_720"], headers=bearer, timeout=30)
        assert got.status_code == 200 and Image.open(io.BytesIO(got.content)).size == (720, 180)
        assert got.headers["content-type"] == "image/png"
        assert got.headers["content-disposition"].startswith("inline")
        other = {"Authorization": f"Bearer {workspace.bob.token}"}
        assert httpx.get(shown["thumb_720"], headers=other, timeout=30).status_code == 404
        # The original and its seven thumbnails (64 to 800), each an object of the bucket; the
        # 800 one is the original's own bytes (a PNG Pillow made of the same pixels both times),
        # so one object: blobs are per content.
        names = [
            o["Key"] for o in s3_bucket.client().list_objects_v2(Bucket=s3_bucket.name)["Contents"]
        ]
        assert len([n for n in names if "/tmp/" not in n]) == 1 + 6
