"""reminders.add, .list, .info, .complete and .delete through slack_sdk: Slackbot says each
reminder once at its time in the person's DM with Slackbot, by the durable jobs, across a restart
too, with Slack's errors for what may not be set."""

from __future__ import annotations

import asyncio
import json
import time
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
from tests.support.waiting import wait_for

server = module_server("reminders")
workspace = module_workspace()


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
    wait_for(lambda: bool(_said(bob, "Reminder: water the plants.")), timeout=30.0)
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
    wait_for(lambda: bool(_said(carol, "Reminder: once only.")), timeout=30.0)
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
    wait_for(lambda: bool(_said(alice, "Reminder: after them.")), timeout=30.0)
    assert _said(alice, "Reminder: deleted one.") == []
    assert _said(alice, "Reminder: completed one.") == []


def test_a_reminder_for_someone_else_is_said_to_them(server: Server, workspace: Workspace) -> None:
    alice, carol = server.client(workspace.alice.token), server.client(workspace.carol.token)
    made = alice.reminders_add(text="review the doc", time="1", user=workspace.carol.user_id)
    item = made["reminder"]
    assert item["creator"] == workspace.alice.user_id and item["user"] == workspace.carol.user_id
    carol.reminders_add(text="her own", time="1")
    wait_for(lambda: bool(_said(carol, "Reminder: review the doc.")), timeout=30.0)
    wait_for(lambda: bool(_said(carol, "Reminder: her own.")), timeout=30.0)
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
        ({"time": "every thirdsday"}, "cannot_parse"),
        ({"time": "every day at 25:00"}, "cannot_parse"),
        ({"time": "in 5 fortnights"}, "cannot_parse"),
        ({"time": "in -5 minutes"}, "cannot_parse"),
        ({"time": "in 9999999 minutes"}, "cannot_parse"),
        ({"time": "x" * 5000}, "cannot_parse"),
        ({"time": "9" * 40}, "cannot_parse"),
        ({"time": now + 6 * 365 * 86_400}, "cannot_parse"),
        ({"time": ""}, "cannot_parse"),
        ({"time": "in 5 minutes", "recurrence": '{"frequency": "monthly"}'}, "cannot_parse"),
        ({"time": "in 5 minutes", "recurrence": '{"frequency": "weekly"}'}, "cannot_parse"),
        ({"time": "in 5 minutes", "recurrence": "{not json"}, "cannot_parse"),
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
        wait_for(lambda: time.time() > at + 1, timeout=30.0)
        proc.start()
        wait_for(lambda: bool(_said(alice, "Reminder: while down.")), timeout=30.0)
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


def _run_occurrence(server: Server, team_id: str, reminder_id: str, at: int) -> None:
    """The job of one occurrence of a recurring reminder, as the runner runs it at its time."""
    job = Job("0", team_id, reminders.REMINDER_JOB, {"id": reminder_id, "time": at}, 1)
    run_admin(server.data_dir, lambda hub: reminders.reminder_job(hub, job))


