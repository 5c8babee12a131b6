"""chat.scheduleMessage, chat.scheduledMessages.list and chat.deleteScheduledMessage through
slack_sdk: each message posted once at its time by the durable jobs, across a restart too, with
Slack's errors for what may not be scheduled."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.web.async_client import AsyncWebClient

from hubbub.domain.jobs import Job
from hubbub.services import scheduled
from hubbub.services.apps import NewApp
from tests.support.apps import make_app
from tests.support.checks import error_of, events
from tests.support.servers import (
    ProcessServer,
    Server,
    Workspace,
    free_port,
    make_workspace,
    module_server,
    module_workspace,
    run_admin,
)
from tests.support.waiting import wait_for

server = module_server("scheduled")
workspace = module_workspace()

METADATA = {"event_type": "reminder", "event_payload": {"n": 1}}


@pytest.fixture(scope="module")
def app(server: Server, workspace: Workspace) -> NewApp:
    return make_app(server.data_dir, name="Later", scopes=["chat:write", "im:history"])


def _channel(client: WebClient) -> tuple[str, str]:
    name = "s-" + uuid.uuid4().hex[:12]
    return name, client.conversations_create(name=name)["channel"]["id"]


def _posted(client: WebClient, channel: str, text: str) -> list[dict[str, Any]]:
    found = client.conversations_history(channel=channel, limit=200)["messages"]
    return [m for m in found if m.get("text") == text]


def _listed(client: WebClient, **args: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.chat_scheduledMessages_list(**args)["scheduled_messages"]
    return found


def test_a_scheduled_message_is_listed_then_posted_once_at_its_time(
    server: Server, workspace: Workspace, app: NewApp
) -> None:
    bot = server.client(app.bot_token)
    alice = server.client(workspace.alice.token)
    post_at = int(time.time()) + 2
    made = bot.chat_scheduleMessage(
        channel=workspace.alice.user_id, text="stand-up", post_at=post_at, metadata=METADATA
    )
    dm = made["channel"]
    assert dm.startswith("D") and made["post_at"] == str(post_at)
    assert made["scheduled_message_id"].startswith("Q")
    assert made["message"]["type"] == "delayed_message"
    assert made["message"]["text"] == "stand-up" and made["message"]["bot_id"] == app.app.bot_id
    [entry] = _listed(bot)
    assert entry["id"] == made["scheduled_message_id"] and entry["channel_id"] == dm
    assert entry["post_at"] == post_at and entry["text"] == "stand-up"
    assert isinstance(entry["date_created"], int)
    assert _listed(alice) == []  # only the author's are listed
    wait_for(lambda: bool(_posted(alice, dm, "stand-up")), timeout=30.0)
    [msg] = _posted(bot, dm, "stand-up")
    assert msg["bot_id"] == app.app.bot_id and msg["app_id"] == app.app.id
    assert msg["metadata"] == METADATA and msg["bot_profile"]["name"] == "Later"
    assert float(msg["ts"]) >= post_at
    assert _listed(bot) == []
    logged = [e for e in events(server, workspace.team_id, dm) if e.get("text") == "stand-up"]
    assert len(logged) == 1
    assert (
        error_of(bot.chat_deleteScheduledMessage, channel=dm, scheduled_message_id=entry["id"])
        == "invalid_scheduled_message_id"
    )


def test_the_job_run_again_posts_nothing_more(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    _, channel = _channel(alice)
    made = alice.chat_scheduleMessage(channel=channel, text="once", post_at=int(time.time()) + 1)
    wait_for(lambda: bool(_posted(alice, channel, "once")), timeout=30.0)
    job = Job(
        "0", workspace.team_id, scheduled.SCHEDULED_JOB, {"id": made["scheduled_message_id"]}, 2
    )
    run_admin(server.data_dir, lambda hub: scheduled.scheduled_job(hub, job))
    assert len(_posted(alice, channel, "once")) == 1


def test_a_deleted_message_is_never_posted(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    name, channel = _channel(alice)
    soon = int(time.time()) + 2
    gone = alice.chat_scheduleMessage(channel="#" + name, text="never", post_at=soon)
    later = alice.chat_scheduleMessage(channel=channel, text="after it", post_at=soon + 1)
    assert gone["channel"] == channel
    alice.chat_deleteScheduledMessage(
        channel=channel, scheduled_message_id=gone["scheduled_message_id"]
    )
    assert [e["id"] for e in _listed(alice, channel=channel)] == [later["scheduled_message_id"]]
    # Jobs run in the order they are due: once the later one is posted, the deleted one's time
    # has passed too.
    wait_for(lambda: bool(_posted(alice, channel, "after it")), timeout=30.0)
    assert _posted(alice, channel, "never") == []


def test_the_list_pages_by_time_and_filters_by_channel_and_range(
    server: Server, workspace: Workspace
) -> None:
    bob = server.client(workspace.bob.token)
    _, one = _channel(bob)
    _, two = _channel(bob)
    base = int(time.time()) + 3600
    ids = [
        bob.chat_scheduleMessage(
            channel=one if n % 2 else two, text=f"m{n}", post_at=base + n * 60
        )["scheduled_message_id"]
        for n in range(5)
    ]
    walked: list[str] = []
    cursor = None
    while True:
        page = bob.chat_scheduledMessages_list(limit=2, cursor=cursor)
        assert len(page["scheduled_messages"]) <= 2
        walked += [e["id"] for e in page["scheduled_messages"]]
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert walked == ids
    assert [e["id"] for e in _listed(bob, channel=one)] == ids[1::2]
    assert [e["id"] for e in _listed(bob, oldest=base + 60, latest=str(base + 180))] == ids[1:4]
    for scheduled_id, n in zip(ids, range(5), strict=True):
        bob.chat_deleteScheduledMessage(
            channel=one if n % 2 else two, scheduled_message_id=scheduled_id
        )
    assert _listed(bob) == []


def test_what_may_not_be_scheduled_is_refused_and_writes_nothing(
    server: Server, workspace: Workspace
) -> None:
    carol, bob = server.client(workspace.carol.token), server.client(workspace.bob.token)
    name, channel = _channel(carol)
    mine = carol.chat_scheduleMessage(channel=channel, text="kept", post_at=int(time.time()) + 900)
    before = (events(server, workspace.team_id, channel), _listed(carol))
    now = int(time.time())
    schedule = carol.chat_scheduleMessage
    cases: list[tuple[dict[str, Any], str]] = [
        ({"post_at": now - 10}, "time_in_past"),
        ({"post_at": now - 86_400}, "time_in_past"),
        ({"post_at": now + 121 * 86_400}, "time_too_far"),
        ({"post_at": "soon"}, "invalid_time"),
        ({"post_at": "1e9"}, "invalid_time"),
        ({"post_at": "-5"}, "invalid_time"),
        ({"post_at": "9" * 40}, "invalid_time"),
        ({"post_at": ""}, "invalid_time"),
        ({"post_at": now + 60, "channel": "#no-such"}, "channel_not_found"),
        ({"post_at": now + 60, "text": ""}, "no_text"),
        ({"post_at": now + 60, "thread_ts": "1.000001"}, "thread_not_found"),
        ({"post_at": now + 60, "metadata": {"event_type": "a b"}}, "invalid_metadata_schema"),
    ]
    for change, code in cases:
        args = {"channel": channel, "text": "x", **change}
        assert error_of(schedule, **args) == code, change
    assert error_of(bob.chat_scheduleMessage, channel=name, text="x", post_at=now + 60) == (
        "not_in_channel"
    )
    delete = bob.chat_deleteScheduledMessage
    sid = mine["scheduled_message_id"]
    for args in (
        {"channel": channel, "scheduled_message_id": sid},  # carol's, not bob's
        {"channel": channel, "scheduled_message_id": "Q0NOTHING00"},
        {"channel": channel, "scheduled_message_id": "not an id"},
        {"channel": channel, "scheduled_message_id": ""},
    ):
        assert error_of(delete, **args) == "invalid_scheduled_message_id", args
    _, other = _channel(carol)
    assert (
        error_of(carol.chat_deleteScheduledMessage, channel=other, scheduled_message_id=sid)
        == "invalid_scheduled_message_id"
    )
    listing = carol.chat_scheduledMessages_list
    assert error_of(listing, cursor="bm90IGEgY3Vyc29y") == "invalid_cursor"
    assert error_of(listing, limit=-1) == "invalid_limit"
    assert error_of(listing, channel="#no-such") == "invalid_channel"
    assert error_of(listing, oldest="yesterday") == "invalid_arguments"
    assert (events(server, workspace.team_id, channel), _listed(carol)) == before


def test_a_channel_takes_thirty_within_five_minutes(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    _, channel = _channel(alice)
    at = int(time.time()) + 7200
    for n in range(30):
        alice.chat_scheduleMessage(channel=channel, text=f"b{n}", post_at=at + n)
    assert (
        error_of(alice.chat_scheduleMessage, channel=channel, text="one more", post_at=at + 100)
        == "restricted_too_many"
    )
    assert len(_listed(alice, channel=channel)) == 30
    alice.chat_scheduleMessage(channel=channel, text="later", post_at=at + 3600)


def test_async_client_schedules_lists_and_deletes(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    _, channel = _channel(alice)

    async def main() -> list[Any]:
        client = AsyncWebClient(token=workspace.alice.token, base_url=server.api_url)
        made = await client.chat_scheduleMessage(
            channel=channel, text="async", post_at=str(int(time.time()) + 600)
        )
        listed = await client.chat_scheduledMessages_list(channel=channel)
        await client.chat_deleteScheduledMessage(
            channel=channel, scheduled_message_id=made["scheduled_message_id"]
        )
        after = await client.chat_scheduledMessages_list(channel=channel)
        return [made, listed, after]

    made, listed, after = asyncio.run(main())
    assert [e["id"] for e in listed["scheduled_messages"]] == [made["scheduled_message_id"]]
    assert after["scheduled_messages"] == []


def test_a_message_due_while_the_server_is_down_is_posted_once_when_it_is_back(
    tmp_path: Path,
) -> None:
    ws = make_workspace(tmp_path / "data")
    proc = ProcessServer(tmp_path / "data", free_port())
    proc.start()
    try:
        alice = proc.server.client(ws.alice.token)
        _, channel = _channel(alice)
        post_at = int(time.time()) + 3
        alice.chat_scheduleMessage(channel=channel, text="while down", post_at=post_at)
        proc.stop()
        wait_for(lambda: time.time() > post_at + 1, timeout=30.0)
        proc.start()
        wait_for(lambda: bool(_posted(alice, channel, "while down")), timeout=30.0)
        assert _listed(alice) == []
        logged = [
            e for e in events(proc.server, ws.team_id, channel) if e.get("text") == "while down"
        ]
        assert len(logged) == 1
    finally:
        proc.stop()
