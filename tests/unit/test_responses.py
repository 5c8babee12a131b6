"""The answer schemas of /api/openapi.json (api/responses.py): one per method, and the shared
records exactly as domain/shapes.py writes them, so the two cannot drift apart."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
import schemathesis

from hubbub.api.openapi import document
from hubbub.api.records import COMPONENTS
from hubbub.api.responses import SUCCESS, success
from hubbub.api.routes import method_table
from hubbub.domain.apps import App
from hubbub.domain.bookmarks import Bookmark, bookmark_json
from hubbub.domain.files import READY, File
from hubbub.domain.model import Channel, Message, Reaction, Team, User
from hubbub.domain.reminders import Recurrence, Reminder, reminder_json
from hubbub.domain.shapes import (
    USER_TEAM,
    bot_json,
    bot_profile_json,
    channel_json,
    external_user_json,
    file_json,
    message_json,
    team_json,
    user_json,
)
from hubbub.domain.urls import PublicUrls
from hubbub.domain.usergroups import Usergroup, usergroup_json
from hubbub.domain.views import View, view_json
from tests.support.schemas import problems

TEAM = Team("T1", "Acme", "acme", 1_700_000_000)
USER = User(
    team_id="T1",
    id="U1",
    name="alice",
    real_name="Alice Liddell",
    email=None,
    is_admin=False,
    is_owner=False,
    is_bot=False,
    bot_id=None,
    deleted=False,
    tz="UTC",
    manual_away=False,
    updated=1_700_000_000,
)
FULL_USER = replace(USER, email="alice@acme.test", bot_id="B1", is_bot=True)
AT = datetime(2026, 7, 1, tzinfo=UTC)
CHANNEL = Channel(
    team_id="T1",
    id="C1",
    name="general",
    is_private=False,
    is_im=False,
    is_mpim=False,
    creator="U1",
    created=1_700_000_000,
    is_archived=False,
    topic="",
    topic_creator="",
    topic_last_set=0,
    purpose="",
    purpose_creator="",
    purpose_last_set=0,
    last_seq=0,
    last_us=0,
)
SHARED_CHANNEL = replace(
    CHANNEL, has_shares=True, shared_team_ids=("T1", "T2"), pending_team_ids=("T3",)
)
IM = replace(CHANNEL, id="D1", name="", is_im=True, is_private=True, im_user="U2")
MESSAGE = Message(
    team_id="T1",
    channel_id="C1",
    ts="1700000000.000001",
    user_id="U1",
    bot_id=None,
    subtype=None,
    text="hello",
    blocks=None,
    attachments=None,
    thread_ts=None,
    reply_count=0,
    reply_users=(),
    latest_reply=None,
    edited_ts=None,
    edited_by=None,
    client_msg_id=None,
)
PARENT = replace(
    MESSAGE,
    bot_id="B1",
    subtype="bot_message",
    blocks=[{"type": "section"}],
    attachments=[{"text": "a"}],
    thread_ts=MESSAGE.ts,
    reply_count=1,
    reply_users=("U2",),
    latest_reply="1700000000.000002",
    edited_ts="1700000000.000003",
    edited_by="U1",
    client_msg_id="m-1",
    extra={USER_TEAM: "T2", "username": "robot"},
    reactions=(Reaction("wave", ("U1", "U2")),),
    pinned_to=("C1",),
)
REPLY = replace(
    MESSAGE, ts="1700000000.000002", thread_ts=MESSAGE.ts, extra={"parent_user_id": "U1"}
)


def test_every_method_has_its_answer_and_nothing_else_does() -> None:
    table = set(method_table())
    assert table <= set(SUCCESS), f"add their answers to api/responses.py: {table - set(SUCCESS)}"
    assert set(SUCCESS) <= table, f"no such methods: {set(SUCCESS) - table}"


def test_every_answer_takes_ok_true_and_no_error() -> None:
    for name in SUCCESS:
        schema = success(name)
        assert problems(schema, {"ok": False}), name
        if name in ("conversations.kick", "pins.add", "dnd.endDnd"):
            assert problems(schema, {"ok": True}) == []
            assert problems(schema, {"ok": True, "error": "x"}), name


def test_every_reference_in_the_document_names_a_component() -> None:
    names: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                names.append(node["$ref"].removeprefix("#/components/schemas/"))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document(method_table()))
    assert names and set(names) <= set(COMPONENTS)


URLS = PublicUrls.at("https://chat.example.com")
TITLE = {"type": "plain_text", "text": "Hi"}
VIEW = View(
    "T1", "V1", "A1", "B1", "U1", "V1", None, "1.a", {"type": "modal", "title": TITLE, "blocks": []}
)
PUSHED = replace(
    VIEW,
    id="V2",
    previous_view_id="V1",
    body={**VIEW.body, "submit": TITLE, "close": TITLE, "external_id": "x", "callback_id": "c"},
    state={"b": {"a": {"type": "plain_text_input", "value": "v"}}},
)
# A file imported without its bytes (services/slack_import_files.py): no download URLs.
BARE_FILE = File("T1", "F1", "U1", 1_700_000_000, "a.png", "a.png", "image/png", "png", 9, READY)
FULL_FILE = replace(
    BARE_FILE,
    blob_key="T1/ab/cd/" + "a" * 64,
    sha256="a" * 64,
    alt_txt="a cat",
    snippet_type="python",
    original_w=800,
    original_h=600,
    thumbs={"64": (64, 48), "360": (360, 270)},
)


GROUP = Usergroup(
    "T1", "S1", "Devs", "devs", "", (), 1_700_000_000, "U1", 1_700_000_000, "U1", 0, None
)
BOOKMARK = Bookmark("T1", "C1", "Bk1", "Docs", "https://x.test", "", 1_700_000_000, 0, "U1")
DISABLED_GROUP = replace(GROUP, channels=("C1",), deleted=1_700_000_001, deleted_by="U1")

BOT = replace(USER, bot_id="B1", is_bot=True)
REMINDER = Reminder("T1", "RmABC123", "U1", "U2", "stand-up", 1_700_000_000, 0)
PICTURED_BOT = replace(
    BOT,
    profile={
        "image_36": "https://x.test/36.png",
        "image_48": "https://x.test/48.png",
        "image_72": "https://x.test/72.png",
    },
)
APP = App(
    "T1", "A1", "Deploys", "U1", "B1", frozenset(), "s", "v", frozenset(), None, True, 1_700_000_000
)

# (component, the serialiser's fewest keys, its most): the schema must require exactly the
# first and allow all of the second, besides what the methods add (listed in the schema).
RECORDS = [
    ("Team", team_json(TEAM), team_json(TEAM)),
    ("User", user_json(USER, AT), user_json(FULL_USER, AT)),
    ("Profile", user_json(USER, AT)["profile"], user_json(FULL_USER, AT)["profile"]),
    ("ExternalUser", external_user_json(USER, AT), external_user_json(FULL_USER, AT)),
    (
        "ExternalProfile",
        external_user_json(USER, AT)["profile"],
        external_user_json(FULL_USER, AT)["profile"],
    ),
    (
        "Channel",
        channel_json(CHANNEL),
        channel_json(SHARED_CHANNEL, is_member=True, last_read=MESSAGE.ts, num_members=2),
    ),
    ("Im", channel_json(IM), channel_json(IM, last_read=MESSAGE.ts, num_members=2)),
    ("Message", message_json(MESSAGE), message_json(PARENT, with_channel=True)),
    ("File", file_json(BARE_FILE, URLS), file_json(FULL_FILE, URLS)),
    (
        "Usergroup",
        usergroup_json(GROUP),
        usergroup_json(DISABLED_GROUP, users=["U1"], user_count=1),
    ),
    (
        "Bookmark",
        bookmark_json(BOOKMARK),
        bookmark_json(replace(BOOKMARK, emoji=":clap:", updated=1_700_000_001)),
    ),
    (
        "Reminder",
        reminder_json(REMINDER),
        reminder_json(
            replace(REMINDER, complete_ts=1_700_000_009, recurrence=Recurrence((0, 4), 32_400))
        ),
    ),
    ("Bot", bot_json(BOT, None), bot_json(PICTURED_BOT, APP)),
    ("BotProfile", bot_profile_json(BOT, APP), bot_profile_json(PICTURED_BOT, APP)),
    ("View", view_json(VIEW), view_json(PUSHED)),
]


@pytest.mark.parametrize(("name", "fewest", "most"), RECORDS, ids=[r[0] for r in RECORDS])
def test_a_record_schema_is_what_its_serialiser_writes(
    name: str, fewest: dict[str, Any], most: dict[str, Any]
) -> None:
    schema = COMPONENTS[name]
    assert problems(schema, fewest) == []
    assert problems(schema, most) == []
    assert set(schema["required"]) == set(fewest)
    if schema.get("additionalProperties") is False:
        assert set(most) <= set(schema["properties"])
    else:  # a message: what its extra held besides
        assert set(most) - set(schema["properties"]) == {"username"}


def test_a_reply_and_a_thread_parent_are_messages() -> None:
    for msg in (REPLY, PARENT, MESSAGE):
        assert problems(COMPONENTS["Message"], message_json(msg)) == []
    assert problems(COMPONENTS["Message"], {**message_json(MESSAGE), "ts": 1700000000})


def test_the_document_is_valid_openapi() -> None:
    # Against the OpenAPI 3.0 schema: raises on anything the spec does not allow.
    schemathesis.openapi.from_dict(document(method_table())).validate()
