"""A private channel, DM or group DM does not exist for anyone outside it.

Every method that names a conversation must answer `channel_not_found` to a non-member, exactly
as for a channel id that was never issued, and write nothing. The table below lists those methods;
a method of these families that takes `channel` and is missing from the table fails
test_every_method_naming_a_conversation_is_checked, so a new method cannot skip the check.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from hubbub.api.routes import method_table
from hubbub.store.tx import Tx
from tests.support.servers import (
    Server,
    Workspace,
    module_server,
    module_workspace,
    run_admin,
)

FAMILIES = ("conversations.", "chat.", "reactions.", "pins.", "blocks.")

# Arguments that would be valid for a member. {ts} is a message of the conversation with a reply,
# {member} a member other than the caller, {outsider} the caller, {future} an hour from now.
METHODS: dict[str, dict[str, str]] = {
    "blocks.actions": {"ts": "{ts}", "block_id": "act", "action_id": "approve"},
    "conversations.archive": {},
    "conversations.history": {},
    "conversations.info": {},
    "conversations.invite": {"users": "{outsider}"},
    "conversations.join": {},
    "conversations.kick": {"user": "{member}"},
    "conversations.leave": {},
    "conversations.mark": {"ts": "{ts}"},
    "conversations.members": {},
    "conversations.open": {},
    "conversations.rename": {"name": "stolen-name"},
    "conversations.replies": {"ts": "{ts}"},
    "conversations.setPurpose": {"purpose": "stolen"},
    "conversations.setTopic": {"topic": "stolen"},
    "conversations.unarchive": {},
    "chat.command": {"command": "/nosuch", "text": "hello"},
    "chat.delete": {"ts": "{ts}"},
    "chat.deleteScheduledMessage": {"scheduled_message_id": "Q0NOTHING00"},
    "chat.getPermalink": {"message_ts": "{ts}"},
    "chat.meMessage": {"text": "hello"},
    "chat.postEphemeral": {"text": "hello", "user": "{member}"},
    "chat.postMessage": {"text": "hello"},
    "chat.scheduleMessage": {"text": "hello", "post_at": "{future}"},
    "chat.update": {"ts": "{ts}", "text": "edited"},
    "pins.add": {"timestamp": "{ts}"},
    "pins.list": {},
    "pins.remove": {"timestamp": "{ts}"},
    "reactions.add": {"timestamp": "{ts}", "name": "eyes"},
    "reactions.get": {"timestamp": "{ts}"},
    "reactions.remove": {"timestamp": "{ts}", "name": "thumbsup"},
}

# Methods of these families that take `channel` yet need no row above, and why.
EXEMPT = {
    "chat.scheduledMessages.list": "channel only filters the caller's own scheduled messages",
    "conversations.inviteShared": "admins only: anyone else is refused before any channel is"
    " read; an admin outside a private channel: test_shared_channels.py",
}

KINDS = ("private_channel", "im", "mpim")


server = module_server("privacy")
workspace = module_workspace()


@dataclass(frozen=True)
class Hidden:
    channel: str
    ts: str


def _with_a_thread(alice: WebClient, channel: str) -> Hidden:
    ts = alice.chat_postMessage(channel=channel, text="for members only")["ts"]
    alice.chat_postMessage(channel=channel, text="a reply", thread_ts=ts)
    alice.reactions_add(channel=channel, timestamp=ts, name="thumbsup")
    alice.pins_add(channel=channel, timestamp=ts)
    return Hidden(channel, ts)


@pytest.fixture(scope="module")
def hidden(server: Server, workspace: Workspace) -> dict[str, Hidden]:
    """One conversation of each private kind, between alice and bob (and the bot): not carol."""
    alice = server.client(workspace.alice.token)
    bob = workspace.bob.user_id
    private = alice.conversations_create(name="secret-" + uuid.uuid4().hex[:8], is_private=True)
    alice.conversations_invite(channel=private["channel"]["id"], users=bob)
    channels = {
        "private_channel": private["channel"]["id"],
        "im": alice.conversations_open(users=bob)["channel"]["id"],
        "mpim": alice.conversations_open(users=[bob, workspace.bot.user_id])["channel"]["id"],
    }
    return {kind: _with_a_thread(alice, channel) for kind, channel in channels.items()}


def _args(method: str, channel: str, ts: str, workspace: Workspace) -> dict[str, str]:
    values = {
        "ts": ts,
        "member": workspace.bob.user_id,
        "outsider": workspace.carol.user_id,
        "future": str(int(time.time()) + 3600),
    }
    args = {"channel": channel}
    for name, template in METHODS[method].items():
        for key, value in values.items():
            template = template.replace("{" + key + "}", value)
        args[name] = template
    return args


def _answer(client: WebClient, method: str, args: dict[str, str]) -> dict[str, Any]:
    try:
        response = client.api_call(method, params=args)
    except SlackApiError as err:
        response = err.response
    assert isinstance(response.data, dict)
    return response.data


def _logs(server: Server, team: str, *streams: str) -> list[list[bytes]]:
    """The event logs of the streams: what any write to them would have to append to."""

    def read(tx: Tx) -> list[list[bytes]]:
        return [[p for _, _, p in tx.events_after(team, s, 0, 100_000)] for s in streams]

    return run_admin(server.data_dir, lambda hub: hub.read(team, read))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("method", sorted(METHODS))
def test_a_non_member_is_told_the_conversation_does_not_exist(
    server: Server, workspace: Workspace, hidden: dict[str, Hidden], method: str, kind: str
) -> None:
    target = hidden[kind]
    carol = server.client(workspace.carol.token)
    streams = (target.channel, workspace.team_id)
    before = _logs(server, workspace.team_id, *streams)
    answer = _answer(carol, method, _args(method, target.channel, target.ts, workspace))
    assert answer["ok"] is False
    assert answer["error"] == "channel_not_found"
    assert target.ts not in json.dumps(answer)
    assert _logs(server, workspace.team_id, *streams) == before


@pytest.mark.parametrize("method", sorted(METHODS))
def test_the_same_arguments_reach_a_channel_the_caller_may_see(
    server: Server, workspace: Workspace, method: str
) -> None:
    """The control: the table's arguments name the channel the way each method reads it, so the
    answer above comes from the privacy check and not from a misnamed argument."""
    alice = server.client(workspace.alice.token)
    channel = alice.conversations_create(name="open-" + uuid.uuid4().hex[:8])["channel"]["id"]
    alice.conversations_invite(channel=channel, users=workspace.bob.user_id)
    target = _with_a_thread(alice, channel)
    carol = server.client(workspace.carol.token)
    answer = _answer(carol, method, _args(method, target.channel, target.ts, workspace))
    assert answer.get("error") != "channel_not_found"


def test_every_method_naming_a_conversation_is_checked() -> None:
    named = {
        name
        for name, method in method_table().items()
        if name.startswith(FAMILIES) and "channel" in method.args
    }
    assert named - set(METHODS) - set(EXEMPT) == set()


def _listed(pages: Any) -> set[str]:
    seen: set[str] = set()
    for page in pages:
        seen |= {c["id"] for c in page["channels"]}
    return seen


def test_hidden_conversations_are_never_listed_to_a_non_member(
    server: Server, workspace: Workspace, hidden: dict[str, Hidden]
) -> None:
    carol = server.client(workspace.carol.token)
    bob = server.client(workspace.bob.token)
    every = "public_channel,private_channel,mpim,im"
    ids = {h.channel for h in hidden.values()}
    assert ids <= _listed(bob.conversations_list(types=every, limit=2))
    assert not ids & _listed(carol.conversations_list(types=every, limit=2))
    assert not ids & _listed(carol.users_conversations(types=every, limit=2))
    for member in (workspace.alice.user_id, workspace.bob.user_id):
        assert not ids & _listed(carol.users_conversations(user=member, types=every, limit=2))
