"""The import of a Slack export on both stores, in process: cut after its first day (what a
kill midway leaves: every day is its own commit), run again, and everything is there once; ids
another workspace holds are replaced, and every reference with them (docs/import.md)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson
import pytest

from hubbub.app import build_hub
from hubbub.config import Settings
from hubbub.services import channels, workspaces
from hubbub.services.auth import authenticate
from hubbub.services.hub import Hub
from hubbub.services.slack_import import Summary, derived_id, import_slack
from hubbub.slack_archive import ExportArchive
from tests.support import slack_export as ex
from tests.support.search_keys import key_gaps


class Cut(Exception):
    pass


async def _messages(hub: Hub, team: str, channel: str) -> list[tuple[str, int]]:
    """(ts, seq) of every message of the channel, replies included, oldest first."""
    from sqlalchemy import select

    from hubbub.store.tables import messages

    def read(tx: object) -> list[tuple[str, int]]:
        c = messages.c
        query = select(c.ts, c.seq).where(c.team_id == team, c.channel_id == channel).order_by(c.ts)
        return [(r[0], r[1]) for r in tx.conn.execute(query)]  # type: ignore[attr-defined]

    return await hub.read(team, read)


async def _index_gaps(hub: Hub, team: str) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """The workspace's searchable messages without a row of the search index, and rows of the
    index without their message; every row's keys must be in the index too, and on SQLite its
    trigrams in search_fts (tests/support/search_keys.py)."""
    from sqlalchemy import select

    from hubbub.domain.search_text import searchable
    from hubbub.store.tables import messages, search_docs

    def read(tx: Any) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
        m, d = messages.c, search_docs.c
        found = tx.conn.execute(select(m.channel_id, m.ts, m.subtype).where(m.team_id == team))
        wanted = {(r[0], r[1]) for r in found if searchable(r[2])}
        rows = tx.conn.execute(select(d.channel_id, d.ts).where(d.team_id == team)).all()
        indexed = {(r[0], r[1]) for r in rows}
        assert len(rows) == len(indexed)  # each once
        assert key_gaps(tx.conn, team) == set()
        return wanted - indexed, indexed - wanted

    # FTS5's own check is an INSERT: it runs on the writer's connection.
    return await hub.commit(team, lambda tx, _log: read(tx))


# A commit per day file, or several conversations' day files in one.
@pytest.mark.parametrize("batch", [1, 4])
async def test_an_import_cut_after_a_day_completes_when_run_again(
    hub: Hub, tmp_path: Path, batch: int
) -> None:
    export = ex.write_zip(tmp_path / "export.zip")
    days = 0

    def cut(_n: int) -> None:
        nonlocal days
        days += 1
        if days == 1:
            raise Cut

    with ExportArchive(export) as archive, pytest.raises(Cut):
        # The first commit the last one made.
        await import_slack(hub, archive, domain="acme", progress=cut, batch_messages=batch)
    first = await _messages(hub, ex.TEAM, ex.GENERAL)
    assert 0 < len(first) < 8
    assert await _index_gaps(hub, ex.TEAM) == (set(), set())
    with ExportArchive(export) as archive:
        done = await import_slack(hub, archive, domain="acme")
    assert done.counts["messages"] == ex.TAKEN
    assert done.written["messages"] == ex.TAKEN - len(first)
    stored = await _messages(hub, ex.TEAM, ex.GENERAL)
    assert [ts for ts, _ in stored] == sorted({ts for ts, _ in stored})  # each once
    assert len(stored) == 7
    assert [seq for _, seq in stored] == sorted(seq for _, seq in stored)  # seqs follow ts
    reactions = await hub.read(
        ex.TEAM, lambda tx: tx.reaction_names(ex.TEAM, ex.GENERAL, ex.PARENT)
    )
    assert reactions  # the parent's rocket, once per person
    assert await _index_gaps(hub, ex.TEAM) == (set(), set())
    with ExportArchive(export) as archive:
        again = await import_slack(hub, archive, domain="acme")
    assert set(again.written.values()) == {0}
    assert await _index_gaps(hub, ex.TEAM) == (set(), set())


async def test_a_reply_whose_parent_an_earlier_import_brought_names_its_author(
    hub: Hub, tmp_path: Path
) -> None:
    """A later export (its first day left out) with a reply without parent_user_id: its parent
    is in no day file of this run, so the import reads the parent's author from the store."""
    with ExportArchive(ex.write_zip(tmp_path / "first.zip")) as archive:
        await import_slack(hub, archive, domain="acme")
    late = ex.ts(ex.DAY2, 500)
    files = ex.contents()
    del files["general/2020-01-01.json"]
    files["general/2020-01-02.json"] = [
        *files["general/2020-01-02.json"],
        {
            "type": "message",
            "user": ex.BOB,
            "text": "late reply",
            "ts": late,
            "thread_ts": ex.PARENT,
        },
    ]
    with ExportArchive(ex.write_zip(tmp_path / "later.zip", files)) as archive:
        done = await import_slack(hub, archive, domain="acme")
    assert done.written["messages"] == 1
    reply = await hub.read(ex.TEAM, lambda tx: tx.get_message(ex.TEAM, ex.GENERAL, late))
    assert reply is not None and reply.extra.get("parent_user_id") == ex.ALICE
    assert reply.thread_ts == ex.PARENT


