"""A small Slack export, as Slack's workspace export writes it (users.json, channels.json,
groups.json, dms.json, mpims.json, a folder of day files per conversation), with files' bytes
as slackdump adds them (`__uploads/<id>/<name>` and `<folder>/attachments/<id>-<name>`), and
the cases the importer must take or skip (docs/import.md)."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import orjson

from tests.support.images import png

TEAM = "T0ACME001"
ALICE, BOB, CAROL, BOTUSER, GHOST = "U0ALICE01", "U0BOB0002", "U0CAROL03", "U0BOTUSR1", "U0GHOST01"
BOT = "B0BOT0001"
GENERAL, ARCHIVED, SECRET, DM, MPIM = (
    "C0GENERAL",
    "C0OLDNEWS",
    "G0SECRET1",
    "D0ALIBOB1",
    "G0MPIM001",
)
MPIM_NAME = "mpdm-alice--bob--carol-1"

# 2020-01-01 and 2020-01-02, in seconds
DAY1, DAY2 = 1577880000, 1577966400


def ts(seconds: int, micros: int = 0) -> str:
    return f"{seconds}.{micros:06d}"


PARENT = ts(DAY1, 100)
REPLY1, REPLY2 = ts(DAY1, 200), ts(DAY1 + 60, 300)
EDITED = ts(DAY1 + 120, 0)
BOT_MSG = ts(DAY1 + 180, 0)
MENTION = ts(DAY2, 0)
PINNED = PARENT
# A user group's mention: hubbub has no user groups yet; the text keeps it as it is.
SUBTEAM = "<!subteam^S0DEVS001|@devs>"

# Files: an image with its bytes in __uploads (shared twice), a text file with its bytes in
# general/attachments (in a thread), a PDF whose bytes the export lacks, one deleted.
PHOTO, NOTES, NOBYTES, GONE = "F0PHOTO01", "F0NOTES01", "F0NOBYTE1", "F0GONE001"
PHOTO_BYTES = png(200, 100)
NOTES_BYTES = b"line one\nline two\n" * 100


def file_object(
    file_id: str, name: str, size: int, user: str = ALICE, **more: Any
) -> dict[str, Any]:
    """A file as Slack's export shows it in a message (the fields the importer reads, and some
    it must not believe: the mimetype, the URLs)."""
    return {
        "id": file_id,
        "created": DAY1 + 10,
        "timestamp": DAY1 + 10,
        "name": name,
        "title": name.rpartition(".")[0].capitalize(),
        "mimetype": "text/html",
        "filetype": name.rpartition(".")[2],
        "user": user,
        "size": size,
        "mode": "hosted",
        "is_external": False,
        "url_private": f"https://files.slack.com/files-pri/{TEAM}-{file_id}/{name}",
        **more,
    }


PHOTO_FILE = file_object(PHOTO, "photo.png", len(PHOTO_BYTES), alt_txt="a green field")
NOTES_FILE = file_object(NOTES, "notes.txt", len(NOTES_BYTES), user=BOB)
NOBYTES_FILE = file_object(NOBYTES, "report.pdf", 12345)


def _user(uid: str, name: str, **more: Any) -> dict[str, Any]:
    profile = {"real_name": name.capitalize(), "email": f"{name}@acme.example", "title": "Tester"}
    profile.update(more.pop("profile", {}))
    return {
        "id": uid,
        "team_id": TEAM,
        "name": name,
        "real_name": name.capitalize(),
        "tz": "Europe/Paris",
        "profile": profile,
        **more,
    }


def contents() -> dict[str, Any]:
    """Name in the export -> its JSON."""
    users = [
        _user(ALICE, "alice", is_admin=True, is_owner=True),
        _user(BOB, "bob"),
        _user(CAROL, "carol", deleted=True),
        _user(BOTUSER, "deploybot", is_bot=True, profile={"bot_id": BOT, "email": None}),
        {"id": "not-an-id", "name": "broken"},  # skipped: bad id
    ]
    channels = [
        {
            "id": GENERAL,
            "name": "general",
            "created": DAY1 - 86400,
            "creator": ALICE,
            "is_archived": False,
            "is_general": True,
            "members": [ALICE, BOB, BOTUSER],
            "topic": {"value": "All things", "creator": ALICE, "last_set": DAY1},
            "purpose": {"value": "Talk with <@U0BOB0002>", "creator": ALICE, "last_set": DAY1},
            "pins": [{"id": PINNED, "type": "C", "created": DAY2, "user": BOB}],
        },
        {
            "id": ARCHIVED,
            "name": "old-news",
            "created": DAY1 - 86400,
            "creator": BOB,
            "is_archived": True,
            "members": [BOB],
            "topic": {"value": ""},
            "purpose": {"value": ""},
        },
    ]
    groups = [
        {
            "id": SECRET,
            "name": "secret",
            "created": DAY1,
            "creator": ALICE,
            "is_archived": False,
            "members": [ALICE],
            "topic": {},
            "purpose": {},
        }
    ]
    dms = [{"id": DM, "created": DAY1, "members": [ALICE, BOB]}]
    mpims = [
        {
            "id": MPIM,
            "name": MPIM_NAME,
            "created": DAY1,
            "creator": ALICE,
            "is_archived": False,
            "members": [ALICE, BOB, CAROL],
        }
    ]
    day1 = [
        {
            "type": "message",
            "subtype": "channel_join",
            "user": BOB,
            "text": "<@U0BOB0002> has joined the channel",
            "ts": ts(DAY1, 1),
        },
        {
            "type": "message",
            "user": ALICE,
            "text": "Plans for the launch",
            "ts": PARENT,
            "thread_ts": PARENT,
            "reply_count": 2,
            "reply_users": [BOB, ALICE],
            "latest_reply": REPLY2,
            "client_msg_id": "c1",
            "reactions": [{"name": "rocket", "users": [BOB, ALICE], "count": 2}],
            "files": [PHOTO_FILE, {"id": GONE, "mode": "tombstone"}],
            "upload": True,
        },
        {
            "type": "message",
            "user": BOB,
            "text": "first reply",
            "ts": REPLY1,
            "thread_ts": PARENT,
            "parent_user_id": ALICE,
        },
        {
            "type": "message",
            "user": ALICE,
            "text": "second reply",
            "ts": REPLY2,
            "thread_ts": PARENT,
            "parent_user_id": ALICE,
            "files": [NOTES_FILE, NOBYTES_FILE],
        },
        {
            "type": "message",
            "user": BOB,
            "text": f"fixed typo, {SUBTEAM}",
            "ts": EDITED,
            "edited": {"user": BOB, "ts": ts(DAY1 + 130)},
        },
        {
            "type": "message",
            "subtype": "bot_message",
            "bot_id": BOT,
            "username": "deploybot",
            "text": "Deployed v1",
            "ts": BOT_MSG,
        },
        {"type": "message", "user": GHOST, "text": "who am I", "ts": ts(DAY1 + 200)},  # skipped
        {"type": "message", "user": BOB, "text": "bad ts", "ts": "12"},  # skipped: out of range
        {"type": "message", "user": BOB, "text": "again", "ts": EDITED},  # skipped: duplicate
    ]
    day2 = [
        {
            "type": "message",
            "user": BOB,
            "text": "See <@U0ALICE01> in <#C0GENERAL|general>",
            "ts": MENTION,
            "files": [PHOTO_FILE],
        },
    ]
    return {
        "users.json": users,
        "channels.json": channels,
        "groups.json": groups,
        "dms.json": dms,
        "mpims.json": mpims,
        "integration_logs.json": [],
        "general/2020-01-01.json": day1,
        "general/2020-01-02.json": day2,
        "old-news/2020-01-01.json": [{"user": BOB, "text": "old", "ts": ts(DAY1, 5)}],
        "secret/2020-01-01.json": [{"user": ALICE, "text": "hidden words", "ts": ts(DAY1, 7)}],
        f"{DM}/2020-01-01.json": [{"user": ALICE, "text": "psst", "ts": ts(DAY1, 9)}],
        f"{MPIM_NAME}/2020-01-01.json": [{"user": CAROL, "text": "all three", "ts": ts(DAY1, 11)}],
        "nowhere/2020-01-01.json": [{"user": BOB, "text": "lost", "ts": ts(DAY1, 13)}],
        f"__uploads/{PHOTO}/photo.png": PHOTO_BYTES,
        f"general/attachments/{NOTES}-notes.txt": NOTES_BYTES,
    }


# Messages the export holds that the importer takes (7 in general, one in each of the others).
TAKEN = 7 + 4


def write_folder(root: Path, files: dict[str, Any] | None = None) -> Path:
    for name, value in (files or contents()).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(value if isinstance(value, bytes) else orjson.dumps(value))
    return root


def write_zip(path: Path, files: dict[str, Any] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, value in (files or contents()).items():
            archive.writestr(name, value if isinstance(value, bytes) else orjson.dumps(value))
    return path
