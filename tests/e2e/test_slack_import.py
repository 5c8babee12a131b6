"""`hubbub admin import-slack` end to end: a Slack export in, its workspace read back through
slack_sdk with the ids and timestamps it had; run twice, it stores everything once; bad exports
are refused with nothing written (docs/import.md)."""

from __future__ import annotations

import csv
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from slack_sdk.errors import SlackApiError

from hubbub.services import workspaces
from hubbub.services.auth import issue_token
from hubbub.services.hub import Hub
from hubbub.web.session import CSRF_HEADER, SESSION_COOKIE, session_csrf
from tests.e2e.test_abuse_limits import login
from tests.support import slack_export as ex
from tests.support.forms import form_csrf
from tests.support.servers import env_for, make_workspace, run_admin, threaded_server


def import_slack(data_dir: Path, export: Path, domain: str = "acme") -> tuple[int, dict[str, Any]]:
    # The claims file goes beside the data: on PostgreSQL nothing else makes that folder.
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "hubbub",
            "admin",
            "import-slack",
            str(export),
            "--domain",
            domain,
            "--data-dir",
            str(data_dir),
            "--claims",
            str(data_dir.parent / "claims.csv"),
        ],
        env=env_for(data_dir),
        capture_output=True,
        timeout=120,
    )
    return done.returncode, orjson.loads(done.stdout)


def tokens(data_dir: Path, team_id: str, *users: str) -> list[str]:
    async def work(hub: Hub) -> list[str]:
        return await hub.commit(
            team_id, lambda tx, _log: [issue_token(tx, team_id, u, "xoxp") for u in users]
        )

    return run_admin(data_dir, work)