async def test_ids_another_workspace_holds_are_replaced_everywhere(
    hub: Hub, tmp_path: Path
) -> None:
    """Another workspace on this store already has the export's team id, #general's id and
    Bob's id: the import makes its own, and the text that named them names the new ones."""
    team = await workspaces.create_workspace(hub, "Other", "other", team_id=ex.TEAM)
    account = await workspaces.create_user(hub, "other", email="o@other.test", name="o")
    who = await authenticate(hub, account.token)
    made = await channels.create(hub, who, "theirs", is_private=False)

    def steal(tx: object) -> None:
        from sqlalchemy import update

        from hubbub.store.tables import channels as table
        from hubbub.store.tables import users

        conn = tx.conn  # type: ignore[attr-defined]
        conn.execute(
            update(table).where(table.c.channel_id == made.id).values(channel_id=ex.GENERAL)
        )
        conn.execute(update(users).where(users.c.user_id == who.user_id).values(user_id=ex.BOB))

    await hub.commit(team.id, lambda tx, _log: steal(tx))
    with ExportArchive(ex.write_zip(tmp_path / "export.zip")) as archive:
        done = await import_slack(hub, archive, domain="acme")
    new_team = derived_id("T", ex.TEAM, "acme")
    assert done.team_id == new_team
    general, bob = derived_id("C", new_team, ex.GENERAL), derived_id("U", new_team, ex.BOB)
    history = await _messages(hub, new_team, general)
    assert len(history) == 7
    mention = await hub.read(new_team, lambda tx: tx.get_message(new_team, general, ex.MENTION))
    assert mention is not None and mention.text == f"See <@{ex.ALICE}> in <#{general}|general>"
    edited = await hub.read(new_team, lambda tx: tx.get_message(new_team, general, ex.EDITED))
    assert edited is not None and edited.text == f"fixed typo, {ex.SUBTEAM}"  # kept as it was
    channel = await hub.read(new_team, lambda tx: tx.get_channel(new_team, general))
    assert channel is not None and channel.purpose == f"Talk with <@{bob}>"
    assert await hub.read(new_team, lambda tx: tx.get_user(new_team, bob)) is not None
    # Run again: the same ids, nothing more.
    with ExportArchive(ex.write_zip(tmp_path / "again.zip")) as archive:
        again = await import_slack(hub, archive, domain="acme")
    assert again.team_id == new_team and set(again.written.values()) == {0}


# -- files (services/slack_import_files.py) ----------------------------------------------------


def _without_bytes() -> dict[str, object]:
    return {k: v for k, v in ex.contents().items() if not isinstance(v, bytes)}


async def _files(hub: Hub, team: str) -> dict[str, tuple[str, int, str | None]]:
    """file id -> (state, size, blob key) of the workspace's files."""
    from sqlalchemy import select

    from hubbub.store.tables_files import files

    def read(tx: object) -> dict[str, tuple[str, int, str | None]]:
        c = files.c
        query = select(c.file_id, c.state, c.size, c.blob_key).where(c.team_id == team)
        return {r[0]: (r[1], r[2], r[3]) for r in tx.conn.execute(query)}  # type: ignore[attr-defined]

    return await hub.read(team, read)


