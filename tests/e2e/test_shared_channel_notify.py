"""Notifications in a channel shared between two workspaces, through a real SMTP server: a person
of either side mentioned while offline is emailed like any other, named by their own workspace's
name for the channel, and never once their workspace is disconnected. Embedded and on two
PostgreSQL shards (docs/shared-channels.md)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hubbub.config import Settings
from hubbub.domain.jobs import Job
from hubbub.services import notify_email
from hubbub.services.hub import Hub
from tests.e2e.test_notifications import has_record, record_of
from tests.e2e.test_shared_channels import share
from tests.support.rtm import of_type, rtm
from tests.support.servers import (
    Server,
    Workspace,
    make_workspace,
    run_admin,
    settings_for,
    threaded_server,
)
from tests.support.shards import ShardSet
from tests.support.smtp import Inbox, smtp_server, smtp_settings
from tests.support.waiting import wait_for


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as found:
        yield found


@pytest.fixture
def embedded(
    tmp_path: Path, smtp: tuple[Inbox, int]
) -> Iterator[tuple[Server, Workspace, Workspace, Settings]]:
    with threaded_server(tmp_path / "data", **smtp_settings(smtp[1])) as server:
        acme = make_workspace(server.data_dir, "acme")
        globex = make_workspace(server.data_dir, "globex")
        yield server, acme, globex, settings_for(server.data_dir, **smtp_settings(smtp[1]))


@pytest.fixture
def sharded(
    tmp_path: Path, smtp: tuple[Inbox, int], shard_set: ShardSet
) -> Iterator[tuple[Server, Workspace, Workspace, Settings]]:
    settings = shard_set.settings(**smtp_settings(smtp[1]))
    acme = make_workspace(tmp_path / "admin", "acme", settings=settings)  # shard a
    globex = make_workspace(tmp_path / "admin", "globex", settings=settings)  # shard b
    store = {"shards": shard_set.shard_urls, "directory_url": shard_set.directory_url}
    with threaded_server(tmp_path / "data", **store, **smtp_settings(smtp[1])) as server:
        yield server, acme, globex, settings


@pytest.fixture(params=["embedded", "sharded"])
def deployment(
    request: pytest.FixtureRequest,
) -> tuple[Server, Workspace, Workspace, Settings]:
    found: tuple[Server, Workspace, Workspace, Settings] = request.getfixturevalue(request.param)
    return found


def test_offline_people_of_either_side_are_emailed_with_their_own_name_for_the_channel(
    deployment: tuple[Server, Workspace, Workspace, Settings], smtp: tuple[Inbox, int]
) -> None:
    server, acme, globex, _ = deployment
    inbox, _ = smtp
    channel = share(server, acme, globex)
    host_bob, guest_bob = server.client(acme.bob.token), server.client(globex.bob.token)

    to_guest = host_bob.chat_postMessage(
        channel=channel, text=f"<@{globex.bob.user_id}> the contract is signed"
    )["ts"]
    [mail] = wait_for(lambda: inbox.to("bob@globex.test", "contract is signed"))
    assert mail["Subject"] == "New message from bob in #acme-deals"
    assert host_bob.chat_getPermalink(channel=channel, message_ts=to_guest)["permalink"] in (
        mail.get_content()
    )
    assert wait_for(lambda: record_of(guest_bob, channel, to_guest)["emailed"])

    # The author is named from their own workspace, not by their id.
    guest_bob.chat_postMessage(channel=channel, text=f"<@{acme.bob.user_id}> countersigned")
    [mail] = wait_for(lambda: inbox.to("bob@acme.test", "countersigned"))
    assert mail["Subject"] == "New message from bob in #deals"

    # Online, the guest gets the live notice, which says the channel is shared, and no email.
    with rtm(server, globex.bob.token) as socket:
        socket.sync()
        live = host_bob.chat_postMessage(channel=channel, text=f"<@{globex.bob.user_id}> online")
        notice = socket.until(of_type("desktop_notification", msg=live["ts"]))[-1]
        assert notice["is_shared"] is True
        assert notice["subtitle"] == "#acme-deals"
        record_of(guest_bob, channel, live["ts"])
        time.sleep(0.3)
    assert inbox.to("bob@globex.test", "online") == []
    assert len(inbox.to("bob@globex.test", "contract is signed")) == 1


def test_no_email_to_a_guest_once_their_workspace_is_disconnected(
    deployment: tuple[Server, Workspace, Workspace, Settings], smtp: tuple[Inbox, int]
) -> None:
    server, acme, globex, settings = deployment
    inbox, _ = smtp
    channel = share(server, acme, globex)
    host_bob, guest_bob = server.client(acme.bob.token), server.client(globex.bob.token)
    # Snoozed: recorded, and no email job queued; those are run by hand below.
    guest_bob.dnd_setSnooze(num_minutes=5)
    try:
        before = host_bob.chat_postMessage(channel=channel, text=f"<@{globex.bob.user_id}> one")
        after = host_bob.chat_postMessage(channel=channel, text=f"<@{globex.bob.user_id}> two")
        record_of(guest_bob, channel, after["ts"])
    finally:
        guest_bob.dnd_endSnooze()

    def email(ts: str) -> None:
        payload = {"user": globex.bob.user_id, "channel": channel, "ts": ts, "host": acme.team_id}
        job = Job("by-hand", globex.team_id, notify_email.EMAIL_JOB, payload, 1)

        async def work(hub: Hub) -> None:
            await notify_email.email_job(hub, job)

        run_admin(server.data_dir, work, settings)

    email(before["ts"])
    assert len(inbox.to("bob@globex.test", "@bob one")) == 1
    server.client(acme.alice.token).admin_conversations_disconnectShared(channel_id=channel)
    email(after["ts"])
    assert inbox.to("bob@globex.test", "@bob two") == []


def test_a_guest_who_set_the_channel_to_all_hears_plain_messages(
    deployment: tuple[Server, Workspace, Workspace, Settings], smtp: tuple[Inbox, int]
) -> None:
    server, acme, globex, _ = deployment
    inbox, _ = smtp
    channel = share(server, acme, globex)
    guest_bob, guest_carol = server.client(globex.bob.token), server.client(globex.carol.token)
    guest_carol.conversations_join(channel=channel)
    host_bob = server.client(acme.bob.token)
    # Its notify job leaves the host's process remembering that globex has no listener.
    before = host_bob.chat_postMessage(channel=channel, text=f"<@{globex.carol.user_id}> old")
    assert record_of(guest_carol, channel, before["ts"])["reason"] == "mention"
    # Kept on globex's shard; acme has no listener of its own in the channel.
    level = {"channel": channel, "level": "all"}
    guest_bob.api_call("users.prefs.setChannelNotifications", json=level)
    plain = host_bob.chat_postMessage(channel=channel, text="plain news")
    assert record_of(guest_bob, channel, plain["ts"])["reason"] == "message"
    [mail] = wait_for(lambda: inbox.to("bob@globex.test", "plain news"))
    assert mail["Subject"] == "New message from bob in #acme-deals"
    assert not has_record(guest_carol, channel, plain["ts"])
    assert inbox.to("carol@globex.test", "plain news") == []
    assert not has_record(guest_bob, channel, before["ts"])
    # Back to the default: the next plain message is not a notification for bob.
    level = {"channel": channel, "level": "default"}
    guest_bob.api_call("users.prefs.setChannelNotifications", json=level)
    later = host_bob.chat_postMessage(channel=channel, text="later news")
    mention = host_bob.chat_postMessage(channel=channel, text=f"<@{globex.carol.user_id}> ping")
    assert record_of(guest_carol, channel, mention["ts"])["reason"] == "mention"
    assert not has_record(guest_bob, channel, later["ts"])


def test_people_of_the_other_workspace_mentioned_are_named_as_their_workspace_shows_them(
    deployment: tuple[Server, Workspace, Workspace, Settings], smtp: tuple[Inbox, int]
) -> None:
    server, acme, globex, _ = deployment
    inbox, _ = smtp
    channel = share(server, acme, globex)  # globex's alice accepted it: she is in it
    named = globex.alice.user_id
    server.client(globex.alice.token).users_profile_set(profile={"display_name": "Al of Globex"})
    outsider = globex.carol.user_id  # of globex, not in the channel: stays an id
    members = server.client(acme.bob.token).conversations_members(channel=channel)["members"]
    assert named in members and outsider not in members

    text = f"<@{globex.bob.user_id}> ask <@{named}> and <@{outsider}>"
    server.client(acme.bob.token).chat_postMessage(channel=channel, text=text)
    [mail] = wait_for(lambda: inbox.to("bob@globex.test", "ask"))
    assert f"ask @Al of Globex and @{outsider}" in mail.get_content()

    # The other way: a guest's message, mailed to the host's person.
    text = f"<@{acme.bob.user_id}> meet <@{named}>"
    server.client(globex.bob.token).chat_postMessage(channel=channel, text=text)
    [mail] = wait_for(lambda: inbox.to("bob@acme.test", "meet"))
    assert "meet @Al of Globex" in mail.get_content()
