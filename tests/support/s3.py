"""S3 for the tests of the S3 adapter: moto's standalone server, on 127.0.0.1.

No S3-compatible server (MinIO, Ceph, ...) installs on these machines, from PyPI or Debian; moto
does, from the locked dev dependencies. It runs in a process of its own (`moto.server`'s
`main`, the server ThreadedMotoServer runs on a thread) so that it works on the other
core rather than taking turns with the tests for one GIL, and so that what tracemalloc counts in
the tests is the adapter's memory, not moto's copy of every upload. Each test gets a bucket of
its own (`s3_bucket`). moto does not check signatures: a presigned URL's shape is tested here,
not its security.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from tests.support.servers import answers, free_port
from tests.support.waiting import wait_for

REGION = "us-east-1"
# moto takes any key; these are for the signing only.
ACCESS_KEY = "hubbub-test"
SECRET_KEY = "hubbub-test-secret"
START_TIMEOUT_S = 30.0
# moto's server, ended by the end of its stdin too: a test process that is killed (a timeout)
# closes the pipe as it dies, where a terminate() in the fixture would never run.
_SERVER = """
import os, sys, threading
from moto.server import main
threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
main(sys.argv[1:])
"""


@dataclass(frozen=True)
class S3Bucket:
    endpoint_url: str
    name: str

    def client(self) -> Any:
        """A plain boto3 client, to look at the bucket the adapter wrote."""
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def everything(self) -> list[str]:
        """Every object and every multipart upload in progress in the bucket."""
        s3 = self.client()
        objects = s3.list_objects_v2(Bucket=self.name).get("Contents", [])
        uploads = s3.list_multipart_uploads(Bucket=self.name).get("Uploads", [])
        return sorted(
            [o["Key"] for o in objects] + [f"upload:{u['Key']}:{u['UploadId']}" for u in uploads]
        )


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", _SERVER, "-H", "127.0.0.1", "-p", str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:

        def started() -> bool:
            assert process.poll() is None, f"moto's server exited with {process.returncode}"
            return answers(f"{url}/moto-api/")

        wait_for(started, timeout=START_TIMEOUT_S, interval=0.1, what=f"moto's server on {url}")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        assert process.stdin is not None
        process.stdin.close()


@pytest.fixture
def s3_bucket(moto_endpoint: str) -> Iterator[S3Bucket]:
    bucket = S3Bucket(moto_endpoint, f"hubbub-{uuid.uuid4().hex[:16]}")
    s3 = bucket.client()
    s3.create_bucket(Bucket=bucket.name)
    yield bucket
    # moto keeps every bucket in its memory for the whole session.
    for upload in s3.list_multipart_uploads(Bucket=bucket.name).get("Uploads", []):
        s3.abort_multipart_upload(
            Bucket=bucket.name, Key=upload["Key"], UploadId=upload["UploadId"]
        )
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket.name):
        for obj in page.get("Contents", []):
            s3.delete_object(Bucket=bucket.name, Key=obj["Key"])
    s3.delete_bucket(Bucket=bucket.name)