async def _thumbnail_jobs(hub: Hub, team: str) -> list[str]:
    from sqlalchemy import select

    from hubbub.store.tables_jobs import jobs

    def read(tx: object) -> list[str]:
        query = select(jobs.c.key).where(jobs.c.team_id == team, jobs.c.kind == "thumbnail")
        return [r[0] for r in tx.conn.execute(query)]  # type: ignore[attr-defined]

    return await hub.read(team, read)


async def _run(hub: Hub, export: Path) -> Summary:
    with ExportArchive(export) as archive:
        return await import_slack(hub, archive, domain="acme")


async def test_files_without_bytes_get_them_from_a_later_export_and_lost_bytes_come_back(
    hub: Hub, tmp_path: Path
) -> None:
    bare = await _run(hub, ex.write_zip(tmp_path / "bare.zip", _without_bytes()))
    assert (bare.counts["files"], bare.written["files"], bare.counts["file_bytes"]) == (3, 3, 0)
    assert bare.skipped["file bytes: not in the export"] == 3
    stored = await _files(hub, ex.TEAM)
    assert {k: (v[0], v[2]) for k, v in stored.items()} == {
        f: ("ready", None) for f in (ex.PHOTO, ex.NOTES, ex.NOBYTES)
    }
    assert await _thumbnail_jobs(hub, ex.TEAM) == []  # nothing to read yet
    assert await hub.read(ex.TEAM, lambda tx: tx.bytes_held(ex.TEAM)) == 0  # the quota's count

    # The same export with the bytes (slackdump's hydrate): the rows get them, once.
    full = await _run(hub, ex.write_zip(tmp_path / "full.zip"))
    assert (full.written["files"], full.written["file_bytes"]) == (
        2,
        len(ex.PHOTO_BYTES) + len(ex.NOTES_BYTES),
    )
    stored = await _files(hub, ex.TEAM)
    photo_key = stored[ex.PHOTO][2]
    assert photo_key is not None and stored[ex.NOTES][2] is not None
    assert stored[ex.NOBYTES][2] is None
    held = await hub.read(ex.TEAM, lambda tx: tx.bytes_held(ex.TEAM))
    assert held == len(ex.PHOTO_BYTES) + len(ex.NOTES_BYTES)
    assert await _thumbnail_jobs(hub, ex.TEAM) == [ex.PHOTO]  # as an upload queues it
    async with hub.blobs.open(photo_key) as body:
        assert b"".join([c async for c in body]) == ex.PHOTO_BYTES

    # Bytes lost after their row was written (what a row before its bytes would leave):
    # the next run stores them again, and only them.
    await hub.blobs.delete(photo_key)
    again = await _run(hub, ex.write_zip(tmp_path / "again.zip"))
    assert (again.written["files"], again.written["file_bytes"]) == (0, len(ex.PHOTO_BYTES))
    assert await hub.blobs.size(photo_key) == len(ex.PHOTO_BYTES)
    done = await _run(hub, ex.write_zip(tmp_path / "done.zip"))
    assert (done.written["files"], done.written["file_bytes"]) == (0, 0)
    assert done.counts["file_bytes"] == full.counts["file_bytes"]


async def test_a_file_deleted_since_the_import_stays_deleted_when_it_is_run_again(
    hub: Hub, tmp_path: Path
) -> None:
    await _run(hub, ex.write_zip(tmp_path / "export.zip"))
    key = (await _files(hub, ex.TEAM))[ex.PHOTO][2]
    assert key is not None

    def delete(tx: object) -> None:  # what files.delete does to the row, then its blob goes
        tx.set_file(ex.TEAM, ex.PHOTO, state="deleted", thumbs={})  # type: ignore[attr-defined]

    await hub.commit(ex.TEAM, lambda tx, _log: delete(tx))
    await hub.blobs.delete(key)
    again = await _run(hub, ex.write_zip(tmp_path / "again.zip"))
    assert (again.written["files"], again.written["file_bytes"]) == (0, 0)
    assert (await _files(hub, ex.TEAM))[ex.PHOTO][0] == "deleted"
    assert key not in [k async for k in hub.blobs.keys(ex.TEAM)]


