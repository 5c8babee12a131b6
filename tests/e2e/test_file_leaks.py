"""Who can read a file (files.info and both download URLs), table-driven: its uploader, and
whoever can see now a conversation it is shared in; another workspace only through a channel
shared with it; everyone else gets file_not_found and a 404, as for a file that never was.
Embedded, and on two PostgreSQL shards with the two sides of the shared channel on different
shards (a file's rows stay with its uploader's workspace, the message goes to the host's)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from slack_sdk.errors import SlackApiError

from tests.e2e.test_shared_channels import share
from tests.support.checks import thumbs_made
from tests.support.images import png
from tests.support.rtm import rtm
from tests.support.servers import Server, Workspace, make_workspace, threaded_server
from tests.support.shards import ShardSet
from tests.support.waiting import wait_for

World = tuple[Server, Workspace, Workspace, Workspace]


def reads(server: Server, token: str, file: dict[str, str]) -> bool:
    """Whether the token reads the file by every way there is; all of them must agree."""
    try:
        server.client(token).files_info(file=file["id"])
        info = True
    except SlackApiError as exc:
        assert exc.response["error"] == "file_not_found"
        info = False
    for url in (file["url_private"], file["url_private_download"]):
        got = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert got.status_code == (200 if info else 404), url
    return info


@pytest.fixture
def embedded(server: Server) -> World:
    acme, globex, initech = (
        make_workspace(server.data_dir, d) for d in ("acme", "globex", "initech")
    )
    return server, acme, globex, initech


@pytest.fixture
def sharded(tmp_path: Path, shard_set: ShardSet) -> Iterator[World]:
    settings = shard_set.settings()
    # Each to the least loaded shard: acme on a, globex on b, initech on a or b.
    made = [make_workspace(tmp_path / "admin", d, settings=settings) for d in ("acme", "globex")]
    made.append(make_workspace(tmp_path / "admin", "initech", settings=settings))
    with shard_set.connect_directory() as conn:
        placed = dict(conn.execute("SELECT domain, shard FROM directory_workspaces").fetchall())
    assert placed["acme"] != placed["globex"], placed
    store = {"shards": shard_set.shard_urls, "directory_url": shard_set.directory_url}
    with threaded_server(tmp_path / "data", **store) as server:
        yield server, made[0], made[1], made[2]


@pytest.fixture(params=["embedded", "sharded"])
def world(request: pytest.FixtureRequest) -> World:
    found: World = request.getfixturevalue(request.param)
    return found


def test_who_reads_a_file_is_who_can_see_where_it_is_shared(world: World) -> None:
    server, acme, globex, initech = world
    alice = server.client(acme.alice.token)
    public = alice.conversations_create(name="open")["channel"]["id"]
    private = alice.conversations_create(name="closed", is_private=True)["channel"]["id"]
    alice.conversations_invite(channel=public, users=acme.bob.user_id)
    alice.conversations_invite(channel=private, users=acme.bob.user_id)
    dm = alice.conversations_open(users=acme.bob.user_id)["channel"]["id"]
    shared = share(server, acme, globex)

    def upload(token: str, channel: str | None, name: str) -> dict[str, str]:
        client = server.client(token)
        if channel is None:
            return dict(client.files_upload_v2(content=name, filename=name)["file"])
        return dict(client.files_upload_v2(channel=channel, content=name, filename=name)["file"])

    files = {
        "public": upload(acme.alice.token, public, "p.txt"),
        "private": upload(acme.alice.token, private, "q.txt"),
        "dm": upload(acme.alice.token, dm, "d.txt"),
        "mine": upload(acme.alice.token, None, "m.txt"),
        "shared by the host": upload(acme.bob.token, shared, "h.txt"),
        "shared by a guest": upload(globex.bob.token, shared, "g.txt"),
    }
    people = {
        "acme alice": acme.alice.token,
        "acme bob": acme.bob.token,
        "acme carol": acme.carol.token,
        "acme bot": acme.bot.token,
        "globex bob": globex.bob.token,
        "globex carol": globex.carol.token,
        "initech alice": initech.alice.token,
    }
    # Who reads what: a public channel's files anyone of its workspace; a shared channel's,
    # anyone of either side that sees it (public on both sides here), whoever shared them.
    both = {"globex bob", "globex carol"}
    expected = {
        "public": {"acme alice", "acme bob", "acme carol", "acme bot"},
        "private": {"acme alice", "acme bob"},
        "dm": {"acme alice", "acme bob"},
        "mine": {"acme alice"},
        "shared by the host": {"acme alice", "acme bob", "acme carol", "acme bot", *both},
        "shared by a guest": {"acme alice", "acme bob", "acme carol", "acme bot", *both},
    }
    found = {
        kind: {who for who, token in people.items() if reads(server, token, file)}
        for kind, file in files.items()
    }
    assert found == expected
    # initech, in no channel with either, reads nothing at all.
    # search.files finds, for each person, exactly the files they read (docs/search.md, Files);
    # sharded, the shared channel's files are on both shards.
    for who, token in people.items():
        if who == "acme bot":
            continue  # people search; a bot's token is refused
        hits = server.client(token).search_files(query="txt", count=100)["files"]["matches"]
        readable = {files[kind]["id"] for kind, readers in expected.items() if who in readers}
        assert {f["id"] for f in hits} == readable, who

    # Leaving the private channel takes its files away; deleting takes them from everyone.
    server.client(acme.bob.token).conversations_leave(channel=private)
    assert not reads(server, acme.bob.token, files["private"])
    alice.files_delete(file=files["public"]["id"])
    # Those who could see it are told it is deleted; nobody downloads it.
    with pytest.raises(SlackApiError) as caught:
        server.client(acme.carol.token).files_info(file=files["public"]["id"])
    assert caught.value.response["error"] == "file_deleted"
    for who in people.values():
        got = httpx.get(
            files["public"]["url_private"], headers={"Authorization": f"Bearer {who}"}, timeout=30
        )
        assert got.status_code == 404
    assert not reads(server, globex.bob.token, files["public"])
    # A URL naming the file under another workspace names nothing.
    moved = dict(files["mine"])
    moved["url_private"] = moved["url_private"].replace(acme.team_id, globex.team_id)
    moved["url_private_download"] = moved["url_private_download"].replace(
        acme.team_id, globex.team_id
    )
    assert not reads(server, acme.alice.token, {**moved, "id": "F0NOSUCHFILE"})


def test_files_shared_across_shards_show_share_thumbnail_and_delete(world: World) -> None:
    """A guest's file in a channel its host holds (on the other shard when sharded): the
    host's people see it in history, pins and files.info, download it and its thumbnails;
    the guest lists it by the channel; its deletion is a tombstone on the host's side too."""
    server, acme, globex, _ = world
    shared = share(server, acme, globex)
    guest = server.client(globex.bob.token)
    host = server.client(acme.alice.token)
    with rtm(server, acme.bob.token) as socket:
        done = guest.files_upload_v2(
            channel=shared, file=png(400, 300), filename="plan.png", initial_comment="the plan"
        )["file"]
        # The thumbnail job runs on the guest's shard; its file_change is logged on the host's.
        heard = socket.until(lambda e: e.get("type") == "file_change", timeout=30)
    kinds = [e["type"] for e in heard if e["type"].startswith("file_") or e["type"] == "message"]
    assert kinds == ["file_created", "message", "file_shared", "file_change"]
    assert heard[-1]["file_id"] == done["id"] and heard[-1]["channel_id"] == shared
    assert done["channels"] == [shared] and done["user_team"] == globex.team_id
    [msg] = [m for m in host.conversations_history(channel=shared)["messages"] if "files" in m]
    assert msg["files"][0]["name"] == "plan.png" and msg["text"] == "the plan"
    assert [f["id"] for f in guest.files_list(channel=shared)["files"]] == [done["id"]]
    assert host.files_info(file=done["id"])["file"]["channels"] == [shared]
    shown = wait_for(lambda: thumbs_made(host, done["id"]), 30, "thumbnails")
    got = httpx.get(shown["thumb_360"], headers={"Authorization": f"Bearer {acme.bob.token}"})
    assert got.status_code == 200 and got.headers["content-type"] == "image/png"
    assert reads(server, acme.carol.token, done)
    # Events written on the host's shard show the guest's file as it is, not as a tombstone:
    # pin_added, and message_changed of the guest's edit (with chat.update's own answer).
    with rtm(server, acme.bob.token) as socket:
        host.pins_add(channel=shared, timestamp=msg["ts"])
        pinned = socket.until(lambda e: e.get("type") == "pin_added")[-1]
        edited = guest.chat_update(channel=shared, ts=msg["ts"], text="the plan, v2")
        changed = socket.until(lambda e: e.get("subtype") == "message_changed")[-1]
    assert [f["name"] for f in pinned["item"]["message"]["files"]] == ["plan.png"]
    assert [f["name"] for f in changed["message"]["files"]] == ["plan.png"]
    assert [f["name"] for f in changed["previous_message"]["files"]] == ["plan.png"]
    assert [f["name"] for f in edited["message"]["files"]] == ["plan.png"]
    # Completing again shares nothing twice.
    again = guest.files_completeUploadExternal(files=[{"id": done["id"]}], channel_id=shared)
    assert again["files"][0]["id"] == done["id"]
    messages = host.conversations_history(channel=shared)["messages"]
    assert len([m for m in messages if "files" in m]) == 1

    with rtm(server, acme.bob.token) as socket:
        guest.files_delete(file=done["id"])
        gone = socket.until(lambda e: e.get("type") == "file_deleted")[-1]
    assert gone["file_id"] == done["id"] and gone["channel_ids"] == [shared]
    [msg] = [m for m in host.conversations_history(channel=shared)["messages"] if "files" in m]
    assert msg["files"] == [{"id": done["id"], "mode": "tombstone"}]
    with pytest.raises(SlackApiError) as caught:
        host.files_info(file=done["id"])
    assert caught.value.response["error"] == "file_deleted"
    bearer = {"Authorization": f"Bearer {acme.alice.token}"}
    assert httpx.get(done["url_private"], headers=bearer).status_code == 404
    assert (
        httpx.get(
            shown["thumb_360"], headers={"Authorization": f"Bearer {acme.bob.token}"}
        ).status_code
        == 404
    )
