"""What bots reach for first (issue 21): chat.postMessage to a channel by name and to a person by
id, metadata, app_id and bot_profile, the name and icon a bot chooses, and bots.info; through
slack_sdk's WebClient and AsyncWebClient."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.web.async_client import AsyncWebClient

from hubbub.services.apps import NewApp
from tests.support.apps import make_app
from tests.support.checks import error_of, events
from tests.support.servers import Server, Workspace, module_server, module_workspace

server = module_server("botfields")
workspace = module_workspace()

METADATA = {"event_type": "task_created", "event_payload": {"id": "TK-1", "tags": ["a", "b"]}}


@pytest.fixture(scope="module")
def app(server: Server, workspace: Workspace) -> NewApp:
    return make_app(
        server.data_dir, name="Tasks", scopes=["chat:write", "users:read", "im:history"]
    )


@pytest.fixture(scope="module")
def styled(server: Server, workspace: Workspace) -> NewApp:
    """An app granted chat:write.customize: it may choose its messages' name and icon."""
    return make_app(
        server.data_dir, name="Styled", scopes=["chat:write", "chat:write.customize", "users:read"]
    )


def _channel(client: WebClient, *, private: bool = False) -> tuple[str, str]:
    name = "n-" + uuid.uuid4().hex[:12]
    made = client.conversations_create(name=name, is_private=private)["channel"]["id"]
    return name, made