async def test_bytes_stored_by_a_run_killed_before_its_commit_are_named_by_the_next(
    hub: Hub, tmp_path: Path
) -> None:
    """A kill between a batch's bytes and its commit leaves blobs no row names: the next run
    puts the same bytes (kept once, content-addressed) and writes the rows naming them."""
    team = await workspaces.create_workspace(hub, "Acme", "acme", team_id=ex.TEAM, defaults=False)

    async def one(data: bytes) -> AsyncIterator[bytes]:
        yield data

    left = await hub.blobs.put(team.id, one(ex.PHOTO_BYTES), max_bytes=1 << 20)
    done = await _run(hub, ex.write_zip(tmp_path / "export.zip"))
    assert done.written["files"] == 3
    stored = await _files(hub, ex.TEAM)
    assert stored[ex.PHOTO][2] == left.key
    assert [k async for k in hub.blobs.keys(ex.TEAM)].count(left.key) == 1


def _message_with(files: list[object], micros: int = 500) -> dict[str, object]:
    return {"user": ex.BOB, "text": "files", "ts": ex.ts(ex.DAY2, micros), "files": files}


async def test_bad_files_are_skipped_with_their_reasons_and_nothing_half_written(
    hub: Hub, tmp_path: Path
) -> None:
    big = b"x" * 4096
    files = [
        {"id": "../../etc", "name": "a.txt"},
        "not a file",
        {"id": "F0NONAME1", "mode": "hidden_by_limit"},
        {"id": "F0SLASH01", "name": "../a.txt", "size": 1},
        ex.file_object("F0LIAR001", "liar.txt", 5),  # its bytes are 10
        ex.file_object("F0BIG0001", "big.bin", len(big)),  # over the server's limit
        ex.file_object("F0SHORT01", "short.txt", 50),  # its bytes are 10
        ex.file_object("F0EXTERN1", "doc.gdoc", 10, is_external=True),
    ]
    contents = ex.contents()
    contents["general/2020-01-02.json"] = [
        *contents["general/2020-01-02.json"],
        _message_with(files),
    ]
    contents["__uploads/F0LIAR001/liar.txt"] = b"0123456789"
    contents["__uploads/F0BIG0001/big.bin"] = big
    contents["general/attachments/F0SHORT01-short.txt"] = b"0123456789"
    contents["__uploads/F0EXTERN1/doc.gdoc"] = b"0123456789"
    hub.file_limits = replace(hub.file_limits, max_bytes=2048)
    done = await _run(hub, ex.write_zip(tmp_path / "export.zip", contents))
    assert {k: v for k, v in done.skipped.items() if k.startswith("file")} == {
        "file bytes: an external file": 1,
        "file bytes: larger than the upload limit": 1,
        "file bytes: not in the export": 1,
        "file bytes: not the size the export declares": 2,
        "file: a bad id": 1,
        "file: a bad name": 1,
        "file: deleted": 1,
        "file: no name": 1,
        "file: not an object": 1,
    }
    stored = await _files(hub, ex.TEAM)
    # Those refused have no row; those whose bytes were refused are metadata only.
    assert set(stored) == {
        ex.PHOTO,
        ex.NOTES,
        ex.NOBYTES,
        "F0LIAR001",
        "F0BIG0001",
        "F0SHORT01",
        "F0EXTERN1",
    }
    for file_id in ("F0LIAR001", "F0BIG0001", "F0SHORT01", "F0EXTERN1"):
        assert stored[file_id][2] is None, file_id
    keys = {k async for k in hub.blobs.keys(ex.TEAM)}
    assert keys == {stored[ex.PHOTO][2], stored[ex.NOTES][2]}  # nothing else was kept


