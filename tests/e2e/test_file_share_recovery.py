"""A completion into a channel another shard holds, cut after its first commit (what a crash of
the process between the two leaves): the messages are there, the file is not ready, and the
job queued with the messages finishes it, once however often it runs (docs/files.md)."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from slack_sdk.errors import SlackApiError

from hubbub.domain.files import READY, UPLOADED
from hubbub.domain.jobs import Job
from hubbub.services.auth import authenticate
from hubbub.services.file_sharing import (
    FINISH_SHARE_DELAY_US,
    FINISH_SHARE_JOB,
    Share,
    finish_share_job,
    post_elsewhere,
)
from tests.e2e.test_shared_channels import share
from tests.support.servers import Workspace, make_workspace, threaded_app
from tests.support.shards import ShardSet


def _two_shards(
    tmp_path: Path, shard_set: ShardSet
) -> tuple[Workspace, Workspace, dict[str, str], dict[str, Any]]:
    """acme and globex, each on its own shard; which shard holds which; the server's store."""
    settings = shard_set.settings()
    acme = make_workspace(tmp_path / "admin", "acme", settings=settings)
    globex = make_workspace(tmp_path / "admin", "globex", settings=settings)
    with shard_set.connect_directory() as conn:
        placed = dict(conn.execute("SELECT domain, shard FROM directory_workspaces").fetchall())
    assert placed["acme"] != placed["globex"], placed
    store = {"shards": shard_set.shard_urls, "directory_url": shard_set.directory_url}
    return acme, globex, placed, store


def test_a_completion_across_shards_cut_after_its_messages_is_finished_by_its_job(
    tmp_path: Path, shard_set: ShardSet
) -> None:
    acme, globex, placed, store = _two_shards(tmp_path, shard_set)
    with threaded_app(tmp_path / "data", **store) as app:
        server, hub = app.server, app.front.api.hub
        shared = share(server, acme, globex)
        guest, host = server.client(globex.bob.token), server.client(acme.alice.token)
        given = guest.files_getUploadURLExternal(filename="cut.txt", length=5)
        assert httpx.post(given["upload_url"], content=b"hello", timeout=30).status_code == 200
        file_id = given["file_id"]

        async def first_step_only() -> None:
            who = await authenticate(hub, globex.bob.token)
            team = globex.team_id
            file = await hub.read(team, lambda tx: tx.get_file(team, file_id))
            assert file is not None and file.state == UPLOADED
            fresh = [replace(file, state=READY, title="Cut short")]
            await post_elsewhere(hub, who, fresh, Share(channels=(shared,)), acme.team_id)

        queued_at = time.time()
        app.run(first_step_only()).result(30)
        [msg] = [m for m in host.conversations_history(channel=shared)["messages"] if "files" in m]
        assert [f["id"] for f in msg["files"]] == [file_id]
        with pytest.raises(SlackApiError) as caught:
            host.files_info(file=file_id)  # not shared yet on the guest's shard
        assert caught.value.response["error"] == "file_not_found"

        # The job waits on the host's shard, due once the request would have finished.
        with shard_set.connect(placed["acme"]) as conn:
            rows = conn.execute(
                "SELECT id, team_id, payload, run_at FROM jobs WHERE kind = %s",
                (FINISH_SHARE_JOB,),
            ).fetchall()
        [(row_id, team_id, payload, run_at)] = rows
        assert team_id == globex.team_id
        assert run_at >= (queued_at * 10**6) + FINISH_SHARE_DELAY_US - 5 * 10**6
        job = Job(str(row_id), team_id, FINISH_SHARE_JOB, orjson.loads(payload), 1)
        for _ in range(2):  # a second run (a retry after a lost ack) changes nothing
            app.run(finish_share_job(hub, job)).result(30)

        info: dict[str, Any] = host.files_info(file=file_id)["file"]
        assert (info["name"], info["title"], info["channels"]) == ("cut.txt", "Cut short", [shared])
        bearer = {"Authorization": f"Bearer {acme.bob.token}"}
        assert httpx.get(info["url_private"], headers=bearer, timeout=30).content == b"hello"
        assert [f["id"] for f in guest.files_list(channel=shared)["files"]] == [file_id]
        assert len(guest.files_info(file=file_id)["file"]["shares"]["public"][shared]) == 1


def test_the_job_of_a_completion_that_finished_changes_nothing(
    tmp_path: Path, shard_set: ShardSet
) -> None:
    """The usual case: the request finished it; the job, run when due, finds it done."""
    acme, globex, placed, store = _two_shards(tmp_path, shard_set)
    with threaded_app(tmp_path / "data", **store) as app:
        server, hub = app.server, app.front.api.hub
        shared = share(server, acme, globex)
        guest = server.client(globex.bob.token)
        done = guest.files_upload_v2(channel=shared, content="whole", filename="whole.txt")
        file_id = done["file"]["id"]
        with shard_set.connect(placed["acme"]) as conn:
            [(row_id, payload)] = conn.execute(
                "SELECT id, payload FROM jobs WHERE kind = %s", (FINISH_SHARE_JOB,)
            ).fetchall()
        before = guest.files_info(file=file_id)["file"]
        job = Job(str(row_id), globex.team_id, FINISH_SHARE_JOB, orjson.loads(payload), 1)
        app.run(finish_share_job(hub, job)).result(30)
        after = guest.files_info(file=file_id)["file"]
        assert after["shares"] == before["shares"] and after["title"] == before["title"]
        bad = Job(str(row_id), globex.team_id, FINISH_SHARE_JOB, {"shares": 3}, 1)
        with pytest.raises(Exception, match="bad payload"):
            app.run(finish_share_job(hub, bad)).result(30)