def _history(client: WebClient, channel: str, **args: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.conversations_history(channel=channel, **args)["messages"]
    return found


def _ims(client: WebClient) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.conversations_list(types="im")["channels"]
    return found


# -- the channel by name -----------------------------------------------------------------------


def test_a_post_names_its_channel_with_or_without_the_hash(
    server: Server, workspace: Workspace
) -> None:
    alice = server.client(workspace.alice.token)
    name, channel = _channel(alice)
    one = alice.chat_postMessage(channel="#" + name, text="with a hash")
    two = alice.chat_postMessage(channel=name, text="without")
    assert one["channel"] == two["channel"] == channel
    assert one["message"]["text"] == "with a hash"
    posted = [m["ts"] for m in _history(alice, channel) if "subtype" not in m]
    assert posted == [two["ts"], one["ts"]]
    me = alice.chat_meMessage(channel="#" + name, text="waves")
    assert me["channel"] == channel
    ephemeral = alice.chat_postEphemeral(
        channel="#" + name, user=workspace.alice.user_id, text="only you"
    )
    assert ephemeral["message_ts"]


def test_a_name_that_is_no_channel_the_poster_may_use_is_refused_and_writes_nothing(
    server: Server, workspace: Workspace
) -> None:
    alice, bob = server.client(workspace.alice.token), server.client(workspace.bob.token)
    name, channel = _channel(alice)
    secret_name, secret = _channel(bob, private=True)
    gone_name, gone = _channel(alice)
    alice.conversations_archive(channel=gone)
    before = [events(server, workspace.team_id, c) for c in (channel, secret, gone)]
    post = alice.chat_postMessage
    for unknown in ("#no-such-channel", "no-such-channel", "#", "#" + "x" * 81, "#" + secret_name):
        assert error_of(post, channel=unknown, text="hi") == "channel_not_found", unknown
    assert error_of(post, channel=gone_name, text="hi") == "is_archived"
    assert error_of(bob.chat_postMessage, channel=name, text="hi") == "not_in_channel"
    assert error_of(post, channel=name, text="") == "no_text"
    assert (
        error_of(alice.chat_postEphemeral, channel="#nope", user=workspace.bob.user_id, text="x")
        == "channel_not_found"
    )
    assert [events(server, workspace.team_id, c) for c in (channel, secret, gone)] == before


# -- a person by id: the DM ------------------------------------------------------------------


def test_a_bot_posting_to_a_person_writes_in_their_dm_opened_once(
    server: Server, workspace: Workspace, app: NewApp
) -> None:
    bot = server.client(app.bot_token)
    bob = server.client(workspace.bob.token)
    first = bot.chat_postMessage(channel=workspace.bob.user_id, text="hello bob")
    second = bot.chat_postMessage(channel=workspace.bob.user_id, text="again")
    dm = first["channel"]
    assert dm.startswith("D") and second["channel"] == dm
    opened = bob.conversations_open(users=app.app.bot_user_id)
    assert opened["channel"]["id"] == dm and opened["already_open"]
    assert [m["text"] for m in _history(bob, dm)] == ["again", "hello bob"]
    created = [e for e in events(server, workspace.team_id, dm) if e["type"] == "im_created"]
    assert len(created) == 1
    # A person's token writes in their own DM with the person named, as in Slack.
    alice = server.client(workspace.alice.token)
    mine = alice.chat_postMessage(channel=workspace.bob.user_id, text="hi from alice")
    assert mine["channel"] == alice.conversations_open(users=workspace.bob.user_id)["channel"]["id"]


def test_a_person_who_is_not_there_or_bad_content_opens_no_dm(
    server: Server, workspace: Workspace, app: NewApp
) -> None:
    bot = server.client(app.bot_token)
    carol = server.client(workspace.carol.token)
    before = _ims(carol)
    post = bot.chat_postMessage
    assert error_of(post, channel="U0NOBODY000", text="hi") == "channel_not_found"
    assert error_of(post, channel=workspace.carol.user_id, text="") == "no_text"
    assert error_of(post, channel=workspace.carol.user_id, text="x" * 40_001) == "msg_too_long"
    assert (
        error_of(post, channel=workspace.carol.user_id, text="x", thread_ts="1.000001")
        == "thread_not_found"
    )
    assert (
        error_of(post, channel=workspace.carol.user_id, text="x", metadata={"event_type": "a.b"})
        == "invalid_metadata_schema"
    )
    assert _ims(carol) == before
    assert server.client(workspace.alice.token).api_test()["ok"]


# -- app_id, bot_profile, metadata -------------------------------------------------------------


def test_an_apps_message_carries_app_id_bot_profile_and_its_metadata(
    server: Server, workspace: Workspace, app: NewApp
) -> None:
    bot = server.client(app.bot_token)
    alice = server.client(workspace.alice.token)
    posted = bot.chat_postMessage(channel=workspace.alice.user_id, text="task", metadata=METADATA)
    msg, dm = posted["message"], posted["channel"]
    assert msg["bot_id"] == app.app.bot_id and msg["app_id"] == app.app.id
    profile = msg["bot_profile"]
    assert profile["id"] == app.app.bot_id and profile["app_id"] == app.app.id
    assert profile["name"] == "Tasks" and profile["team_id"] == workspace.team_id
    assert profile["deleted"] is False and isinstance(profile["updated"], int)
    assert msg["metadata"] == METADATA
    [event] = [e for e in events(server, workspace.team_id, dm) if e.get("ts") == posted["ts"]]
    assert event["metadata"] == METADATA and event["bot_profile"] == profile
    # History shows metadata to the app that posted it, and to others only when asked.
    [seen] = _history(alice, dm)
    assert "metadata" not in seen and seen["app_id"] == app.app.id
    assert _history(alice, dm, include_all_metadata=True)[0]["metadata"] == METADATA
    assert _history(bot, dm)[0]["metadata"] == METADATA
    assert "bot_profile" not in alice.chat_postMessage(channel=dm, text="a person")["message"]


def test_metadata_outside_slacks_bounds_is_refused_and_writes_nothing(
    server: Server, workspace: Workspace, app: NewApp
) -> None:
    bot = server.client(app.bot_token)
    dm = bot.chat_postMessage(channel=workspace.alice.user_id, text="open")["channel"]
    before = events(server, workspace.team_id, dm)
    post = bot.chat_postMessage
    cases: list[tuple[Any, str]] = [
        ("{not json", "invalid_metadata_format"),
        (["event_type"], "invalid_metadata_format"),
        ("7", "invalid_metadata_format"),
        ({"event_payload": {}}, "invalid_metadata_schema"),
        ({"event_type": "", "event_payload": {}}, "invalid_metadata_schema"),
        ({"event_type": "has.dot", "event_payload": {}}, "invalid_metadata_schema"),
        ({"event_type": 5, "event_payload": {}}, "invalid_metadata_schema"),
        ({"event_type": "t", "event_payload": [1]}, "invalid_metadata_schema"),
        ({"event_type": "t", "event_payload": {}, "other": 1}, "invalid_metadata_schema"),
        ({"event_type": "t", "event_payload": {"x": "y" * 20_000}}, "metadata_too_large"),
    ]
    for metadata, code in cases:
        assert error_of(post, channel=dm, text="x", metadata=metadata) == code, metadata
    # A form post carries it as JSON text, as Slack takes it.
    form = {"channel": dm, "text": "x", "metadata": "[1, 2]"}
    assert error_of(bot.api_call, api_method="chat.postMessage", data=form) == (
        "invalid_metadata_format"
    )
    assert events(server, workspace.team_id, dm) == before


# -- the name and icon a bot chooses -------------------------------------------------------------


def test_an_app_chooses_its_name_and_icon_only_with_chat_write_customize(
    server: Server, workspace: Workspace, app: NewApp, styled: NewApp
) -> None:
    alice = server.client(workspace.alice.token)
    looks = {"username": "Deploys", "icon_emoji": ":rocket:", "icon_url": "https://x.test/i.png"}
    plain = server.client(app.bot_token).chat_postMessage(
        channel=workspace.alice.user_id, text="plain", **looks
    )
    assert "username" not in plain["message"] and "icons" not in plain["message"]
    chosen = server.client(styled.bot_token).chat_postMessage(
        channel=workspace.alice.user_id, text="chosen", **looks
    )
    assert chosen["message"]["username"] == "Deploys"
    assert chosen["message"]["icons"] == {"emoji": ":rocket:"}  # the emoji wins over the image
    [seen] = _history(alice, chosen["channel"])
    assert seen["username"] == "Deploys" and seen["icons"] == {"emoji": ":rocket:"}
    by_url = server.client(styled.bot_token).chat_postMessage(
        channel=workspace.alice.user_id, text="url", icon_url="https://x.test/i.png"
    )
    assert by_url["message"]["icons"] == {"image_48": "https://x.test/i.png"}


# -- bots.info ----------------------------------------------------------------------------


def test_bots_info_shows_an_apps_bot_and_a_legacy_one(
    server: Server, workspace: Workspace, app: NewApp
) -> None:
    alice = server.client(workspace.alice.token)
    bot = alice.bots_info(bot=app.app.bot_id)["bot"]
    assert bot["id"] == app.app.bot_id and bot["app_id"] == app.app.id
    assert bot["user_id"] == app.app.bot_user_id and bot["name"] == "Tasks"
    assert bot["deleted"] is False and isinstance(bot["icons"], dict)
    legacy = server.client(app.bot_token).bots_info(bot=workspace.bot_id)["bot"]
    assert legacy["user_id"] == workspace.bot.user_id and "app_id" not in legacy
    for unknown in ("B0NOTHERE00", "U0NOTABOT00", "b-lower", "B" + "A" * 40):
        assert error_of(alice.bots_info, bot=unknown) == "bot_not_found", unknown
    assert error_of(alice.bots_info) == "bot_not_found"


# -- async -------------------------------------------------------------------------------


def test_async_client_posts_by_name_and_to_a_person(
    server: Server, workspace: Workspace, app: NewApp
) -> None:
    alice = server.client(workspace.alice.token)
    name, channel = _channel(alice)
    alice.conversations_invite(channel=channel, users=app.app.bot_user_id)

    async def main() -> tuple[Any, Any, Any]:
        client = AsyncWebClient(token=app.bot_token, base_url=server.api_url)
        by_name = await client.chat_postMessage(channel="#" + name, text="x", metadata=METADATA)
        to_bob = await client.chat_postMessage(channel=workspace.bob.user_id, text="y")
        info = await client.bots_info(bot=app.app.bot_id)
        return by_name, to_bob, info

    by_name, to_bob, info = asyncio.run(main())
    assert by_name["channel"] == channel and by_name["message"]["metadata"] == METADATA
    assert to_bob["channel"].startswith("D")
    assert info["bot"]["app_id"] == app.app.id


# -- chat.update's metadata, chat.postEphemeral to a person ------------------------------------


def test_chat_update_keeps_replaces_or_removes_the_metadata(
    server: Server, workspace: Workspace, app: NewApp
) -> None:
    """As Slack documents chat.update's metadata: left out, it stays; given, it replaces
    the message's; an empty object removes it. Refused metadata changes nothing."""
    bot = server.client(app.bot_token)
    posted = bot.chat_postMessage(channel=workspace.alice.user_id, text="task", metadata=METADATA)
    dm, ts = posted["channel"], posted["ts"]
    kept = bot.chat_update(channel=dm, ts=ts, text="task, edited")
    assert kept["message"]["metadata"] == METADATA
    other = {"event_type": "task_done", "event_payload": {"id": "TK-1"}}
    replaced = bot.chat_update(channel=dm, ts=ts, text="done", metadata=other)
    assert replaced["message"]["metadata"] == other
    [changed] = [
        e
        for e in events(server, workspace.team_id, dm)
        if e.get("subtype") == "message_changed" and e["message"]["text"] == "done"
    ]
    assert changed["message"]["metadata"] == other
    assert _history(bot, dm)[0]["metadata"] == other
    before = events(server, workspace.team_id, dm)
    update = bot.chat_update
    assert error_of(update, channel=dm, ts=ts, text="x", metadata=[1]) == "invalid_metadata_format"
    assert (
        error_of(update, channel=dm, ts=ts, text="x", metadata={"event_type": "a.b"})
        == "invalid_metadata_schema"
    )
    big = {"event_type": "t", "event_payload": {"x": "y" * 20_000}}
    assert error_of(update, channel=dm, ts=ts, text="x", metadata=big) == "metadata_too_large"
    assert events(server, workspace.team_id, dm) == before
    assert _history(bot, dm)[0]["text"] == "done"
    removed = bot.chat_update(channel=dm, ts=ts, text="plain", metadata={})
    assert "metadata" not in removed["message"]
    assert "metadata" not in _history(bot, dm, include_all_metadata=True)[0]


def test_an_ephemeral_message_to_a_person_goes_to_the_callers_dm_with_them(
    server: Server, workspace: Workspace, app: NewApp
) -> None:
    bot = server.client(app.bot_token)
    carol = server.client(workspace.carol.token)
    before = _ims(carol)
    assert (
        error_of(
            bot.chat_postEphemeral, channel="U0NOBODY000", user=workspace.carol.user_id, text="x"
        )
        == "channel_not_found"
    )
    # Someone who is not in that DM: refused, and the DM is not opened.
    assert (
        error_of(
            bot.chat_postEphemeral,
            channel=workspace.carol.user_id,
            user=workspace.bob.user_id,
            text="x",
        )
        == "user_not_in_channel"
    )
    assert _ims(carol) == before
    shown = bot.chat_postEphemeral(
        channel=workspace.carol.user_id, user=workspace.carol.user_id, text="just you"
    )
    assert shown["message_ts"]
    opened = carol.conversations_open(users=app.app.bot_user_id)
    assert opened["already_open"], "the ephemeral message opened the DM"
    assert _history(carol, opened["channel"]["id"]) == [], "never stored"