async def test_a_folder_export_never_follows_a_link_out_of_it(hub: Hub, tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_bytes(b"not yours")
    root = ex.write_folder(tmp_path / "export", _without_bytes())
    uploads = root / "__uploads" / ex.NOTES
    uploads.mkdir(parents=True)
    (uploads / "notes.txt").symlink_to(outside)
    (root / "general" / "attachments").symlink_to(tmp_path, target_is_directory=True)
    done = await _run(hub, root)
    assert done.skipped["file bytes: not in the export"] == 3
    assert [k async for k in hub.blobs.keys(ex.TEAM)] == []


async def test_a_file_id_another_workspace_holds_is_replaced_in_the_messages_too(
    hub: Hub, tmp_path: Path
) -> None:
    first = await _run(hub, ex.write_zip(tmp_path / "export.zip"))
    assert first.team_id == ex.TEAM
    with ExportArchive(ex.write_zip(tmp_path / "again.zip")) as archive:
        other = await import_slack(hub, archive, domain="acme-copy")
    assert other.team_id == derived_id("T", ex.TEAM, "acme-copy")
    photo = derived_id("F", other.team_id, ex.PHOTO)
    stored = await _files(hub, other.team_id)
    assert photo in stored and ex.PHOTO not in stored
    general = derived_id("C", other.team_id, ex.GENERAL)
    parent = await hub.read(
        other.team_id, lambda tx: tx.get_message(other.team_id, general, ex.PARENT)
    )
    assert parent is not None and parent.extra["file_refs"] == [[other.team_id, photo]]
    shares = await hub.read(other.team_id, lambda tx: tx.shares_of_file(other.team_id, photo))
    assert [(s.channel_id, s.ts) for s in shares] == [(general, ex.PARENT), (general, ex.MENTION)]


async def test_a_big_files_bytes_are_streamed_in_and_out_never_held_whole(tmp_path: Path) -> None:
    """24 MiB in through the import and out through the export, under a bound of traced memory
    far below the file's size (a zip entry read and a blob written a chunk at a time)."""
    import os
    import tracemalloc
    import zipfile

    from hubbub.services.slack_export import export_slack
    from hubbub.slack_archive import ExportZip

    mib = 1 << 20
    big = os.urandom(24 * mib)
    contents = ex.contents()
    day2 = contents["general/2020-01-02.json"]
    contents["general/2020-01-02.json"] = [
        *day2,
        _message_with([ex.file_object("F0BIGFILE", "big.bin", len(big))]),
    ]
    contents["__uploads/F0BIGFILE/big.bin"] = big
    export = ex.write_zip(tmp_path / "export.zip", contents)
    hub = build_hub(Settings(data_dir=tmp_path / "data"))
    try:
        with ExportArchive(export) as archive:
            tracemalloc.start()
            try:
                done = await import_slack(hub, archive, domain="acme")
                _, import_peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
        assert done.written["file_bytes"] == len(big) + len(ex.PHOTO_BYTES) + len(ex.NOTES_BYTES)
        out = tmp_path / "out.zip"
        tracemalloc.start()
        try:
            with ExportZip(out) as writer:
                counts = await export_slack(hub, ex.TEAM, writer, private=True, files=True)
            _, export_peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    finally:
        await hub.close()
    assert counts["files"] == 4
    with zipfile.ZipFile(out) as archive:
        assert archive.read("__uploads/F0BIGFILE/big.bin") == big
    assert import_peak < 8 * mib, f"the import held {import_peak / mib:.1f} MiB"
    assert export_peak < 8 * mib, f"the export held {export_peak / mib:.1f} MiB"


async def test_an_export_of_a_file_whose_bytes_are_gone_keeps_it_as_metadata(
    hub: Hub, tmp_path: Path
) -> None:
    import zipfile

    from hubbub.services.slack_export import export_slack
    from hubbub.slack_archive import ExportZip

    await _run(hub, ex.write_zip(tmp_path / "export.zip"))
    key = (await _files(hub, ex.TEAM))[ex.NOTES][2]
    assert key is not None
    await hub.blobs.delete(key)
    with ExportZip(tmp_path / "out.zip") as writer:
        counts = await export_slack(hub, ex.TEAM, writer, private=True, files=True)
    assert (counts["files"], counts["files_without_bytes"]) == (3, 1)
    assert counts["file_bytes"] == len(ex.PHOTO_BYTES)
    with zipfile.ZipFile(tmp_path / "out.zip") as archive:
        uploads = [n for n in archive.namelist() if n.startswith("__uploads/")]
        replies = orjson.loads(archive.read("general/2020-01-01.json"))
    assert uploads == [f"__uploads/{ex.PHOTO}/photo.png"]
    [shared] = [m["files"] for m in replies if m["ts"] == ex.REPLY2]
    assert [f["id"] for f in shared] == [ex.NOTES, ex.NOBYTES]  # still in its message
