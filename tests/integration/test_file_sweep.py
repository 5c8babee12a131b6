"""jobs/file_sweep.py on both stores, with the real blob directory: uploads never completed go
with their rows, orphan blobs go once they are older than the grace period, and nothing a file
or a thumbnail names ever goes."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator

from hubbub.blobs.filesystem import FileBlobs
from hubbub.domain.files import DELETED
from hubbub.domain.model import Identity
from hubbub.domain.thumbnails import Thumb
from hubbub.jobs.file_sweep import FileSweeper
from hubbub.services import emoji, files, workspaces
from hubbub.services.auth import authenticate
from hubbub.services.file_sharing import Share
from hubbub.services.hub import EventLog, Hub
from hubbub.store.tx import Tx
from tests.support.images import png

GRACE_S = 600.0
LONG_AGO = 10_000  # seconds: older than the grace period and an upload URL's life together


async def _person(hub: Hub) -> Identity:
    await workspaces.create_workspace(hub, "Acme", "acme")
    account = await workspaces.create_user(hub, "acme", email="a@acme.test", name="a")
    return await authenticate(hub, account.token)


async def _one(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def _put(hub: Hub, team_id: str, data: bytes, *, age_s: float = 0) -> str:
    stored = await hub.blobs.put(team_id, _one(data), max_bytes=len(data))
    if age_s:
        assert isinstance(hub.blobs, FileBlobs)
        then = time.time() - age_s
        os.utime(hub.blobs.root / stored.key, (then, then))
    return stored.key


async def _keys(hub: Hub, team_id: str) -> set[str]:
    return {key async for key in hub.blobs.keys(team_id)}


async def _age_file(hub: Hub, team_id: str, file_id: str) -> None:
    await hub.commit(
        team_id, lambda tx, _log: tx.set_file(team_id, file_id, created=tx.now - LONG_AGO)
    )


async def _shared_file(hub: Hub, who: Identity, data: bytes, name: str) -> str:
    stored = await files.store_bytes(hub, who, _one(data))
    shown = await files.upload_legacy(
        hub, who, stored, name=name, title=None, filetype=None, share=Share()
    )
    file_id: str = shown["id"]
    return file_id


async def test_orphans_go_once_old_and_what_rows_name_stays(hub: Hub) -> None:
    who = await _person(hub)
    team = who.team_id
    # Named by a ready file, and by a thumbnail: old, but kept.
    named_id = await _shared_file(hub, who, b"a file people see", "seen.txt")
    named = (await hub.read(team, lambda tx: tx.get_file(team, named_id))).blob_key  # type: ignore[union-attr]
    thumb_key = await _put(hub, team, b"a thumbnail's bytes", age_s=LONG_AGO)

    def thumbs(tx: Tx, _log: EventLog) -> None:
        tx.set_thumbs(team, named_id, 100, 100, [Thumb("64", 64, 64, thumb_key, 19, "image/png")])

    await hub.commit(team, thumbs)
    assert named is not None
    os.utime(hub.blobs.root / named, (time.time() - LONG_AGO,) * 2)  # type: ignore[attr-defined]
    # A crash between the bytes and the row: an orphan, old or new.
    old_orphan = await _put(hub, team, b"stored, never named", age_s=LONG_AGO)
    new_orphan = await _put(hub, team, b"stored a moment ago")
    # A deleted file whose blob's delete failed: only its deleted row names it.
    gone_id = await _shared_file(hub, who, b"deleted, blob left", "gone.txt")
    gone = await hub.read(team, lambda tx: tx.get_file(team, gone_id))
    assert gone is not None and gone.blob_key is not None
    await hub.commit(team, lambda tx, _log: tx.set_file(team, gone_id, state=DELETED))
    os.utime(hub.blobs.root / gone.blob_key, (time.time() - LONG_AGO,) * 2)  # type: ignore[attr-defined]

    sweeper = FileSweeper(hub, interval_s=1, grace_s=GRACE_S, page=2)
    assert await sweeper.run_once() == 2
    assert await _keys(hub, team) == {named, thumb_key, new_orphan}
    assert await sweeper.run_once() == 0, "a second pass finds nothing"
    assert old_orphan not in await _keys(hub, team)


async def test_uploads_never_completed_go_with_their_rows_and_bytes(hub: Hub) -> None:
    who = await _person(hub)
    team = who.team_id
    # An upload URL nobody used, long ago; and one just handed out.
    stale = await files.upload_url(hub, who, filename="never.txt", length=5)
    fresh = await files.upload_url(hub, who, filename="soon.txt", length=5)
    await _age_file(hub, team, stale.file_id)
    # Bytes sent long ago, never completed.
    sent = await files.upload_url(hub, who, filename="sent.txt", length=4)
    key = sent.url.rsplit("/", 1)[-1]
    assert await files.receive_upload(hub, key, _one(b"sent")) == 4
    await _age_file(hub, team, sent.file_id)
    sent_file = await hub.read(team, lambda tx: tx.get_file(team, sent.file_id))
    assert sent_file is not None and sent_file.blob_key is not None
    os.utime(hub.blobs.root / sent_file.blob_key, (time.time() - LONG_AGO,) * 2)  # type: ignore[attr-defined]
    # Completed long ago: a file like any other, kept.
    done_id = await _shared_file(hub, who, b"done", "done.txt")
    await _age_file(hub, team, done_id)
    held_before = await hub.read(team, lambda tx: tx.bytes_held(team))

    sweeper = FileSweeper(hub, interval_s=1, grace_s=GRACE_S, batch=1)
    # Two uploads' rows, and the blob of the one that had bytes, in one pass.
    assert await sweeper.run_once() == 3

    def left(tx: Tx) -> dict[str, object]:
        return {
            f: tx.get_file(team, f) is not None
            for f in (stale.file_id, fresh.file_id, sent.file_id, done_id)
        } | {"pending": tx.pending_upload(team, stale.file_id)}

    assert await hub.read(team, left) == {
        stale.file_id: False,
        fresh.file_id: True,
        sent.file_id: False,
        done_id: True,
        "pending": None,
    }
    assert sent_file.blob_key not in await _keys(hub, team)
    # What the quota counts: the bytes sent (4) and the stale URL's length (5) no more.
    assert await hub.read(team, lambda tx: tx.bytes_held(team)) == held_before - 4 - 5


async def test_a_custom_emojis_image_stays_until_the_emoji_is_removed(hub: Hub) -> None:
    who = await _person(hub)
    team = who.team_id
    added = await emoji.add_image(hub, team, who.user_id, "party", png(32, 32))
    assert added.blob_key is not None
    os.utime(hub.blobs.root / added.blob_key, (time.time() - LONG_AGO,) * 2)  # type: ignore[attr-defined]
    sweeper = FileSweeper(hub, interval_s=1, grace_s=GRACE_S)
    assert await sweeper.run_once() == 0
    assert added.blob_key in await _keys(hub, team)
    await emoji.remove(hub, team, "party")
    assert await sweeper.run_once() == 1
    assert await _keys(hub, team) == set()