def test_an_export_comes_in_with_its_ids_and_times_once_however_often_it_is_run(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    export = ex.write_zip(tmp_path / "export.zip")
    code, first = import_slack(data_dir, export)
    assert code == 0 and first["ok"] is True, first
    assert first["team_id"] == ex.TEAM
    counts = {k: first[k] for k in ("users", "channels", "messages", "reactions", "pins")}
    assert counts == {"users": 4, "channels": 5, "messages": ex.TAKEN, "reactions": 2, "pins": 1}
    assert first["written"]["messages"] == ex.TAKEN
    file_bytes = len(ex.PHOTO_BYTES) + len(ex.NOTES_BYTES)
    assert (first["files"], first["file_bytes"]) == (3, file_bytes)
    assert (first["written"]["files"], first["written"]["file_bytes"]) == (3, file_bytes)
    assert first["skipped"] == {
        "a folder of day files for no conversation in the export": 1,
        "file bytes: not in the export": 1,  # kept as metadata only
        "file: deleted": 1,
        "message: a ts out of range": 1,
        "message: duplicate ts": 1,
        "message: from a person not in users.json": 1,
        "user: a bad id": 1,
    }
    code, again = import_slack(data_dir, ex.write_folder(tmp_path / "unpacked"))
    assert code == 0 and {k: again[k] for k in counts} == counts
    assert (again["files"], again["file_bytes"]) == (3, file_bytes)
    assert set(again["written"].values()) == {0}

    alice_token, bob_token = tokens(data_dir, ex.TEAM, ex.ALICE, ex.BOB)
    with threaded_server(data_dir) as server:
        alice, bob = server.client(alice_token), server.client(bob_token)
        everything = "public_channel,private_channel,mpim,im"
        listed = alice.conversations_list(types=everything)["channels"]
        assert {c["id"] for c in listed} == {ex.GENERAL, ex.ARCHIVED, ex.SECRET, ex.DM, ex.MPIM}
        assert [c["is_archived"] for c in listed if c["id"] == ex.ARCHIVED] == [True]
        info = bob.conversations_info(channel=ex.GENERAL)["channel"]
        assert info["topic"]["value"] == "All things"
        assert info["purpose"]["value"] == "Talk with <@U0BOB0002>"
        assert info["last_read"] == ex.MENTION  # history is not news

        history = bob.conversations_history(channel=ex.GENERAL)["messages"]
        shown = {m["ts"]: m for m in history}
        assert [m["ts"] for m in history] == [
            ex.MENTION,
            ex.BOT_MSG,
            ex.EDITED,
            ex.PARENT,
            ex.ts(ex.DAY1, 1),
        ]
        assert shown[ex.MENTION]["text"] == "See <@U0ALICE01> in <#C0GENERAL|general>"
        assert shown[ex.EDITED]["edited"] == {"user": ex.BOB, "ts": ex.ts(ex.DAY1 + 130)}
        assert shown[ex.EDITED]["text"] == f"fixed typo, {ex.SUBTEAM}"  # verbatim
        parent = shown[ex.PARENT]
        assert (parent["reply_count"], parent["reply_users"]) == (2, [ex.BOB, ex.ALICE])
        [rocket] = parent["reactions"]
        assert (rocket["name"], rocket["count"]) == ("rocket", 2)
        assert sorted(rocket["users"]) == sorted([ex.BOB, ex.ALICE])
        bot = shown[ex.BOT_MSG]
        assert (bot["subtype"], bot["bot_id"], bot["user"]) == ("bot_message", ex.BOT, ex.BOTUSER)
        assert bot["username"] == "deploybot"
        assert shown[ex.ts(ex.DAY1, 1)]["subtype"] == "channel_join"
        replies = bob.conversations_replies(channel=ex.GENERAL, ts=ex.PARENT)["messages"]
        assert [m["ts"] for m in replies] == [ex.PARENT, ex.REPLY1, ex.REPLY2]
        [pin] = bob.pins_list(channel=ex.GENERAL)["items"]
        assert pin["message"]["ts"] == ex.PINNED and pin["created_by"] == ex.BOB

        people = {u["id"]: u for u in alice.users_list()["members"]}
        assert people[ex.ALICE]["is_admin"] and people[ex.ALICE]["tz"] == "Europe/Paris"
        assert people[ex.CAROL]["deleted"] and people[ex.BOTUSER]["is_bot"]
        assert [m["text"] for m in alice.conversations_history(channel=ex.DM)["messages"]] == [
            "psst"
        ]
        with pytest.raises(SlackApiError) as caught:
            bob.conversations_history(channel=ex.SECRET)
        assert caught.value.response["error"] == "channel_not_found"

        found = bob.search_messages(query="launch")["messages"]["matches"]
        assert [m["ts"] for m in found] == [ex.PARENT]
        assert bob.search_messages(query="hidden")["messages"]["matches"] == []
        posted = bob.chat_postMessage(channel=ex.GENERAL, text="after the move")["ts"]
        assert posted > ex.MENTION  # what comes next orders after the history


def _zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize(
    ("name", "files", "detail"),
    [
        ("not-a-zip", None, "not a zip file"),
        ("slip", {"users.json": b"[]", "../evil.json": b"[]"}, "an entry leaves the export"),
        ("absolute", {"/etc/users.json": b"[]"}, "an entry leaves the export"),
        (
            "bytes-slip",  # a file's bytes, named to land outside
            {"users.json": b"[]", "__uploads/F0PHOTO01/../../../evil.png": b"x"},
            "an entry leaves the export",
        ),
        (
            "bytes-absolute",
            {"users.json": b"[]", "/general/attachments/F0PHOTO01-a.png": b"x"},
            "an entry leaves the export",
        ),
        (
            "bomb",  # 60 MB that pack to ~60 KB
            {
                "users.json": b"[]",
                **{f"general/2020-01-0{d}.json": b" " * (20 << 20) for d in "123"},
            },
            "bomb",
        ),
        ("broken-json", {"users.json": b"[{"}, "users.json is not JSON"),
        ("no-users", {"channels.json": b"[]"}, "no users.json"),
    ],
)
def test_a_bad_export_is_refused_with_nothing_written(
    tmp_path: Path, name: str, files: dict[str, bytes] | None, detail: str
) -> None:
    data_dir = tmp_path / "data"
    make_workspace(data_dir, "other")  # the store exists, with someone else in it
    export = tmp_path / f"{name}.zip"
    if files is None:
        export.write_text("this is a text file, not a zip")
    else:
        _zip(export, files)
    code, answer = import_slack(data_dir, export)
    assert code == 1
    assert (answer["ok"], answer["error"]) == (False, "invalid_export")
    assert detail in answer["detail"]

    async def acme(hub: Hub) -> str | None:
        return await hub.shards.team_for_domain("acme")

    assert run_admin(data_dir, acme) is None


def test_a_domain_of_another_workspace_is_refused(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    theirs = make_workspace(data_dir, "acme")
    code, answer = import_slack(data_dir, ex.write_zip(tmp_path / "export.zip"))
    assert code == 1 and "belongs to another workspace" in answer["detail"]

    async def names(hub: Hub) -> list[str]:
        team = await workspaces.team_id_of(hub, "acme")
        return [u.id for u in await hub.read(team, lambda tx: tx.list_users(team, "", 100))]

    assert ex.ALICE not in run_admin(data_dir, names) and theirs.team_id != ex.TEAM


def test_imported_people_claim_their_accounts_by_their_links_once(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    code, answer = import_slack(data_dir, ex.write_zip(tmp_path / "export.zip"))
    assert code == 0 and answer["claims"]["links"] == 2  # not the deactivated, not the bot
    path = Path(answer["claims"]["file"])
    assert path.stat().st_mode & 0o077 == 0  # the links hand over accounts
    with path.open() as rows:
        links = {row["user_id"]: row for row in csv.DictReader(rows)}
    assert set(links) == {ex.ALICE, ex.BOB}
    assert links[ex.BOB]["email"] == "bob@acme.example"
    url = links[ex.BOB]["url"]
    with threaded_server(data_dir) as server:
        path_of = url.split("://", 1)[1].split("/", 1)[1]
        with httpx.Client(base_url=server.url, follow_redirects=False, timeout=30) as web:
            page = web.get("/" + path_of)
            assert page.status_code == 200 and "Claim my account" in page.text
            assert 'value="bob@acme.example"' in page.text
            form = {"csrf_token": form_csrf(page.text), "email": "bob@acme.example"}
            short = web.post("/" + path_of, data={**form, "password": "short"})
            assert short.status_code == 400 and "at least 8" in short.text
            done = web.post("/" + path_of, data={**form, "password": "bob's own pw"})
            assert done.status_code == 303
            csrf = session_csrf(web.cookies[SESSION_COOKIE])
            me = web.post("/api/auth.test", headers={CSRF_HEADER: csrf})
            assert me.json()["user_id"] == ex.BOB
            again = web.get("/" + path_of)
            assert again.status_code == 404  # spent
        with httpx.Client(base_url=server.url, follow_redirects=False, timeout=30) as web:
            assert login(web, "acme", "bob@acme.example", "bob's own pw").status_code == 303
    # A run again makes links for those who still have none to claim: alice only.
    code, rerun = import_slack(data_dir, ex.write_zip(tmp_path / "again.zip"))
    assert code == 0 and rerun["claims"]["links"] == 1


def export_slack(data_dir: Path, out: Path, *more: str) -> dict[str, Any]:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "hubbub",
            "admin",
            "export-slack",
            "--domain",
            "acme",
            "--out",
            str(out),
            "--data-dir",
            str(data_dir),
            *more,
        ],
        env=env_for(data_dir),
        capture_output=True,
        timeout=120,
        check=True,
    )
    answer: dict[str, Any] = orjson.loads(done.stdout)
    return answer


def snapshot(data_dir: Path) -> dict[str, Any]:
    """Everything an export carries, as the store holds it: people, conversations with their
    members and pins, every message with its thread, edit, reactions and files, and the files
    with their shares and bytes."""

    async def work(hub: Hub) -> dict[str, Any]:
        team = await workspaces.team_id_of(hub, "acme")

        def read(tx: Any) -> dict[str, Any]:
            people = [
                (u.id, u.name, u.real_name, u.email, u.is_admin, u.is_bot, u.deleted, u.tz)
                for u in tx.list_users(team, "", 1000)
            ]
            conversations = {}
            for c in tx.team_channels(team):
                msgs = tx.hydrate(tx.channel_messages(team, c.id, "", 1000))
                conversations[c.id] = {
                    "kind": (c.name if not c.is_im else "im", c.is_private, c.is_mpim),
                    "about": (c.topic, c.purpose, c.is_archived, c.creator),
                    "members": sorted(tx.member_ids(team, c.id, "", 1000)),
                    "pins": [(m.ts, by) for m, by, _ in tx.list_pins(team, c.id)],
                    "messages": [
                        (
                            m.ts,
                            m.user_id,
                            m.bot_id,
                            m.subtype,
                            m.text,
                            m.thread_ts,
                            m.reply_count,
                            m.reply_users,
                            m.edited_ts,
                            m.edited_by,
                            sorted((r.name, tuple(sorted(r.users))) for r in m.reactions),
                            m.extra.get("parent_user_id"),
                            m.extra.get("file_refs"),
                        )
                        for m in msgs
                    ],
                }
            files = {
                f.id: (
                    (f.user_id, f.created, f.name, f.title, f.mimetype, f.filetype, f.size),
                    (f.state, f.blob_key, f.sha256, f.alt_txt, f.snippet_type),
                    [
                        (s.channel_id, s.ts, s.thread_ts, s.user_id, s.created)
                        for s in tx.shares_of_file(team, f.id)
                    ],
                )
                for f in tx.files_page(
                    team,
                    user_id=None,
                    channel=None,
                    filetypes=None,
                    ts_from=None,
                    ts_to=None,
                    before=None,
                    limit=1000,
                )
            }
            return {"team": team, "people": people, "conversations": conversations, "files": files}

        found = await hub.read(team, read)
        for file_id, (_, (_, key, _, _, _), _) in found["files"].items():
            if key is not None:
                async with hub.blobs.open(key) as body:
                    found["files"][file_id] += (b"".join([c async for c in body]),)
        return found

    return run_admin(data_dir, work)


def test_an_export_imported_again_reproduces_the_workspace(tmp_path: Path) -> None:
    first = tmp_path / "first" / "data"
    assert import_slack(first, ex.write_zip(tmp_path / "export.zip"))[0] == 0
    public = export_slack(first, tmp_path / "public.zip")
    assert (public["channels"], public["messages"]) == (2, 8)  # general and old-news only
    with zipfile.ZipFile(tmp_path / "public.zip") as archive:
        assert "groups.json" not in archive.namelist()
        assert not [n for n in archive.namelist() if n.startswith(("secret/", ex.DM))]
    with zipfile.ZipFile(tmp_path / "public.zip") as archive:
        assert not [n for n in archive.namelist() if n.startswith("__uploads/")]  # no --files
    full = export_slack(first, tmp_path / "full.zip", "--private", "--files")
    assert (full["users"], full["channels"], full["messages"], full["pins"]) == (4, 5, ex.TAKEN, 1)
    assert (full["files"], full["file_bytes"]) == (3, len(ex.PHOTO_BYTES) + len(ex.NOTES_BYTES))
    with zipfile.ZipFile(tmp_path / "full.zip") as archive:
        day = orjson.loads(archive.read("general/2020-01-01.json"))
        assert [m["text"] for m in day if m["ts"] == ex.EDITED] == [f"fixed typo, {ex.SUBTEAM}"]
        assert archive.read(f"__uploads/{ex.PHOTO}/photo.png") == ex.PHOTO_BYTES
        assert archive.read(f"__uploads/{ex.NOTES}/notes.txt") == ex.NOTES_BYTES

    second = tmp_path / "second" / "data"
    code, answer = import_slack(second, tmp_path / "full.zip")
    # The file without bytes goes out and comes back as metadata only.
    assert code == 0 and answer["skipped"] == {"file bytes: not in the export": 1}, answer
    before, after = snapshot(first), snapshot(second)
    assert after == before
    assert len(before["files"]) == 3 and before["files"][ex.PHOTO][-1] == ex.PHOTO_BYTES
    replies = before["conversations"][ex.GENERAL]["messages"]
    assert [r[-2] for r in replies if r[0] == ex.REPLY1] == [ex.ALICE]  # parent_user_id
    assert [r[-1] for r in replies if r[0] == ex.REPLY2] == [
        [[ex.TEAM, ex.NOTES], [ex.TEAM, ex.NOBYTES]]
    ]
