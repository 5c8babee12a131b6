"""Who can read a file (files.info and both download URLs), table-driven: its uploader, and
whoever can see now a conversation it is shared in; another workspace only through a channel
shared with it; everyone else gets file_not_found and a 404, as for a file that never was."""

from __future__ import annotations

import httpx
import pytest
from slack_sdk.errors import SlackApiError

from tests.e2e.test_shared_channels import share
from tests.support.servers import Server, Workspace, make_workspace


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
def acme(server: Server) -> Workspace:
    return make_workspace(server.data_dir, "acme")


@pytest.fixture
def globex(server: Server) -> Workspace:
    return make_workspace(server.data_dir, "globex")


@pytest.fixture
def initech(server: Server) -> Workspace:
    return make_workspace(server.data_dir, "initech")


def test_who_reads_a_file_is_who_can_see_where_it_is_shared(
    server: Server, acme: Workspace, globex: Workspace, initech: Workspace
) -> None:
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
