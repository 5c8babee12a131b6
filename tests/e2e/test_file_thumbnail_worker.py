"""Thumbnails made by `hubbub worker` in its own process, on PostgreSQL with jobs on Redis
Streams (job_queue = "redis": the server runs no job itself): the worker reads the image from
the blob directory the server wrote it to, stores the thumbnails there, and the server serves
them."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import redis

from tests.e2e.test_files import general
from tests.support.images import jpeg_turned
from tests.support.servers import env_for, make_workspace, settings_for, threaded_server
from tests.support.waiting import wait_for


def test_a_worker_process_makes_the_thumbnails_the_server_serves(
    tmp_path: Path, redis_server: Any, redis_prefix: str, postgres_url: str
) -> None:
    data_dir = tmp_path / "data"
    shared = {
        "job_queue": "redis",
        "redis_url": redis_server.url,
        "redis_prefix": redis_prefix,
        "database_url": postgres_url,
    }
    env = {f"HUBBUB_{k.upper()}": str(v) for k, v in shared.items()}
    worker: subprocess.Popen[bytes] | None = None
    try:
        with threaded_server(data_dir, **shared) as server:
            workspace = make_workspace(data_dir, settings=settings_for(data_dir, **shared))
            alice = server.client(workspace.alice.token)
            channel = general(alice)
            file = alice.files_upload_v2(
                channel=channel, file=jpeg_turned(1600, 900), filename="wide.jpg"
            )["file"]
            time.sleep(0.5)  # nothing runs the job yet: no worker
            assert "original_w" not in alice.files_info(file=file["id"])["file"]
            worker = subprocess.Popen(
                [sys.executable, "-m", "hubbub", "worker", "--data-dir", str(data_dir)],
                env=env_for(data_dir, **env),
            )

            def thumbnailed() -> dict[str, Any] | None:
                assert worker is not None and worker.poll() is None, "the worker died"
                shown: dict[str, Any] = alice.files_info(file=file["id"])["file"]
                return shown if "thumb_1024" in shown else None

            shown = wait_for(thumbnailed, timeout=60, interval=0.1, what="the worker's thumbnails")
            assert (shown["original_w"], shown["original_h"]) == (900, 1600)
            got = httpx.get(
                shown["thumb_1024"],
                headers={"Authorization": f"Bearer {workspace.alice.token}"},
                timeout=30,
            )
            assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
    finally:
        if worker is not None and worker.poll() is None:
            worker.terminate()
            worker.wait(20)
        r = redis.Redis.from_url(redis_server.url)
        for key in r.keys(f"{redis_prefix}*"):
            r.delete(key)
        r.close()
