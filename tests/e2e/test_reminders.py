"""reminders.add, .list, .info, .complete and .delete through slack_sdk: Slackbot says each
reminder once at its time in the person's DM with Slackbot, by the durable jobs, across a restart
too, with Slack's errors for what may not be set."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from slack_sdk.web.async_client import AsyncWebClient

from hubbub.domain.jobs import Job
from hubbub.services import reminders
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

server = module_server("reminders")
workspace = module_workspace()


def _until(check: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not in time"
        time.sleep(0.1)


def _slackbot_dm(client: WebClient) -> str | None:
    ims = client.conversations_list(types="im", limit=200)["channels"]
    return next((c["id"] for c in ims if c.get("user") == "USLACKBOT"), None)


def _said(client: WebClient, text: str) -> list[dict[str, Any]]:
    dm = _slackbot_dm(client)
    if dm is None:
        return []
    found = client.conversations_history(channel=dm, limit=200)["messages"]
    return [m for m in found if m.get("text") == text]


def test_a_reminder_is_listed_then_said_once_by_slackbot_at_its_time(
    server: Server, workspace: Workspace
) -> None:
    bob = server.client(workspace.bob.token)
    made = bob.reminders_add(text="water the plants", time="2")["reminder"]
    assert made["id"].startswith("Rm") and made["creator"] == made["user"] == workspace.bob.user_id
    assert made["text"] == "water the plants" and made["recurring"] is False
    assert made["complete_ts"] == 0 and made["time"] >= int(time.time())
    assert bob.reminders_info(reminder=made["id"])["reminder"] == made
    assert made in bob.reminders_list()["reminders"]
    _until(lambda: bool(_said(bob, "Reminder: water the plants.")))
    [msg] = _said(bob, "Reminder: water the plants.")
    assert msg["user"] == "USLACKBOT" and float(msg["ts"]) >= made["time"]
    dm = _slackbot_dm(bob)
    assert dm is not None
    logged = [
        e
        for e in events(server, workspace.team_id, dm)
        if e.get("text") == "Reminder: water the plants."
    ]
    assert len(logged) == 1
    # Said, it stays listed until completed or deleted, as in Slack.
    assert bob.reminders_info(reminder=made["id"])["reminder"]["complete_ts"] == 0
    bob.reminders_complete(reminder=made["id"])
    done = bob.reminders_info(reminder=made["id"])["reminder"]
    assert done["complete_ts"] >= made["time"]
    bob.reminders_delete(reminder=made["id"])
    assert error_of(bob.reminders_info, reminder=made["id"]) == "not_found"


def test_the_job_run_again_says_nothing_more(server: Server, workspace: Workspace) -> None:
    carol = server.client(workspace.carol.token)
    made = carol.reminders_add(text="once only", time="in 1 second")["reminder"]
    _until(lambda: bool(_said(carol, "Reminder: once only.")))
    job = Job("0", workspace.team_id, reminders.REMINDER_JOB, {"id": made["id"]}, 2)
    run_admin(server.data_dir, lambda hub: reminders.reminder_job(hub, job))
    assert len(_said(carol, "Reminder: once only.")) == 1


def test_deleted_and_completed_reminders_are_never_said(
    server: Server, workspace: Workspace
) -> None:
    alice = server.client(workspace.alice.token)
    soon = int(time.time()) + 3
    gone = alice.reminders_add(text="deleted one", time=soon)["reminder"]
    done = alice.reminders_add(text="completed one", time=soon)["reminder"]
    alice.reminders_add(text="after them", time=soon + 1)
    alice.reminders_delete(reminder=gone["id"])
    alice.reminders_complete(reminder=done["id"])
    # Jobs run in the order they are due: once the later one is said, the others' time is gone.
    _until(lambda: bool(_said(alice, "Reminder: after them.")))
    assert _said(alice, "Reminder: deleted one.") == []
    assert _said(alice, "Reminder: completed one.") == []


def test_a_reminder_for_someone_else_is_said_to_them(server: Server, workspace: Workspace) -> None:
    alice, carol = server.client(workspace.alice.token), server.client(workspace.carol.token)
    made = alice.reminders_add(text="review the doc", time="1", user=workspace.carol.user_id)
    item = made["reminder"]
    assert item["creator"] == workspace.alice.user_id and item["user"] == workspace.carol.user_id
    carol.reminders_add(text="her own", time="1")
    _until(lambda: bool(_said(carol, "Reminder: review the doc.")))
    _until(lambda: bool(_said(carol, "Reminder: her own.")))
    # Both in the one DM with Slackbot.
    ims = carol.conversations_list(types="im", limit=200)["channels"]
    assert [c["user"] for c in ims].count("USLACKBOT") == 1
    assert carol.reminders_info(reminder=item["id"])["reminder"] == item
    # Only the person it is for completes it; its creator still sees and deletes it.
    assert error_of(alice.reminders_complete, reminder=item["id"]) == "cannot_complete_others"
    alice.reminders_delete(reminder=item["id"])


def test_the_time_phrases_slack_takes(server: Server, workspace: Workspace) -> None:
    bob = server.client(workspace.bob.token)
    now = int(time.time())
    cases = {
        "in 5 minutes": 300,
        "in an hour": 3600,
        "in 2 hours": 7200,
        "In  3 Days": 3 * 86_400,
        "600": 600,
        str(now + 90_000): 90_000,
    }
    for phrase, ahead in cases.items():
        item = bob.reminders_add(text="phrase " + phrase, time=phrase)["reminder"]
        assert now + ahead <= item["time"] <= int(time.time()) + ahead + 1, phrase
        bob.reminders_delete(reminder=item["id"])
    item = bob.reminders_add(text="tomorrow", time="tomorrow")["reminder"]
    assert item["time"] % 86_400 == 9 * 3600 and 0 < item["time"] - now <= 2 * 86_400
    bob.reminders_delete(reminder=item["id"])


def test_what_may_not_be_set_is_refused_and_writes_nothing(
    server: Server, workspace: Workspace
) -> None:
    carol, bob = server.client(workspace.carol.token), server.client(workspace.bob.token)
    mine = carol.reminders_add(text="kept", time="in 2 hours")["reminder"]
    before = carol.reminders_list()["reminders"]
    now = int(time.time())
    cases: list[tuple[dict[str, Any], str]] = [
        ({"time": now - 90_000}, "time_in_past"),
        ({"time": "0"}, "time_in_past"),
        ({"time": "every thursday"}, "cannot_parse"),
        ({"time": "in 5 fortnights"}, "cannot_parse"),
        ({"time": "in -5 minutes"}, "cannot_parse"),
        ({"time": "in 9999999 minutes"}, "cannot_parse"),
        ({"time": "x" * 5000}, "cannot_parse"),
        ({"time": "9" * 40}, "cannot_parse"),
        ({"time": now + 6 * 365 * 86_400}, "cannot_parse"),
        ({"time": ""}, "cannot_parse"),
        ({"time": "in 5 minutes", "recurrence": '{"frequency": "daily"}'}, "cannot_parse"),
        ({"time": "60", "text": "   "}, "invalid_arguments"),
        ({"time": "60", "text": "y" * 5000}, "msg_too_long"),
        ({"time": "60", "user": "UNOSUCHUSER"}, "user_not_found"),
        ({"time": "60", "user": "USLACKBOT"}, "cannot_add_slackbot"),
        ({"time": "60", "user": workspace.bot.user_id}, "cannot_add_bot"),
    ]
    for change, code in cases:
        args = {"text": "x", **change}
        assert error_of(carol.reminders_add, **args) == code, change
    assert (
        error_of(carol.api_call, api_method="reminders.add", params={"time": "60"})
        == "invalid_arguments"
    )
    for call in (bob.reminders_info, bob.reminders_complete, bob.reminders_delete):
        for rid in (mine["id"], "Rm0NOTHING00", "not an id", ""):
            assert error_of(call, reminder=rid) == "not_found", (call, rid)
    assert carol.reminders_list()["reminders"] == before
    bob.api_test()  # the server is still up


def test_bot_tokens_may_not_use_reminders(server: Server, workspace: Workspace) -> None:
    bot = server.client(workspace.bot.token)
    assert error_of(bot.reminders_add, text="x", time="60") == "not_allowed_token_type"
    assert error_of(bot.reminders_list) == "not_allowed_token_type"


def test_async_client_adds_lists_and_deletes(server: Server, workspace: Workspace) -> None:
    async def main() -> list[Any]:
        client = AsyncWebClient(token=workspace.alice.token, base_url=server.api_url)
        made = await client.reminders_add(text="async", time="in 10 minutes")
        listed = await client.reminders_list()
        await client.reminders_delete(reminder=made["reminder"]["id"])
        after = await client.reminders_list()
        return [made, listed, after]

    made, listed, after = asyncio.run(main())
    rid = made["reminder"]["id"]
    assert rid in [r["id"] for r in listed["reminders"]]
    assert rid not in [r["id"] for r in after["reminders"]]


def test_a_reminder_due_while_the_server_is_down_is_said_once_when_it_is_back(
    tmp_path: Path,
) -> None:
    ws = make_workspace(tmp_path / "data")
    proc = ProcessServer(tmp_path / "data", free_port())
    proc.start()
    try:
        alice = proc.server.client(ws.alice.token)
        at = int(time.time()) + 3
        alice.reminders_add(text="while down", time=at)
        proc.stop()
        _until(lambda: time.time() > at + 1)
        proc.start()
        _until(lambda: bool(_said(alice, "Reminder: while down.")))
        dm = _slackbot_dm(alice)
        assert dm is not None
        logged = [
            e
            for e in events(proc.server, ws.team_id, dm)
            if e.get("text") == "Reminder: while down."
        ]
        assert len(logged) == 1
    finally:
        proc.stop()
