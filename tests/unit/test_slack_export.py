"""The records of a Slack export, checked one by one (domain/slack_export.py), and the renames
of ids another workspace holds (services/slack_import.py Renames)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hubbub.domain.slack_export import (
    Refused,
    channel_of,
    check_ts,
    message_of,
    user_of,
)
from hubbub.domain.slack_files import FileRefused, file_of
from hubbub.services.slack_import import Renames, derived_id

NOW_US = 1_800_000_000 * 10**6


def test_a_message_keeps_what_slack_wrote() -> None:
    raw = {
        "type": "message",
        "user": "U0ALICE01",
        "text": "hi",
        "ts": "1577880000.000100",
        "thread_ts": "1577880000.000100",
        "reply_count": 2,
        "reply_users": ["U0BOB0002", 3],
        "edited": {"user": "U0BOB0002", "ts": "1577880001.000000"},
        "client_msg_id": "x" * 99,
        "reactions": [
            {"name": "+1", "users": ["U0BOB0002", "U0BOB0002", "bad"]},
            {"name": "<script>", "users": ["U0BOB0002"]},
        ],
        "username": "shown",
        "secret_field": "dropped",
    }
    msg = message_of(raw, NOW_US, {})
    assert (msg.ts, msg.thread_ts, msg.reply_count) == ("1577880000.000100",) * 2 + (2,)
    assert msg.reply_users == ("U0BOB0002",)
    assert msg.edited == ("1577880001.000000", "U0BOB0002")
    assert msg.reactions == (("+1", ("U0BOB0002",)),)
    assert msg.client_msg_id == "x" * 64
    assert msg.extra == {"username": "shown"}


def test_a_bot_message_is_its_bots_user_or_slackbots() -> None:
    raw = {"subtype": "bot_message", "bot_id": "B0BOT0001", "text": "x", "ts": "1577880000.1"}
    assert message_of(raw, NOW_US, {"B0BOT0001": "U0BOTUSR1"}).user_id == "U0BOTUSR1"
    assert message_of(raw, NOW_US, {}).user_id == "USLACKBOT"


@pytest.mark.parametrize(
    "raw",
    [
        [],
        {"type": "file_comment", "user": "U0ALICE01", "ts": "1577880000.000100"},
        {"user": "U0ALICE01", "ts": "12"},
        {"user": "U0ALICE01", "ts": "9999999999.000000"},
        {"user": "U0ALICE01", "ts": 1577880000},
        {"user": "../../x", "ts": "1577880000.000100"},
        {"user": "U0ALICE01", "ts": "1577880000.000100", "subtype": "DROP TABLE"},
        {"user": "U0ALICE01", "ts": "1577880000.000100", "text": 7},
    ],
)
def test_what_is_no_message_of_slacks_is_refused(raw: Any) -> None:
    with pytest.raises(Refused):
        message_of(raw, NOW_US, {})


@given(st.text(max_size=40))
def test_a_ts_is_taken_only_in_slacks_form_and_lifetime(text: str) -> None:
    try:
        ts = check_ts(text, NOW_US)
    except Refused:
        return
    assert len(ts) == 17 and ts[10] == "." and "1000000000" <= ts[:10] <= "1800086400"


def test_users_and_conversations_are_checked() -> None:
    user = user_of({"id": "U0ALICE01", "name": "alice", "profile": {"email": " A@X.EXAMPLE "}})
    assert (user.email, user.real_name, user.tz) == ("a@x.example", "alice", "UTC")
    with pytest.raises(Refused):
        user_of({"id": "C0NOTAUSER", "name": "x"})
    dm = channel_of({"id": "D0ALIBOB1", "members": ["U0ALICE01", "U0BOB0002", 5]}, "im", NOW_US)
    assert (dm.folder, dm.members) == ("D0ALIBOB1", ("U0ALICE01", "U0BOB0002"))
    mpim = channel_of({"id": "G0MPIM001", "name": "mpdm-a--b-1"}, "mpim", NOW_US)
    assert (mpim.folder, mpim.other_folders) == ("mpdm-a--b-1", ("G0MPIM001",))
    for bad in ({"id": "C0GENERAL"}, {"id": "D0ALIBOB1", "name": "x"}):
        with pytest.raises(Refused):
            channel_of(bad, "public", NOW_US)


def test_renames_rewrite_mentions_and_nothing_else() -> None:
    new = derived_id("U", "T0ACME001", "U0BOB0002")
    assert new == derived_id("U", "T0ACME001", "U0BOB0002") and new.startswith("U")
    renames = Renames({"U0BOB0002": new, "C0GENERAL": "C0NEWGENRL"})
    text = (
        "hi <@U0BOB0002> and <@U0BOB0002|bob> in <#C0GENERAL|general>; U0BOB0002 plain;"
        " <!subteam^S0DEVS001|@devs>"
    )
    # A user group's mention is kept as it is (hubbub has no user groups yet).
    assert renames.text(text) == (
        f"hi <@{new}> and <@{new}|bob> in <#C0NEWGENRL|general>; U0BOB0002 plain;"
        " <!subteam^S0DEVS001|@devs>"
    )
    assert Renames().text(text) == text


def test_a_messages_files_are_checked_one_by_one() -> None:
    photo = {
        "id": "F0PHOTO01",
        "name": "photo.png",
        "title": "Photo\x00",  # a control character: the name is the title
        "mimetype": "text/html",  # never believed: the name says what it is
        "filetype": "png",
        "user": "U0ALICE01",
        "created": 1577880000,
        "size": True,  # no size of Slack's
        "alt_txt": "a" * 2000,
    }
    msg = message_of(
        {
            "user": "U0ALICE01",
            "ts": "1577880000.000100",
            "files": [photo, photo, {"id": "F0GONE001", "mode": "tombstone"}, {"id": "x"}],
        },
        NOW_US,
        {},
    )
    [file] = msg.files
    assert (file.id, file.title, file.mimetype, file.filetype) == (
        "F0PHOTO01",
        "photo.png",
        "image/png",
        "png",
    )
    assert (file.size, len(file.alt_txt or ""), file.external) == (None, 1000, False)
    assert msg.skipped_files == ("file: deleted", "file: a bad id")


def test_an_older_exports_single_file_and_an_external_one_are_taken() -> None:
    raw = {
        "subtype": "file_share",
        "user": "U0ALICE01",
        "ts": "1577880000.000100",
        "file": {"id": "F0DOC0001", "name": "Plan", "mode": "external", "size": 10},
    }
    [doc] = message_of(raw, NOW_US, {}).files
    assert (doc.name, doc.filetype, doc.mimetype, doc.external) == (
        "Plan",
        "binary",
        "application/octet-stream",
        True,
    )
    for bad, reason in [
        ({"id": "F0NONAME1", "mode": "hidden_by_limit"}, "no name"),
        ({"id": "F0SLASH01", "name": "a/../b"}, "a bad name"),
        ({"id": "U0ALICE01", "name": "a"}, "a bad id"),
        ({"id": "F0DELETE1", "name": "a", "is_deleted": True}, "deleted"),
        ("F0PHOTO01", "not an object"),
    ]:
        with pytest.raises(FileRefused, match=reason):
            file_of(bad)
