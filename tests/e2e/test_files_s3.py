"""Files kept in S3 (`files_store = "s3"`, moto's standalone server: tests/support/s3.py),
end to end with slack_sdk: the bytes land in the bucket; a download is a redirect to the
bucket's presigned GET; an image shown inline is served by the server itself, because the
browser client's Content-Security-Policy lets it load images from its own address only."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.e2e.test_files import PNG, general
from tests.support.s3 import ACCESS_KEY, REGION, SECRET_KEY, S3Bucket
from tests.support.servers import make_workspace, threaded_server


def test_files_in_s3_are_downloaded_from_the_bucket_and_images_shown_from_the_server(
    tmp_path: Path, s3_bucket: S3Bucket
) -> None:
    with threaded_server(
        tmp_path / "data",
        files_store="s3",
        s3_bucket=s3_bucket.name,
        s3_endpoint_url=s3_bucket.endpoint_url,
        s3_region=REGION,
        s3_access_key=ACCESS_KEY,
        s3_secret_key=SECRET_KEY,
    ) as server:
        workspace = make_workspace(server.data_dir)
        alice = server.client(workspace.alice.token)
        channel = general(alice)
        doc = alice.files_upload_v2(channel=channel, content="report body", filename="r.txt")
        image = alice.files_upload_v2(channel=channel, content=PNG, filename="dot.png")
        stored = [key for key in s3_bucket.everything() if workspace.team_id in key]
        assert len(stored) >= 2

        bob = {"Authorization": f"Bearer {workspace.bob.token}"}
        with httpx.Client(timeout=30, follow_redirects=False) as http:
            for url in (doc["file"]["url_private_download"], doc["file"]["url_private"]):
                answer = http.get(url, headers=bob)
                assert answer.status_code == 302, url
                assert answer.headers["location"].startswith(s3_bucket.endpoint_url)
                fetched = http.get(answer.headers["location"])
                assert fetched.content == b"report body"
                assert fetched.headers["content-disposition"].startswith("attachment")

            shown = http.get(image["file"]["url_private"], headers=bob)
            assert shown.status_code == 200 and shown.content == PNG
            assert shown.headers["content-disposition"].startswith("inline")
            assert shown.headers["content-type"] == "image/png"
            # Downloading it is still the bucket's work.
            saved = http.get(image["file"]["url_private_download"], headers=bob)
            assert saved.status_code == 302
            # Nobody without a right to it is sent anywhere.
            assert http.get(doc["file"]["url_private_download"]).status_code == 404