def test_a_recurring_reminder_is_said_once_each_time_and_moves_on(
    server: Server, workspace: Workspace
) -> None:
    alice = server.client(workspace.alice.token)
    now = int(time.time())
    made = alice.reminders_add(text="stand up", time="every day at 9am")["reminder"]
    assert made["recurring"] is True and made["recurrence"] == {"frequency": "daily"}
    first = made["time"]
    assert first % 86_400 == 9 * 3600 and now < first <= now + 86_400
    weekly = alice.reminders_add(text="retro", time="every Friday at 4pm")["reminder"]
    assert weekly["recurrence"] == {"frequency": "weekly", "weekdays": ["friday"]}
    assert weekly["time"] % 86_400 == 16 * 3600 and (weekly["time"] // 86_400 + 3) % 7 == 4
    listed = {r["id"]: r for r in alice.reminders_list()["reminders"]}
    assert listed[made["id"]] == made
    assert error_of(alice.reminders_complete, reminder=made["id"]) == "cannot_complete_recurring"

    # Its time comes: said once, and the reminder moves to the next day.
    _run_occurrence(server, workspace.team_id, made["id"], first)
    assert len(_said(alice, "Reminder: stand up.")) == 1
    moved = alice.reminders_info(reminder=made["id"])["reminder"]
    assert moved["time"] == first + 86_400 and moved["complete_ts"] == 0
    # The same occurrence's job run again says nothing and moves nothing.
    _run_occurrence(server, workspace.team_id, made["id"], first)
    assert len(_said(alice, "Reminder: stand up.")) == 1
    assert alice.reminders_info(reminder=made["id"])["reminder"]["time"] == first + 86_400
    # The next occurrence is said in its turn.
    _run_occurrence(server, workspace.team_id, made["id"], first + 86_400)
    assert len(_said(alice, "Reminder: stand up.")) == 2
    assert alice.reminders_info(reminder=made["id"])["reminder"]["time"] == first + 2 * 86_400
    # Deleted, it is said no more.
    alice.reminders_delete(reminder=made["id"])
    _run_occurrence(server, workspace.team_id, made["id"], first + 2 * 86_400)
    assert len(_said(alice, "Reminder: stand up.")) == 2


def test_the_recurrence_argument_repeats_from_the_time_given(
    server: Server, workspace: Workspace
) -> None:
    bob = server.client(workspace.bob.token)
    at = int(time.time()) + 3600
    made = bob.reminders_add(
        text="weekly sync",
        time=at,
        recurrence=json.dumps({"frequency": "weekly", "weekdays": ["monday"]}),
    )["reminder"]
    assert made["recurring"] is True
    assert made["recurrence"] == {"frequency": "weekly", "weekdays": ["monday"]}
    assert made["time"] % 86_400 == at % 86_400 and (made["time"] // 86_400 + 3) % 7 == 0
    assert at <= made["time"] < at + 7 * 86_400
    bob.reminders_delete(reminder=made["id"])


def test_a_recurring_reminder_due_while_the_server_is_down_is_said_once_then_rescheduled(
    tmp_path: Path,
) -> None:
    ws = make_workspace(tmp_path / "data")
    proc = ProcessServer(tmp_path / "data", free_port())
    proc.start()
    try:
        alice = proc.server.client(ws.alice.token)
        at = int(time.time()) + 3
        made = alice.reminders_add(
            text="daily while down", time=at, recurrence='{"frequency": "daily"}'
        )["reminder"]
        assert made["time"] == at
        proc.stop()
        wait_for(lambda: time.time() > at + 1, timeout=30.0)
        proc.start()
        wait_for(lambda: bool(_said(alice, "Reminder: daily while down.")), timeout=30.0)
        wait_for(
            lambda: alice.reminders_info(reminder=made["id"])["reminder"]["time"] > at, timeout=30.0
        )
        assert alice.reminders_info(reminder=made["id"])["reminder"]["time"] == at + 86_400
        # Once more across a restart: the next occurrence's job is queued, nothing said again.
        proc.stop()
        proc.start()
        assert len(_said(alice, "Reminder: daily while down.")) == 1
        assert alice.reminders_info(reminder=made["id"])["reminder"]["time"] == at + 86_400
    finally:
        proc.stop()


def test_users_info_answers_slackbot_as_slack_does(server: Server, workspace: Workspace) -> None:
    """USLACKBOT, who says reminders, has no row in any workspace: users.info answers it as
    Slack's (name slackbot, real name Slackbot, is_bot false as in Slack), to people and apps."""
    alice = server.client(workspace.alice.token)
    bot = server.client(workspace.bot.token)
    for client in (alice, bot):
        user = client.users_info(user="USLACKBOT")["user"]
        assert (user["id"], user["name"], user["real_name"]) == (
            "USLACKBOT",
            "slackbot",
            "Slackbot",
        )
        assert user["team_id"] == workspace.team_id
        assert user["is_bot"] is False and user["deleted"] is False
        assert user["profile"]["display_name"] == "Slackbot"
    assert error_of(alice.users_info, user="USLACKBOT2") == "user_not_found"
