"""Nothing of a workspace reaches another it shares a channel with, beyond that channel and the
external profiles of its members (docs/shared-channels.md); after disconnection, not even that.

One table names, for every Web API method, arguments that point at the host's things the guest
must not reach: a channel that is not shared, a person in no shared channel, their email. Each
method is called by a person of the guest workspace in two situations (a channel never shared,
and one whose share was disconnected); no answer may carry any of the hidden values, and none
may write to the host's logs. A method missing from the table fails
test_every_method_is_in_the_table, so a method added later cannot skip the check.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from hubbub.api.routes import method_table
from hubbub.store.tx import Tx
from tests.e2e.test_shared_channels import invite
from tests.support.rtm import rtm, text_is
from tests.support.servers import Server, Workspace, make_workspace, module_server, run_admin

# Arguments for each method; {channel}, {ts}, {user} and {email} name the host's hidden things.
METHODS: dict[str, dict[str, str]] = {
    "admin.conversations.disconnectShared": {"channel_id": "{channel}"},
    "api.test": {},
    "apps.connections.open": {},
    "auth.revoke": {"test": "true"},
    "auth.test": {},
    "blocks.actions": {"channel": "{channel}", "ts": "{ts}", "action_id": "approve"},
    "bots.info": {"bot": "{user}"},
    "chat.command": {"channel": "{channel}", "command": "/nosuch", "text": "hi"},
    "chat.delete": {"channel": "{channel}", "ts": "{ts}"},
    "chat.deleteScheduledMessage": {"channel": "{channel}", "scheduled_message_id": "Q0NOTHING00"},
    "chat.getPermalink": {"channel": "{channel}", "message_ts": "{ts}"},
    "chat.meMessage": {"channel": "{channel}", "text": "hi"},
    "chat.postEphemeral": {"channel": "{channel}", "user": "{user}", "text": "hi"},
    "chat.postMessage": {"channel": "{channel}", "text": "hi"},
    "chat.scheduleMessage": {"channel": "{channel}", "text": "hi", "post_at": "{future}"},
    "chat.scheduledMessages.list": {"channel": "{channel}"},
    "chat.update": {"channel": "{channel}", "ts": "{ts}", "text": "hi"},
    "client.counts": {},
    "conversations.acceptSharedInvite": {"channel_id": "{channel}", "channel_name": "taken-over"},
    "conversations.archive": {"channel": "{channel}"},
    "conversations.create": {"name": "a-new-one"},
    "conversations.declineSharedInvite": {"invite_id": "{channel}"},
    "conversations.history": {"channel": "{channel}"},
    "conversations.info": {"channel": "{channel}"},
    "conversations.invite": {"channel": "{channel}", "users": "{user}"},
    "conversations.inviteShared": {"channel": "{channel}", "team_domain": "globex"},
    "conversations.join": {"channel": "{channel}"},
    "conversations.kick": {"channel": "{channel}", "user": "{user}"},
    "conversations.leave": {"channel": "{channel}"},
    "conversations.list": {"types": "public_channel,private_channel,im,mpim"},
    "conversations.listConnectInvites": {},
    "conversations.mark": {"channel": "{channel}", "ts": "{ts}"},
    "conversations.members": {"channel": "{channel}"},
    "conversations.open": {"users": "{user}", "return_im": "true"},
    "conversations.rename": {"channel": "{channel}", "name": "taken-over"},
    "conversations.replies": {"channel": "{channel}", "ts": "{ts}"},
    "conversations.setPurpose": {"channel": "{channel}", "purpose": "taken"},
    "conversations.setTopic": {"channel": "{channel}", "topic": "taken"},
    "conversations.unarchive": {"channel": "{channel}"},
    "dnd.endDnd": {},
    "files.completeUploadExternal": {"files": '[{"id": "{file}"}]', "channel_id": "{channel}"},
    "files.delete": {"file": "{file}"},
    "files.getUploadURLExternal": {"filename": "mine.txt", "length": "3"},
    "files.info": {"file": "{file}"},
    "files.list": {"channel": "{channel}"},
    "files.upload": {"channels": "{channel}", "content": "hi", "filename": "mine.txt"},
    "dnd.endSnooze": {},
    "dnd.info": {"user": "{user}"},
    "dnd.setSnooze": {"num_minutes": "5"},
    "dnd.teamInfo": {"users": "{user}"},
    "notifications.list": {},
    "pins.add": {"channel": "{channel}", "timestamp": "{ts}"},
    "pins.list": {"channel": "{channel}"},
    "pins.remove": {"channel": "{channel}", "timestamp": "{ts}"},
    "reactions.add": {"channel": "{channel}", "timestamp": "{ts}", "name": "eyes"},
    "reactions.get": {"channel": "{channel}", "timestamp": "{ts}"},
    "reactions.list": {"user": "{user}"},
    "reactions.remove": {"channel": "{channel}", "timestamp": "{ts}", "name": "thumbsup"},
    "reminders.add": {"text": "hi", "time": "in 1 hour", "user": "{user}"},
    "reminders.complete": {"reminder": "{channel}"},
    "reminders.delete": {"reminder": "{channel}"},
    "reminders.info": {"reminder": "{channel}"},
    "reminders.list": {},
    "rtm.connect": {},
    "rtm.start": {},
    # Excluding a word nobody wrote: every message the guest may see, and nothing else.
    "search.all": {"query": "-qqqqqq"},
    "search.messages": {"query": "-qqqqqq", "count": "100"},
    "search.files": {"query": "-qqqqqq", "count": "100"},
    "team.info": {"team": "{team}"},
    "users.conversations": {"user": "{user}", "types": "public_channel,private_channel"},
    "users.getPresence": {"user": "{user}"},
    "users.info": {"user": "{user}"},
    "users.list": {},
    "users.lookupByEmail": {"email": "{email}"},
    "users.prefs.getChannelNotifications": {"channel": "{channel}"},
    "users.prefs.setChannelNotifications": {"channel": "{channel}", "level": "all"},
    "users.profile.get": {"user": "{user}"},
    "users.profile.set": {"user": "{user}", "name": "title", "value": "taken"},
    "users.setPresence": {"presence": "away"},
    "views.open": {"trigger_id": "1700000000000.{channel}", "view": "{}"},
    "views.push": {"trigger_id": "1700000000000.{channel}", "view": "{}"},
    "views.update": {"view_id": "{channel}", "view": "{}"},
    "views.submit": {"view_id": "{channel}"},
    "views.close": {"view_id": "{channel}"},
    "shortcuts.list": {},
    "views.publish": {"user_id": "{user}", "view": "{}"},
    "views.home": {"app_id": "{user}"},
    "shortcuts.run": {"app_id": "{user}", "callback_id": "x", "channel": "{channel}", "ts": "{ts}"},
    "usergroups.create": {"name": "taken-over", "handle": "taken-over"},
    "usergroups.list": {"include_users": "true", "include_disabled": "true"},
    "usergroups.update": {"usergroup": "{channel}", "name": "taken"},
    "usergroups.disable": {"usergroup": "{channel}"},
    "usergroups.enable": {"usergroup": "{channel}"},
    "usergroups.users.list": {"usergroup": "{channel}"},
    "usergroups.users.update": {"usergroup": "{channel}", "users": "{user}"},
    "emoji.list": {},
    # A loopback address, which the outbound policy refuses: nothing is fetched.
    "admin.emoji.add": {"name": "taken", "url": "http://127.0.0.1:9/taken.png"},
    "admin.emoji.addAlias": {"name": "taken-alias", "alias_for": "{channel}"},
    "admin.emoji.remove": {"name": "{channel}"},
    "admin.emoji.rename": {"name": "{channel}", "new_name": "taken-renamed"},
    "bookmarks.add": {
        "channel_id": "{channel}",
        "title": "t",
        "type": "link",
        "link": "https://x.test",
    },
    "bookmarks.edit": {"channel_id": "{channel}", "bookmark_id": "Bk0NOTHING", "title": "t"},
    "bookmarks.list": {"channel_id": "{channel}"},
    "bookmarks.remove": {"channel_id": "{channel}", "bookmark_id": "Bk0NOTHING"},
}

SITUATIONS = ("never_shared", "disconnected")

server = module_server("leaks")


@dataclass(frozen=True)
class Hidden:
    """The host's things one situation hides from the guest, and the values that must never
    appear in what the guest is told."""

    channel: str
    ts: str
    user: str
    file: str  # shared in the channel by its member
    secrets: tuple[str, ...]


@dataclass(frozen=True)
class World:
    acme: Workspace
    globex: Workspace
    shared: str  # a channel acme shares with globex, still shared
    hidden: dict[str, Hidden]


@pytest.fixture(scope="module")
def world(server: Server) -> World:
    acme = make_workspace(server.data_dir, "acme")
    globex = make_workspace(server.data_dir, "globex")
    host, guest = server.client(acme.alice.token), server.client(globex.alice.token)
    carol = server.client(acme.carol.token)

    shared = host.conversations_create(name="deals")["channel"]["id"]
    host.conversations_invite(channel=shared, users=acme.bob.user_id)
    accepted = invite(host, shared, "alice@globex.test")
    guest.conversations_acceptSharedInvite(invite_id=accepted, channel_name="acme-deals")
    server.client(globex.bob.token).conversations_join(channel=shared)
    host.chat_postMessage(channel=shared, text="shared with globex")

    # Never shared: a public channel of acme, with acme's carol, who is in no shared channel.
    only = carol.conversations_create(name="acme-only-channel")["channel"]["id"]
    only_ts = _thread(carol, only, "acme only words")
    only_file = _file(carol, only, "acme-only-file.txt")

    # Shared once, then disconnected.
    gone = host.conversations_create(name="was-shared")["channel"]["id"]
    host.conversations_invite(channel=gone, users=acme.carol.user_id)
    ended = invite(host, gone, "alice@globex.test")
    guest.conversations_acceptSharedInvite(invite_id=ended, channel_name="acme-was-shared")
    server.client(globex.bob.token).conversations_join(channel=gone)
    gone_ts = _thread(carol, gone, "said before the end")
    gone_file = _file(carol, gone, "was-shared-file.txt")
    host.admin_conversations_disconnectShared(channel_id=gone)
    _thread(carol, gone, "said after the end")

    common = (acme.carol.user_id, "carol@acme.test", "alice@acme.test")
    hidden = {
        "never_shared": Hidden(
            only,
            only_ts,
            acme.carol.user_id,
            only_file,
            (only, "acme-only-channel", "acme only words", only_file, "acme-only-file", *common),
        ),
        "disconnected": Hidden(
            gone,
            gone_ts,
            acme.carol.user_id,
            gone_file,
            (
                gone,
                "was-shared",
                "said before the end",
                "said after the end",
                gone_file,
                "was-shared-file",
                *common,
            ),
        ),
    }
    return World(acme, globex, shared, hidden)


def _thread(client: WebClient, channel: str, text: str) -> str:
    ts: str = client.chat_postMessage(channel=channel, text=text)["ts"]
    client.chat_postMessage(channel=channel, text=text + " (reply)", thread_ts=ts)
    client.reactions_add(channel=channel, timestamp=ts, name="thumbsup")
    client.pins_add(channel=channel, timestamp=ts)
    return ts


def _file(client: WebClient, channel: str, name: str) -> str:
    """A file shared in the channel: its id, name and words must not reach the guest."""
    shared = client.files_upload_v2(channel=channel, content="file words " + name, filename=name)
    return str(shared["file"]["id"])


def _args(method: str, hidden: Hidden, world: World) -> dict[str, str]:
    values = {
        "file": hidden.file,
        "channel": hidden.channel,
        "ts": hidden.ts,
        "user": hidden.user,
        "email": "carol@acme.test",
        "team": world.acme.team_id,
        "future": str(int(time.time()) + 3600),
    }
    out = {}
    for name, template in METHODS[method].items():
        for key, value in values.items():
            template = template.replace("{" + key + "}", value)
        out[name] = template
    return out


def _answer(client: WebClient, method: str, args: dict[str, str]) -> dict[str, Any]:
    try:
        response = client.api_call(method, params=args)
    except SlackApiError as err:
        response = err.response
    assert isinstance(response.data, dict)
    return response.data


def _logs(server: Server, team: str, *streams: str) -> list[list[bytes]]:
    def read(tx: Tx) -> list[list[bytes]]:
        return [[p for _, _, p in tx.events_after(team, s, 0, 100_000)] for s in streams]

    return run_admin(server.data_dir, lambda hub: hub.read(team, read))


@pytest.mark.parametrize("situation", SITUATIONS)
@pytest.mark.parametrize("method", sorted(METHODS))
def test_a_guest_gets_nothing_of_the_host_beyond_the_shared_channel(
    server: Server, world: World, method: str, situation: str
) -> None:
    hidden = world.hidden[situation]
    streams = (hidden.channel, world.acme.team_id)
    before = _logs(server, world.acme.team_id, *streams)
    answer = _answer(server.client(world.globex.bob.token), method, _args(method, hidden, world))
    told = json.dumps(answer)
    for secret in hidden.secrets:
        assert secret not in told, (method, secret, answer)
    if "{channel}" in METHODS[method].values() and method != "conversations.create":
        assert answer["ok"] is False, answer
    assert _logs(server, world.acme.team_id, *streams) == before


def test_the_shared_channel_itself_is_reachable(server: Server, world: World) -> None:
    """The control: the same person reads the shared channel and its members' profiles, so
    the answers above come from the checks, not from a guest who reaches nothing."""
    b = server.client(world.globex.bob.token)
    texts = [m["text"] for m in b.conversations_history(channel=world.shared)["messages"]]
    assert "shared with globex" in texts
    assert b.users_info(user=world.acme.bob.user_id)["user"]["id"] == world.acme.bob.user_id
    assert world.shared in {c["id"] for c in b.conversations_list()["channels"]}


def test_every_method_is_in_the_table() -> None:
    assert set(method_table()) == set(METHODS)


def test_a_guest_socket_hears_nothing_of_the_host_beyond_the_shared_channel(
    server: Server, world: World
) -> None:
    carol = server.client(world.acme.carol.token)
    with rtm(server, world.globex.bob.token) as guest:
        for hidden in world.hidden.values():
            carol.chat_postMessage(channel=hidden.channel, text="more hidden words")
            carol.conversations_setTopic(channel=hidden.channel, topic="hidden topic")
        server.client(world.acme.alice.token).conversations_create(name="acme-new-hidden")
        server.client(world.acme.bob.token).chat_postMessage(channel=world.shared, text="done")
        guest.until(text_is("done"))
        told = json.dumps(guest.sync() + guest.frames)
    for hidden in world.hidden.values():
        for secret in (*hidden.secrets, "more hidden words", "hidden topic", "acme-new-hidden"):
            assert secret not in told, secret


def test_a_forged_resume_cursor_reaches_nothing_of_the_host(server: Server, world: World) -> None:
    with rtm(server, world.globex.bob.token) as first:
        cursor = first.cursor
    forged = ",".join([cursor, *(f"{h.channel}:0" for h in world.hidden.values())])
    forged += f",{world.acme.team_id}:0"
    time.sleep(0.1)
    with rtm(server, world.globex.bob.token, resume=forged) as again:
        told = json.dumps(again.sync() + again.frames)
    for hidden in world.hidden.values():
        for secret in hidden.secrets:
            assert secret not in told, secret
    assert "acme-only-channel" not in told
