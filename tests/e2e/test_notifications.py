"""Notifications end to end, through slack_sdk and RTM sockets against a real server whose
embedded runner runs the jobs: records, live `desktop_notification`, preferences, do not
disturb, and email to people who are offline through a real SMTP server started here."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient

from hubbub.domain.jobs import Job
from hubbub.services import notify, notify_email
from hubbub.services.hub import Hub
from tests.support.checks import error_of
from tests.support.rtm import Event, new_channel, of_type, rtm
from tests.support.servers import (
    Server,
    Workspace,
    free_port,
    make_workspace,
    run_admin,
    settings_for,
    threaded_server,
)
from tests.support.smtp import Inbox, smtp_server, smtp_settings
from tests.support.waiting import wait_for


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as found:
        yield found


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, smtp: tuple[Inbox, int]) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("notify") / "data"
    with threaded_server(data_dir, **smtp_settings(smtp[1])) as srv:
        yield srv


@pytest.fixture(scope="module")
def workspace(server: Server) -> Workspace:
    return make_workspace(server.data_dir)


# -- helpers ----------------------------------------------------------------------------------


def drained(server: Server, team_id: str) -> None:
    """Waits until no notify job is left to run."""

    async def counts(hub: Hub) -> dict[str, dict[str, int]]:
        return await hub.read(team_id, lambda tx: tx.job_counts())

    def idle() -> bool:
        found = run_admin(server.data_dir, counts)
        left = [found.get(notify.NOTIFY_JOB, {})]
        return not any(c.get("queued") or c.get("running") or c.get("delayed") for c in left)

    wait_for(idle)


def records(client: WebClient) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.api_call("notifications.list")["notifications"]
    return found


def record_of(client: WebClient, channel: str, ts: str) -> dict[str, Any]:
    def probe() -> dict[str, Any] | None:
        return next((n for n in records(client) if (n["channel"], n["ts"]) == (channel, ts)), None)

    return wait_for(probe)


def has_record(client: WebClient, channel: str, ts: str) -> bool:
    return any((n["channel"], n["ts"]) == (channel, ts) for n in records(client))


def post(client: WebClient, channel: str, text: str, **kw: Any) -> str:
    ts: str = client.chat_postMessage(channel=channel, text=text, **kw)["ts"]
    return ts


def notices(frames: list[Event]) -> list[Event]:
    return [f for f in frames if f.get("type") == "desktop_notification"]


def prefs(client: WebClient, **args: Any) -> dict[str, Any]:
    found: dict[str, Any] = client.api_call("users.prefs.setChannelNotifications", params=args)[
        "prefs"
    ]
    return found


# -- who is notified, live --------------------------------------------------------------------


def test_a_mention_reaches_the_named_persons_sockets_and_nobody_elses(
    server: Server, workspace: Workspace
) -> None:
    w = workspace
    alice, bob = server.client(w.alice.token), server.client(w.bob.token)
    channel = new_channel(alice, w.bob.user_id, w.carol.user_id)
    name = alice.conversations_info(channel=channel)["channel"]["name"]
    with (
        rtm(server, w.alice.token) as tab1,
        rtm(server, w.alice.token) as tab2,
        rtm(server, w.bob.token) as bobs,
        rtm(server, w.carol.token) as carols,
    ):
        for s in (tab1, tab2, bobs, carols):
            s.sync()
        ts = post(bob, channel, f"look <@{w.alice.user_id}> &amp; <https://x.test|this>")
        for tab in (tab1, tab2):
            [event] = notices(tab.until(of_type("desktop_notification")))
            assert event["title"] == "Acme"
            assert event["subtitle"] == "#" + name
            assert event["content"] == "bob: look @alice & this (https://x.test)"
            assert (event["channel"], event["msg"]) == (channel, ts)
            assert (
                event["launchUri"]
                == bob.chat_getPermalink(channel=channel, message_ts=ts)["permalink"]
            )
            assert event["ssbFilename"] == "knock_brush.mp3" and event["is_shared"] is False
        # The author and the unnamed member hear nothing of it.
        assert notices(bobs.quiet(0.5)) == [] and notices(carols.sync()) == []
    record = record_of(alice, channel, ts)
    assert record["reason"] == "mention" and record["user"] == w.bob.user_id
    assert not has_record(bob, channel, ts) and not has_record(
        server.client(w.carol.token), channel, ts
    )


def test_the_notify_job_run_twice_makes_one_record(server: Server, workspace: Workspace) -> None:
    w = workspace
    alice, bob = server.client(w.alice.token), server.client(w.bob.token)
    channel = new_channel(alice, w.bob.user_id)
    with rtm(server, w.alice.token) as socket:
        ts = post(bob, channel, f"<@{w.alice.user_id}> twice?")
        socket.until(of_type("desktop_notification", msg=ts))
        job = Job("re", w.team_id, notify.NOTIFY_JOB, {"channel": channel, "ts": ts}, 2)

        async def rerun(hub: Hub) -> None:
            await notify.notify_job(hub, job)
            await notify.notify_job(hub, job)

        run_admin(server.data_dir, rerun)
        assert [(n["channel"], n["ts"]) for n in records(alice)].count((channel, ts)) == 1
        # The rerun wrote no record, so it sent no second notice either.
        assert notices(socket.quiet(0.5)) == []


def test_dms_threads_here_and_channel(server: Server, workspace: Workspace) -> None:
    w = workspace
    alice, bob, carol = (server.client(m.token) for m in (w.alice, w.bob, w.carol))
    dm = bob.conversations_open(users=w.alice.user_id)["channel"]["id"]
    ts = post(bob, dm, "plain words in a DM")
    assert record_of(alice, dm, ts)["reason"] == "dm"
    assert not has_record(bob, dm, ts)  # never the author

    channel = new_channel(alice, w.bob.user_id, w.carol.user_id)
    root = post(alice, channel, "a thread")
    reply = post(bob, channel, "a reply", thread_ts=root)
    assert record_of(alice, channel, reply)["reason"] == "thread"

    with rtm(server, w.alice.token) as socket:  # alice is active, carol is not
        socket.sync()
        here = post(bob, channel, "<!here> anyone?")
        socket.until(of_type("desktop_notification", msg=here))
    assert record_of(alice, channel, here)["reason"] == "here"
    everyone = post(bob, channel, "<!channel> all of you")
    assert record_of(carol, channel, everyone)["reason"] == "channel"
    # Carol was neither in the thread nor present: the reply and <!here> passed her by.
    assert not has_record(carol, channel, reply) and not has_record(carol, channel, here)


# -- preferences and do not disturb -----------------------------------------------------------


def test_nothing_and_muted_silence_a_channel_and_all_hears_every_message(
    server: Server, workspace: Workspace
) -> None:
    w = workspace
    alice, bob = server.client(w.alice.token), server.client(w.bob.token)
    quiet, muted, loud = (new_channel(alice, w.bob.user_id) for _ in range(3))
    assert prefs(alice, channel=quiet, level="nothing") == {
        "channel": quiet,
        "level": "nothing",
        "muted": False,
        "is_default": False,
    }
    assert prefs(alice, channel=muted, muted=True)["muted"] is True
    assert prefs(alice, channel=loud, level="all")["level"] == "all"
    with rtm(server, w.alice.token) as socket:
        socket.sync()
        silenced = [post(bob, c, f"<@{w.alice.user_id}> hey") for c in (quiet, muted)]
        plain = post(bob, loud, "just talking")
        event = socket.until(of_type("desktop_notification", msg=plain))[-1]
        assert event["channel"] == loud
        assert record_of(alice, loud, plain)["reason"] == "message"
        drained(server, w.team_id)
        assert notices(socket.quiet(0.2)) == []
        assert not any(
            has_record(alice, c, t) for c, t in zip((quiet, muted), silenced, strict=True)
        )
    got = alice.api_call("users.prefs.getChannelNotifications", params={"channel": quiet})
    assert got["prefs"] == [
        {"channel": quiet, "level": "nothing", "muted": False, "is_default": False}
    ]
    assert prefs(alice, channel=quiet, level="default")["is_default"] is True
    assert (
        error_of(
            alice.api_call,
            api_method="users.prefs.setChannelNotifications",
            params={"channel": quiet, "level": "loud"},
        )
        == "invalid_level"
    )
    assert (
        error_of(
            alice.api_call,
            api_method="users.prefs.setChannelNotifications",
            params={"channel": "C0NOPE", "level": "all"},
        )
        == "channel_not_found"
    )


def test_a_snooze_holds_back_live_notices_but_keeps_the_records(
    server: Server, workspace: Workspace
) -> None:
    w = workspace
    alice, bob = server.client(w.alice.token), server.client(w.bob.token)
    channel = new_channel(alice, w.bob.user_id)
    before = int(time.time())
    with rtm(server, w.alice.token) as socket:
        socket.sync()
        snooze = alice.dnd_setSnooze(num_minutes=10).data
        assert set(snooze) == {
            "ok",
            "snooze_enabled",
            "snooze_endtime",
            "snooze_remaining",
            "snooze_is_indefinite",
        }
        assert snooze["snooze_enabled"] is True and snooze["snooze_is_indefinite"] is False
        assert before + 600 <= snooze["snooze_endtime"] <= int(time.time()) + 600
        assert 598 <= snooze["snooze_remaining"] <= 600
        updated = socket.until(of_type("dnd_updated"))[-1]
        assert updated["user"] == w.alice.user_id
        assert updated["dnd_status"]["snooze_endtime"] == snooze["snooze_endtime"]

        held = post(bob, channel, f"<@{w.alice.user_id}> are you there?")
        assert record_of(alice, channel, held)["reason"] == "mention"
        assert notices(socket.quiet(0.3)) == []

        info = alice.dnd_info().data
        assert info["snooze_enabled"] is True and info["dnd_enabled"] is False
        assert bob.dnd_info(user=w.alice.user_id).data == {
            "ok": True,
            "dnd_enabled": False,
            "next_dnd_start_ts": 1,
            "next_dnd_end_ts": 1,
        }
        team = bob.dnd_teamInfo(users=[w.alice.user_id, w.bob.user_id, "UNOBODY"]).data["users"]
        assert set(team) == {w.alice.user_id, w.bob.user_id}

        ended = alice.dnd_endSnooze().data
        assert ended == {
            "ok": True,
            "dnd_enabled": False,
            "next_dnd_start_ts": 1,
            "next_dnd_end_ts": 1,
            "snooze_enabled": False,
        }
        heard = post(bob, channel, f"<@{w.alice.user_id}> now?")
        assert socket.until(of_type("desktop_notification"))[-1]["msg"] == heard
    assert error_of(alice.dnd_endSnooze) == "snooze_not_active"


def test_dnd_errors_are_slacks(server: Server, workspace: Workspace) -> None:
    w = workspace
    alice = server.client(w.alice.token)
    set_snooze = alice.dnd_setSnooze
    assert error_of(alice.api_call, api_method="dnd.setSnooze") == "missing_duration"
    assert error_of(set_snooze, num_minutes="") == "missing_duration"
    assert error_of(set_snooze, num_minutes="soon") == "invalid_arguments"
    assert error_of(set_snooze, num_minutes=0) == "invalid_arguments"
    assert error_of(set_snooze, num_minutes=525_601) == "too_long"
    assert error_of(server.client(w.bot.token).dnd_setSnooze, num_minutes=5) == "user_is_bot"
    assert error_of(alice.dnd_info, user="UNOBODY") == "user_not_found"
    assert error_of(alice.api_call, api_method="dnd.teamInfo") == "invalid_arguments"
    assert error_of(server.client("xoxp-nope").dnd_info) == "invalid_auth"


# -- email ------------------------------------------------------------------------------------


def test_an_offline_person_gets_an_email_and_an_online_one_does_not(
    server: Server, workspace: Workspace, smtp: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp
    w = workspace
    alice, bob = server.client(w.alice.token), server.client(w.bob.token)
    channel = new_channel(alice, w.bob.user_id, w.carol.user_id)
    name = alice.conversations_info(channel=channel)["channel"]["name"]
    with rtm(server, w.alice.token) as socket:  # alice online; carol has no socket
        socket.sync()
        text = f"<@{w.alice.user_id}> <@{w.carol.user_id}> the *plan* &lt;v2&gt; is up"
        ts = post(bob, channel, text)
        [mail] = wait_for(lambda: inbox.to("carol@acme.test", "is up"))
        socket.until(of_type("desktop_notification", msg=ts))
    assert mail["Subject"] == f"New message from bob in #{name}"
    assert mail["From"] == "hubbub <hub@acme.test>"
    assert mail["To"] == "carol <carol@acme.test>"
    # The notification's own: a run of its job again (its record of the sending lost) sends
    # the same message, which mail systems take as one.
    assert mail["Message-ID"].strip() == f"<notify.{w.carol.user_id}.{channel}.{ts}@acme.test>"
    body = mail.get_content()
    assert "@alice @carol the *plan* <v2> is up" in body
    assert bob.chat_getPermalink(channel=channel, message_ts=ts)["permalink"] in body
    assert wait_for(lambda: record_of(server.client(w.carol.token), channel, ts)["emailed"])
    assert record_of(alice, channel, ts)["emailed"] is False
    time.sleep(0.3)
    assert inbox.to("alice@acme.test", "is up") == []
    assert len(inbox.to("carol@acme.test", "is up")) == 1


def test_no_email_while_snoozed_or_for_what_was_read(
    server: Server, workspace: Workspace, smtp: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp
    w = workspace
    alice, bob, carol = (server.client(m.token) for m in (w.alice, w.bob, w.carol))
    channel = new_channel(alice, w.bob.user_id, w.carol.user_id)
    carol.dnd_setSnooze(num_minutes=5)
    try:
        read = post(bob, channel, f"<@{w.carol.user_id}> while you sleep")
        unread = post(bob, channel, f"<@{w.carol.user_id}> still asleep")
        record_of(carol, channel, unread)
    finally:
        carol.dnd_endSnooze()
    heard = post(bob, channel, f"<@{w.carol.user_id}> awake?")
    wait_for(lambda: inbox.to("carol@acme.test", "awake?"))
    assert wait_for(lambda: record_of(carol, channel, heard)["emailed"])
    # Snoozed, no email job was queued for the first two. Run it now by hand: what carol
    # read meanwhile gets none, what she did not gets one.
    assert inbox.to("carol@acme.test", "asleep") == []
    assert inbox.to("carol@acme.test", "while you sleep") == []
    carol.conversations_mark(channel=channel, ts=read)

    async def email(hub: Hub) -> None:
        for ts in (read, unread, unread):  # the second run finds it sent
            payload = {"user": w.carol.user_id, "channel": channel, "ts": ts}
            await notify_email.email_job(
                hub, Job("by-hand", w.team_id, notify_email.EMAIL_JOB, payload, 1)
            )

    run_admin(server.data_dir, email, settings_for(server.data_dir, **smtp_settings(smtp[1])))
    assert len(inbox.to("carol@acme.test", "still asleep")) == 1
    assert inbox.to("carol@acme.test", "while you sleep") == []


def test_a_mail_server_that_is_down_leaves_the_email_job_to_be_retried(tmp_path: Any) -> None:
    closed = free_port()  # nothing listens here
    with threaded_server(tmp_path / "data", smtp_host="127.0.0.1", smtp_port=closed) as srv:
        w = make_workspace(srv.data_dir)
        alice, bob = srv.client(w.alice.token), srv.client(w.bob.token)
        channel = new_channel(alice, w.bob.user_id)
        ts = post(bob, channel, f"<@{w.alice.user_id}> mail me")
        record_of(alice, channel, ts)

        def email_counts() -> dict[str, int] | None:
            async def counts(hub: Hub) -> dict[str, dict[str, int]]:
                return await hub.read(w.team_id, lambda tx: tx.job_counts())

            found = run_admin(srv.data_dir, counts).get(notify_email.EMAIL_JOB)
            return found if found and found["delayed"] else None

        counts = wait_for(email_counts)
        assert counts == {"queued": 0, "running": 0, "delayed": 1, "dead": 0}
        assert record_of(alice, channel, ts)["emailed"] is False


def test_with_redis_for_bus_and_presence_the_same_holds(
    tmp_path: Any, redis_server: Any, redis_prefix: str, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    store = {"redis_url": redis_server.url, "redis_prefix": redis_prefix}
    with threaded_server(tmp_path / "data", **store, **smtp_settings(port)) as srv:
        w = make_workspace(srv.data_dir, "redisco")
        alice, bob = srv.client(w.alice.token), srv.client(w.bob.token)
        channel = new_channel(alice, w.bob.user_id, w.carol.user_id)
        with rtm(srv, w.alice.token) as socket:
            socket.sync()
            ts = post(bob, channel, f"<!here> and <@{w.carol.user_id}>, over redis")
            assert socket.until(of_type("desktop_notification"))[-1]["msg"] == ts
            wait_for(lambda: inbox.to("carol@redisco.test", "over redis"))
        assert record_of(alice, channel, ts)["reason"] == "here"
        assert inbox.to("alice@redisco.test", "over redis") == []


def test_without_smtp_the_record_stands_and_no_email_job_is_left_failing(tmp_path: Any) -> None:
    with threaded_server(tmp_path / "data") as srv:
        w = make_workspace(srv.data_dir)
        alice, bob = srv.client(w.alice.token), srv.client(w.bob.token)
        channel = new_channel(alice, w.bob.user_id)
        ts = post(bob, channel, f"<@{w.alice.user_id}> offline, and no mail server")
        assert record_of(alice, channel, ts)["emailed"] is False

        async def counts(hub: Hub) -> dict[str, dict[str, int]]:
            return await hub.read(w.team_id, lambda tx: tx.job_counts())

        drained(srv, w.team_id)
        assert notify_email.EMAIL_JOB not in run_admin(srv.data_dir, counts)
