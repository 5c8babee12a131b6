"""A channel shared between two workspaces on one embedded server (docs/shared-channels.md):
invited, accepted under the guest's own name, used from both sides, renamed on one side only,
and disconnected, after which the guest's people get nothing of it, over an open socket too."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import delete

from hubbub.domain.shares import SharedChannel
from hubbub.services.hub import EventLog
from hubbub.store.tables_shares import shared_channels
from hubbub.store.tx import Tx
from tests.e2e.test_notifications import drained
from tests.support.rtm import of_type, rtm, text_is
from tests.support.servers import Server, Workspace, make_workspace, run_admin


def error_of(call: Callable[[], Any]) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()
    return str(caught.value.response["error"])


@pytest.fixture
def acme(server: Server) -> Workspace:
    return make_workspace(server.data_dir, "acme")


@pytest.fixture
def globex(server: Server) -> Workspace:
    return make_workspace(server.data_dir, "globex")


def invite(host: WebClient, channel: str, email: str) -> str:
    found: str = host.conversations_inviteShared(channel=channel, emails=[email])["invite_id"]
    return found


def invited(
    server: Server, acme: Workspace, globex: Workspace
) -> tuple[WebClient, WebClient, str, str]:
    """#deals of acme, with an invite to globex's alice not answered yet: acme's alice's
    client, globex's alice's, the channel and the invite."""
    a, b = server.client(acme.alice.token), server.client(globex.alice.token)
    channel: str = a.conversations_create(name="deals")["channel"]["id"]
    return a, b, channel, invite(a, channel, "alice@globex.test")


def share(server: Server, acme: Workspace, globex: Workspace, *, local: str = "acme-deals") -> str:
    """#deals of acme, accepted by globex as `local`; acme's bob and globex's bob are in it."""
    a, b = server.client(acme.alice.token), server.client(globex.alice.token)
    channel: str = a.conversations_create(name="deals")["channel"]["id"]
    a.conversations_invite(channel=channel, users=acme.bob.user_id)
    invite_id = invite(a, channel, "alice@globex.test")
    accepted = b.conversations_acceptSharedInvite(invite_id=invite_id, channel_name=local)
    assert accepted["channel_id"] == channel
    server.client(globex.bob.token).conversations_join(channel=channel)
    return channel


def test_an_invite_is_listed_on_both_sides_until_it_is_accepted(
    server: Server, acme: Workspace, globex: Workspace
) -> None:
    a, b, channel, invite_id = invited(server, acme, globex)
    assert invite_id.startswith("I")
    # Asking again answers the same invite.
    assert invite(a, channel, "alice@globex.test") == invite_id

    [sent] = a.conversations_listConnectInvites()["invites"]
    [received] = b.conversations_listConnectInvites()["invites"]
    assert (sent["direction"], sent["status"]) == ("outgoing", "sent")
    assert (received["direction"], received["status"]) == ("incoming", "received")
    for seen in (sent, received):
        assert seen["invite"]["id"] == invite_id
        assert seen["invite"]["inviting_team"]["id"] == acme.team_id
        assert seen["invite"]["inviting_user"]["id"] == acme.alice.user_id
        assert seen["channel"] == {
            "id": channel,
            "is_private": False,
            "is_im": False,
            "name": "deals",
        }
    # Globex's admin sees acme's inviter as an external person: no email.
    assert "email" in sent["invite"]["inviting_user"]["profile"]
    assert "email" not in received["invite"]["inviting_user"]["profile"]

    # The host was given an address: it sees the address, not the workspace it reached.
    assert sent["invite"]["recipient_email"] == "alice@globex.test"
    assert "recipient_team_id" not in sent["invite"]
    assert received["invite"]["recipient_user_id"] == globex.alice.user_id
    info = a.conversations_info(channel=channel)["channel"]
    assert (info["is_shared"], info["is_pending_ext_shared"]) == (False, False)
    assert info["pending_shared"] == []
    # Not accepted yet: globex's people cannot see it at all.
    assert error_of(lambda: b.conversations_info(channel=channel)) == "channel_not_found"

    b.conversations_acceptSharedInvite(invite_id=invite_id, channel_name="acme-deals")
    assert a.conversations_listConnectInvites()["invites"] == []
    assert b.conversations_listConnectInvites()["invites"] == []


def test_both_sides_see_the_channel_as_shared_each_under_its_own_name(
    server: Server, acme: Workspace, globex: Workspace
) -> None:
    channel = share(server, acme, globex)
    a, b = server.client(acme.bob.token), server.client(globex.bob.token)
    mine, theirs = (
        a.conversations_info(channel=channel)["channel"],
        b.conversations_info(channel=channel)["channel"],
    )
    assert (mine["name"], theirs["name"]) == ("deals", "acme-deals")
    for seen in (mine, theirs):
        assert seen["is_shared"] is True
        assert seen["is_ext_shared"] is True
        assert seen["shared_team_ids"] == [acme.team_id, globex.team_id]
        assert seen["conversation_host_id"] == acme.team_id
        assert seen["is_member"] is True
    assert mine["context_team_id"] == acme.team_id
    assert theirs["context_team_id"] == globex.team_id

    listed = {c["id"]: c for c in b.conversations_list()["channels"]}
    assert listed[channel]["name"] == "acme-deals"
    assert listed[channel]["is_shared"] is True
    assert listed[channel]["num_members"] == 4  # acme's alice and bob, globex's alice and bob
    assert {c["id"]: c["name"] for c in a.conversations_list()["channels"]}[channel] == "deals"
    # The client's sidebar: the caller's own conversations, each side under its own name.
    for side, name in ((a, "deals"), (b, "acme-deals")):
        mine = {c["id"]: c for c in side.users_conversations()["channels"]}
        assert (mine[channel]["name"], mine[channel]["is_shared"]) == (name, True)
    carol = server.client(globex.carol.token)
    assert channel not in {c["id"] for c in carol.users_conversations()["channels"]}
    # Nothing else of acme is listed to globex.
    assert {c["id"] for c in b.conversations_list()["channels"]} - {channel} == {
        c["id"] for c in server.client(globex.carol.token).conversations_list()["channels"]
    } - {channel}

    # Renaming on one side leaves the other's name alone.
    b.conversations_rename(channel=channel, name="acme-partners")
    a.conversations_rename(channel=channel, name="globex-deals")
    assert b.conversations_info(channel=channel)["channel"]["name"] == "acme-partners"
    assert a.conversations_info(channel=channel)["channel"]["name"] == "globex-deals"
    # The local name is taken in globex: none of its channels may take it.
    owner = server.client(globex.alice.token)
    assert error_of(lambda: owner.conversations_create(name="acme-partners")) == "name_taken"


RENAMES = ("channel_rename", "group_rename")


def of_type_in(kinds: tuple[str, ...]) -> Callable[[dict[str, Any]], bool]:
    return lambda e: e.get("type") in kinds


def _renames(frames: list[dict[str, Any]], channel: str) -> list[tuple[str, str]]:
    return [
        (f["type"], f["channel"]["name"])
        for f in frames
        if f.get("type") in RENAMES and f["channel"]["id"] == channel
    ]


def renames_each_side(server: Server, acme: Workspace, globex: Workspace) -> None:
    """A rename is told to the renaming side only, under its name: group_rename to its members
    where the channel is private there, channel_rename to its whole workspace where public."""
    a, b = server.client(acme.alice.token), server.client(globex.alice.token)
    # Private on acme's side, public on globex's; then the other way round.
    hidden = a.conversations_create(name="plans", is_private=True)["channel"]["id"]
    a.conversations_invite(channel=hidden, users=acme.bob.user_id)
    offered = invite(a, hidden, "alice@globex.test")
    b.conversations_acceptSharedInvite(invite_id=offered, channel_name="acme-plans")
    server.client(globex.bob.token).conversations_join(channel=hidden)
    open_ = a.conversations_create(name="offers")["channel"]["id"]
    a.conversations_invite(channel=open_, users=acme.bob.user_id)
    offered = invite(a, open_, "alice@globex.test")
    b.conversations_acceptSharedInvite(
        invite_id=offered, channel_name="acme-offers", is_private=True
    )
    b.conversations_invite(channel=open_, users=globex.bob.user_id)

    people = (acme.bob, acme.carol, globex.bob, globex.carol)
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(rtm(server, p.token)) for p in people]
        host_bob, host_carol, guest_bob, guest_carol = sockets

        def told(
            renamer: WebClient, channel: str, name: str, *hearing: Any
        ) -> list[list[tuple[str, str]]]:
            renamer.conversations_rename(channel=channel, name=name)
            # Those who should hear it are waited for, then every socket read to its end.
            heard = [s.until(of_type_in(RENAMES)) if s in hearing else [] for s in sockets]
            return [_renames(h + s.sync(), channel) for h, s in zip(heard, sockets, strict=True)]

        got = told(a, hidden, "plans-2026", host_bob)
        assert got == [[("group_rename", "plans-2026")], [], [], []]
        got = told(b, hidden, "acme-plans-2026", guest_bob, guest_carol)
        public = [("channel_rename", "acme-plans-2026")]
        assert got == [[], [], public, public]
        got = told(b, open_, "acme-offers-2026", guest_bob)
        assert got == [[], [], [("group_rename", "acme-offers-2026")], []]
        got = told(a, open_, "offers-2026", host_bob, host_carol)
        public = [("channel_rename", "offers-2026")]
        assert got == [public, public, [], []]
    assert b.conversations_info(channel=hidden)["channel"]["name"] == "acme-plans-2026"
    assert a.conversations_info(channel=hidden)["channel"]["name"] == "plans-2026"


def test_a_rename_is_told_to_the_renaming_side_only(
    server: Server, acme: Workspace, globex: Workspace
) -> None:
    renames_each_side(server, acme, globex)


def test_people_of_both_sides_post_thread_react_edit_and_delete(
    server: Server, acme: Workspace, globex: Workspace
) -> None:
    channel = share(server, acme, globex)
    a, b = server.client(acme.bob.token), server.client(globex.bob.token)
    posted = b.chat_postMessage(channel=channel, text="hello from globex")
    assert posted["message"]["team"] == globex.team_id
    assert posted["message"]["user_team"] == globex.team_id
    reply = a.chat_postMessage(channel=channel, text="welcome", thread_ts=posted["ts"])
    assert reply["message"]["user_team"] == acme.team_id
    a.reactions_add(channel=channel, timestamp=posted["ts"], name="wave")
    b.reactions_add(channel=channel, timestamp=reply["ts"], name="tada")
    b.chat_update(channel=channel, ts=posted["ts"], text="hello from globex!")
    a.pins_add(channel=channel, timestamp=posted["ts"])

    for side in (a, b):
        [top, *_] = side.conversations_history(channel=channel)["messages"]
        assert (top["text"], top["team"], top["reply_count"]) == (
            "hello from globex!",
            globex.team_id,
            1,
        )
        assert top["reactions"] == [{"name": "wave", "users": [acme.bob.user_id], "count": 1}]
        thread = side.conversations_replies(channel=channel, ts=posted["ts"])["messages"]
        assert [m["text"] for m in thread] == ["hello from globex!", "welcome"]
        assert thread[1]["reactions"][0]["users"] == [globex.bob.user_id]
        assert side.pins_list(channel=channel)["items"][0]["message"]["ts"] == posted["ts"]
        assert side.chat_getPermalink(channel=channel, message_ts=posted["ts"])["permalink"]

    # Each edits and deletes only their own; an admin only their own workspace's people's.
    assert error_of(lambda: a.chat_update(channel=channel, ts=posted["ts"], text="x")) == (
        "cant_update_message"
    )
    globex_admin = server.client(globex.alice.token)
    assert error_of(lambda: globex_admin.chat_delete(channel=channel, ts=reply["ts"])) == (
        "cant_delete_message"
    )
    a.chat_delete(channel=channel, ts=reply["ts"])
    globex_admin.chat_delete(channel=channel, ts=posted["ts"])
    assert b.conversations_history(channel=channel)["messages"][0]["subtype"] == "channel_join"


def test_members_see_each_other_with_their_workspace_and_nothing_more(
    server: Server, acme: Workspace, globex: Workspace
) -> None:
    channel = share(server, acme, globex)
    a, b = server.client(acme.bob.token), server.client(globex.bob.token)
    members = set(b.conversations_members(channel=channel)["members"])
    assert members == {
        acme.alice.user_id,
        acme.bob.user_id,
        globex.alice.user_id,
        globex.bob.user_id,
    }

    seen = a.users_info(user=globex.bob.user_id)["user"]
    assert (seen["id"], seen["team_id"], seen["name"]) == (
        globex.bob.user_id,
        globex.team_id,
        "bob",
    )
    assert seen["profile"]["team"] == globex.team_id
    assert "avatar_hash" in seen["profile"]
    for hidden in ("email", "phone", "skype"):
        assert hidden not in seen["profile"]
    assert "is_admin" not in seen
    assert b.users_info(user=acme.bob.user_id)["user"]["team_id"] == acme.team_id
    # acme's carol is in no channel shared with globex: she does not exist for globex.
    assert error_of(lambda: b.users_info(user=acme.carol.user_id)) == "user_not_found"
    # Nor is globex listed in acme's directory.
    listed = {u["id"] for u in a.users_list()["members"]}
    assert globex.bob.user_id not in listed


def test_disconnection_leaves_the_guest_nothing(
    server: Server, acme: Workspace, globex: Workspace
) -> None:
    channel = share(server, acme, globex)
    host, b = server.client(acme.alice.token), server.client(globex.bob.token)
    b.chat_postMessage(channel=channel, text="before")
    host.admin_conversations_disconnectShared(channel_id=channel)

    for call in (
        lambda: b.conversations_history(channel=channel),
        lambda: b.conversations_info(channel=channel),
        lambda: b.chat_postMessage(channel=channel, text="after"),
        lambda: b.conversations_join(channel=channel),
        lambda: b.conversations_members(channel=channel),
        lambda: b.reactions_get(channel=channel, timestamp="1.000001"),
    ):
        assert error_of(call) == "channel_not_found"
    assert channel not in {c["id"] for c in b.conversations_list()["channels"]}
    assert error_of(lambda: b.users_info(user=acme.bob.user_id)) == "user_not_found"
    a = server.client(acme.bob.token)
    assert error_of(lambda: a.users_info(user=globex.bob.user_id)) == "user_not_found"
    info = a.conversations_info(channel=channel)["channel"]
    assert (info["is_shared"], info["is_ext_shared"]) == (False, False)
    assert set(a.conversations_members(channel=channel)["members"]) == {
        acme.alice.user_id,
        acme.bob.user_id,
    }
    # The guest's messages stay in the host's history.
    texts = [m["text"] for m in a.conversations_history(channel=channel)["messages"]]
    assert "before" in texts
    # A second call completes nothing more and fails nothing.
    host.admin_conversations_disconnectShared(channel_id=channel, leaving_team_ids=[globex.team_id])


def test_an_open_socket_of_the_guest_hears_the_channel_until_disconnection(
    server: Server, acme: Workspace, globex: Workspace
) -> None:
    channel = share(server, acme, globex)
    a = server.client(acme.bob.token)
    with rtm(server, globex.bob.token) as guest, rtm(server, acme.carol.token) as bystander:
        a.chat_postMessage(channel=channel, text="live")
        event = guest.until(text_is("live"))[-1]
        assert (event["channel"], event["user_team"]) == (channel, acme.team_id)
        with rtm(server, acme.bob.token) as host_side:
            guest.send({"id": 1, "type": "typing", "channel": channel})
            typing = host_side.until(of_type("user_typing", channel=channel))[-1]
            assert typing["user"] == globex.bob.user_id
        server.client(acme.alice.token).admin_conversations_disconnectShared(channel_id=channel)
        mine = of_type("member_left_channel", channel=channel, user=globex.bob.user_id)
        assert guest.until(mine)[-1]["team"] == globex.team_id
        a.chat_postMessage(channel=channel, text="after")
        # acme's own socket hears the message; globex's gets nothing more of the channel.
        with rtm(server, acme.bob.token) as host_side:
            a.chat_postMessage(channel=channel, text="later")
            host_side.until(text_is("later"))
        frames = guest.sync()
        assert [f for f in frames if f.get("channel") == channel] == []
        assert not [f for f in bystander.sync() if f.get("channel") == channel]


def test_a_guest_socket_resumes_from_the_hosts_log(
    server: Server, acme: Workspace, globex: Workspace
) -> None:
    channel = share(server, acme, globex)
    a = server.client(acme.bob.token)
    with rtm(server, globex.bob.token) as guest:
        a.chat_postMessage(channel=channel, text="one")
        guest.until(text_is("one"))
        cursor = guest.cursor
    assert channel in cursor
    a.chat_postMessage(channel=channel, text="two")
    a.chat_postMessage(channel=channel, text="three")
    with rtm(server, globex.bob.token, resume=cursor) as again:
        got = again.until(text_is("three"))
        assert [e["text"] for e in got if e.get("type") == "message"] == ["two", "three"]


def test_a_socket_opened_before_the_share_follows_it_from_the_next_connect(
    server: Server, acme: Workspace, globex: Workspace
) -> None:
    # The server remembers what globex has been shared (nothing yet) from this connect on.
    with rtm(server, globex.bob.token) as before:
        before.sync()
    channel = share(server, acme, globex)
    with rtm(server, globex.bob.token) as after:
        after.sync()
        server.client(acme.bob.token).chat_postMessage(channel=channel, text="now shared")
        after.until(text_is("now shared"))


def left_while_away(server: Server, acme: Workspace, globex: Workspace) -> None:
    """A guest's people whose socket was closed when they left the channel, or when their
    workspace was disconnected, are replayed up to their own leave on resuming, then nothing."""
    channel = share(server, acme, globex)
    a = server.client(acme.bob.token)
    carol = server.client(globex.carol.token)
    carol.conversations_join(channel=channel)
    cursors = {}
    for person in (globex.bob, globex.carol):
        with rtm(server, person.token) as socket:
            a.chat_postMessage(channel=channel, text="seen by " + person.name)
            socket.until(text_is("seen by " + person.name))
            cursors[person.name] = socket.cursor
    a.chat_postMessage(channel=channel, text="missed")
    carol.conversations_leave(channel=channel)
    a.chat_postMessage(channel=channel, text="after carol left")
    server.client(acme.alice.token).admin_conversations_disconnectShared(channel_id=channel)
    a.chat_postMessage(channel=channel, text="after the share ended")
    missed = ["seen by carol", "missed"]
    for person, replayed in (
        (globex.carol, missed[1:]),
        (globex.bob, [*missed, "after carol left"]),
    ):
        with rtm(server, person.token, resume=cursors[person.name]) as again:
            mine = of_type("member_left_channel", channel=channel, user=person.user_id)
            got = again.until(mine)
            posts = [e["text"] for e in got if e.get("type") == "message" and "subtype" not in e]
            assert posts == replayed
            with rtm(server, acme.bob.token) as host_side:
                a.chat_postMessage(channel=channel, text="later")
                host_side.until(text_is("later"))
            assert [f for f in again.sync() if f.get("channel") == channel] == []
    # A cursor naming the channel for someone of globex who was never in it gets nothing.
    forged = f"{globex.team_id}:0,{channel}:0"
    with rtm(server, globex.bot.token, resume=forged) as bot:
        assert [f for f in bot.sync() if f.get("channel") == channel] == []


def test_a_guest_who_left_while_away_is_replayed_up_to_the_leave(
    server: Server, acme: Workspace, globex: Workspace
) -> None:
    left_while_away(server, acme, globex)


def test_a_guest_who_joins_hears_the_channel_at_once(
    server: Server, acme: Workspace, globex: Workspace
) -> None:
    channel = share(server, acme, globex)
    with rtm(server, globex.carol.token) as carol:
        server.client(globex.carol.token).conversations_join(channel=channel)
        server.client(acme.bob.token).chat_postMessage(channel=channel, text="hi carol")
        carol.until(text_is("hi carol"))


def _listed_invites(client: WebClient) -> list[str]:
    return [i["invite"]["id"] for i in client.conversations_listConnectInvites()["invites"]]


def test_invites_refused_write_nothing(server: Server, acme: Workspace, globex: Workspace) -> None:
    a, bob = server.client(acme.alice.token), server.client(acme.bob.token)
    channel = a.conversations_create(name="deals")["channel"]["id"]
    general = next(c["id"] for c in a.conversations_list()["channels"] if c["name"] == "general")
    secret = bob.conversations_create(name="secret", is_private=True)["channel"]["id"]
    dm = a.conversations_open(users=acme.bob.user_id)["channel"]["id"]
    archived = a.conversations_create(name="old")["channel"]["id"]
    a.conversations_archive(channel=archived)
    to_globex = {"emails": ["alice@globex.test"]}
    cases: list[tuple[WebClient, dict[str, Any], str]] = [
        (bob, {"channel": channel, **to_globex}, "restricted_action"),
        (server.client(acme.bot.token), {"channel": channel, **to_globex}, "restricted_action"),
        (a, {"channel": "C0NOSUCH", **to_globex}, "channel_not_found"),
        (a, {"channel": secret, **to_globex}, "channel_not_found"),
        (a, {"channel": general, **to_globex}, "cannot_share_mandatory_channel"),
        (a, {"channel": dm, **to_globex}, "invalid_channel_type"),
        (a, {"channel": archived, **to_globex}, "channel_archived"),
        (a, {"channel": channel}, "invalid_arguments"),
        (
            a,
            {"channel": channel, "emails": ["alice@globex.test", "bob@globex.test"]},
            "invalid_arguments",
        ),
        # An email that names nobody is answered as a sent invite (test_invite_privacy.py).
        (a, {"channel": channel, "user_ids": ["UNOSUCH"]}, "user_not_found"),
        (a, {"channel": channel, "emails": ["bob@acme.test"]}, "invalid_arguments"),
        (a, {"channel": channel, "team_domain": "nosuch"}, "team_not_found"),
    ]
    for client, args, error in cases:
        assert error_of(
            lambda c=client, kw=args: c.api_call("conversations.inviteShared", json=kw)
        ) == (error), args
    assert _listed_invites(a) == []
    assert _listed_invites(server.client(globex.alice.token)) == []
    assert a.conversations_info(channel=channel)["channel"]["pending_shared"] == []


def test_answers_refused_write_nothing(server: Server, acme: Workspace, globex: Workspace) -> None:
    a, b = server.client(acme.alice.token), server.client(globex.alice.token)
    channel = a.conversations_create(name="deals")["channel"]["id"]
    b.conversations_create(name="taken")
    invite_id = invite(a, channel, "bob@globex.test")  # anyone names the workspace
    not_admin = server.client(globex.bob.token)
    accepts: list[tuple[WebClient, dict[str, Any], str]] = [
        (not_admin, {"invite_id": invite_id, "channel_name": "deals"}, "restricted_action"),
        (b, {"invite_id": "I0NOSUCH", "channel_name": "deals"}, "invite_not_found"),
        (b, {"channel_name": "deals"}, "invalid_arguments"),
        (b, {"invite_id": invite_id, "channel_name": "taken"}, "name_taken"),
        (b, {"invite_id": invite_id, "channel_name": "Bad Name!"}, "invalid_name_specials"),
        (b, {"invite_id": invite_id}, "invalid_name_required"),
        # Only the invited workspace may answer.
        (a, {"invite_id": invite_id, "channel_name": "deals"}, "invite_not_found"),
        (b, {"channel_id": "C0NOSUCH", "channel_name": "deals"}, "invite_not_found"),
    ]
    for client, args, error in accepts:
        assert (
            error_of(
                lambda c=client, kw=args: c.api_call("conversations.acceptSharedInvite", json=kw)
            )
            == error
        ), args
    assert error_of(lambda: not_admin.conversations_declineSharedInvite(invite_id=invite_id)) == (
        "restricted_action"
    )
    assert error_of(lambda: b.conversations_declineSharedInvite(invite_id="I0NOSUCH")) == (
        "invite_not_found"
    )
    assert error_of(lambda: not_admin.conversations_listConnectInvites()) == "restricted_action"
    assert _listed_invites(b) == [invite_id]
    assert error_of(lambda: b.conversations_info(channel=channel)) == "channel_not_found"

    b.conversations_declineSharedInvite(invite_id=invite_id)
    assert _listed_invites(a) == _listed_invites(b) == []
    assert (
        error_of(
            lambda: b.conversations_acceptSharedInvite(invite_id=invite_id, channel_name="deals")
        )
        == "invite_not_found"
    )
    assert error_of(lambda: b.conversations_info(channel=channel)) == "channel_not_found"
    assert a.conversations_info(channel=channel)["channel"]["is_shared"] is False
    # Declined, it may be offered again.
    again = invite(a, channel, "alice@globex.test")
    assert again != invite_id
    b.conversations_acceptSharedInvite(invite_id=again, channel_name="deals")
    assert b.conversations_info(channel=channel)["channel"]["is_shared"] is True


def test_what_a_guest_may_not_do(server: Server, acme: Workspace, globex: Workspace) -> None:
    channel = share(server, acme, globex)
    b_admin, b = server.client(globex.alice.token), server.client(globex.bob.token)
    host = server.client(acme.alice.token)
    in_already = {"channel": channel, "team_domain": "globex"}
    assert error_of(lambda: host.api_call("conversations.inviteShared", json=in_already)) == (
        "already_in_channel"
    )
    # By address, answered as any address is (docs/limits.md, "Abuse"): nothing reaches globex.
    assert invite(host, channel, "alice@globex.test").startswith("I")
    assert _listed_invites(b_admin) == []
    assert error_of(lambda: invite(b_admin, channel, "carol@acme.test")) == (
        "cannot_share_cross_workspace_channel"
    )
    assert error_of(lambda: b_admin.conversations_archive(channel=channel)) == "restricted_action"
    assert (
        error_of(lambda: b_admin.conversations_kick(channel=channel, user=acme.bob.user_id))
        == "restricted_action"
    )
    assert error_of(lambda: b_admin.admin_conversations_disconnectShared(channel_id=channel)) == (
        "cannot_kick_team"
    )
    assert error_of(lambda: b.admin_conversations_disconnectShared(channel_id=channel)) == (
        "not_an_admin"
    )
    assert (
        error_of(
            lambda: host.admin_conversations_disconnectShared(
                channel_id=channel, leaving_team_ids=[acme.team_id]
            )
        )
        == "cannot_kick_home_team"
    )
    assert (
        error_of(
            lambda: host.admin_conversations_disconnectShared(
                channel_id=channel, leaving_team_ids=["TNOSUCH"]
            )
        )
        == "leaving_team_not_in_channel"
    )
    lone = host.conversations_create(name="lone")["channel"]["id"]
    assert error_of(lambda: host.admin_conversations_disconnectShared(channel_id=lone)) == (
        "no_teams_to_disconnect"
    )
    # None of it changed anything: the share stands.
    assert b.conversations_info(channel=channel)["channel"]["shared_team_ids"] == [
        acme.team_id,
        globex.team_id,
    ]
    # A guest invites people of its own workspace; the host may remove them.
    b.conversations_invite(channel=channel, users=globex.carol.user_id)
    host.conversations_kick(channel=channel, user=globex.carol.user_id)
    assert globex.carol.user_id not in b.conversations_members(channel=channel)["members"]


def test_a_private_channel_on_the_guest_side_hides_from_its_other_people(
    server: Server, acme: Workspace, globex: Workspace
) -> None:
    a, b, channel, invite_id = invited(server, acme, globex)
    b.conversations_acceptSharedInvite(invite_id=invite_id, channel_name="deals", is_private=True)
    seen = b.conversations_info(channel=channel)["channel"]
    assert (seen["is_private"], seen["is_group"]) == (True, True)
    carol = server.client(globex.carol.token)
    assert error_of(lambda: carol.conversations_join(channel=channel)) == "channel_not_found"
    assert channel not in {
        c["id"]
        for c in carol.conversations_list(types="public_channel,private_channel")["channels"]
    }
    b.conversations_invite(channel=channel, users=globex.carol.user_id)
    assert carol.conversations_info(channel=channel)["channel"]["is_member"] is True
    # Public on acme's side all along, and so in the events both sides share.
    assert a.conversations_info(channel=channel)["channel"]["is_private"] is False
    with rtm(server, acme.alice.token) as host_side:
        b.chat_postMessage(channel=channel, text="from a private corner")
        event = host_side.until(text_is("from a private corner"))[-1]
        assert event["channel_type"] == "channel"


def _reacted(client: WebClient, **args: Any) -> list[tuple[str, str]]:
    """(channel, text) of every message in reactions.list, walked one item a page."""
    out, cursor = [], ""
    while True:
        page = client.reactions_list(limit=1, cursor=cursor, **args)
        out += [(i["channel"], i["message"]["text"]) for i in page["items"]]
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            return out


def _member_of(client: WebClient, user: str, among: set[str]) -> set[str]:
    kinds = "public_channel,private_channel"
    found = client.users_conversations(user=user, types=kinds, limit=1000)["channels"]
    return {c["id"] for c in found} & among


def guests_listings(server: Server, acme: Workspace, globex: Workspace) -> None:
    """reactions.list and users.conversations of a guest's people include the shared channels,
    as far as the caller may see them."""
    deals = share(server, acme, globex)
    a, b = server.client(acme.alice.token), server.client(globex.alice.token)
    bob, carol = server.client(globex.bob.token), server.client(globex.carol.token)
    # A second channel, private on globex's side, where only globex's alice is.
    secret = a.conversations_create(name="secret")["channel"]["id"]
    invite_id = invite(a, secret, "alice@globex.test")
    b.conversations_acceptSharedInvite(invite_id=invite_id, channel_name="secret", is_private=True)
    home = bob.conversations_create(name="lobby")["channel"]["id"]
    b.conversations_join(channel=home)
    ours = {deals, secret, home}

    for client, channel, text in (
        (bob, home, "at home"),
        (a, deals, "in deals"),
        (a, secret, "in secret"),
    ):
        ts = client.chat_postMessage(channel=channel, text=text)["ts"]
        for person in (bob, b):
            if channel != secret or person is b:
                person.reactions_add(channel=channel, timestamp=ts, name="eyes")

    assert _reacted(bob) == [(deals, "in deals"), (home, "at home")]
    assert _reacted(carol, user=globex.bob.user_id) == [(deals, "in deals"), (home, "at home")]
    assert _reacted(b) == [(secret, "in secret"), (deals, "in deals"), (home, "at home")]
    # Nothing of the channel only globex's alice is in, for anyone else of globex.
    assert _reacted(carol, user=globex.alice.user_id) == [(deals, "in deals"), (home, "at home")]
    # The host's people list their own reactions, never a guest's.
    assert _reacted(a) == []
    assert error_of(lambda: a.reactions_list(user=globex.bob.user_id)) == "user_not_found"

    assert _member_of(carol, globex.bob.user_id, ours) == {deals, home}
    assert _member_of(carol, globex.alice.user_id, ours) == {deals, home}
    assert _member_of(b, globex.alice.user_id, ours) == {deals, home, secret}
    assert error_of(lambda: _member_of(a, globex.bob.user_id, ours)) == "user_not_found"

    a.admin_conversations_disconnectShared(channel_id=deals)
    assert _reacted(carol, user=globex.bob.user_id) == [(home, "at home")]
    assert _member_of(carol, globex.bob.user_id, ours) == {home}


def test_a_guest_s_listings_show_the_shared_channels_the_caller_may_see(
    server: Server, acme: Workspace, globex: Workspace
) -> None:
    guests_listings(server, acme, globex)


# -- a crash between the two workspaces' steps -------------------------------------------------
#
# Each test leaves the rows as a crash between the steps of one call would (one workspace's
# step done, the other's not), then checks that nobody got in whom the host's record does not
# let in, and that calling again completes the change.


def _write(server: Server, team_id: str, change: Callable[[Tx], None]) -> None:
    def unit(tx: Tx, _log: EventLog) -> None:
        change(tx)
        tx.identity_changed = True  # as every change of a share does: routes are re-read

    run_admin(server.data_dir, lambda hub: hub.commit(team_id, unit))


def _guest_record(server: Server, team_id: str, channel: str) -> SharedChannel | None:
    return run_admin(
        server.data_dir,
        lambda hub: hub.read(team_id, lambda tx: tx.shared_channel(team_id, channel)),
    )


def test_an_acceptance_cut_short_grants_nothing_and_completes_when_called_again(
    server: Server, acme: Workspace, globex: Workspace
) -> None:
    a, b, channel, invite_id = invited(server, acme, globex)
    # The guest's step of acceptance went through; the host's did not.
    _write(
        server,
        globex.team_id,
        lambda tx: tx.set_shared_channel(globex.team_id, channel, state="accepted", name="deals"),
    )
    for call in (
        lambda: b.conversations_info(channel=channel),
        lambda: b.chat_postMessage(channel=channel, text="too early"),
        lambda: b.conversations_join(channel=channel),
    ):
        assert error_of(call) == "channel_not_found"
    assert channel not in {c["id"] for c in b.conversations_list()["channels"]}

    b.conversations_acceptSharedInvite(invite_id=invite_id, channel_name="deals")
    assert b.conversations_info(channel=channel)["channel"]["is_member"] is True
    assert a.conversations_info(channel=channel)["channel"]["shared_team_ids"] == [
        acme.team_id,
        globex.team_id,
    ]


def test_a_disconnection_cut_short_lets_nothing_through_and_completes_when_called_again(
    server: Server, acme: Workspace, globex: Workspace
) -> None:
    channel = share(server, acme, globex)
    host, b = server.client(acme.alice.token), server.client(globex.bob.token)
    host.admin_conversations_disconnectShared(channel_id=channel)
    # As if the guest's step had never run: its record still says accepted.
    _write(
        server,
        globex.team_id,
        lambda tx: tx.set_shared_channel(globex.team_id, channel, state="accepted"),
    )
    assert error_of(lambda: b.conversations_history(channel=channel)) == "channel_not_found"
    assert error_of(lambda: b.chat_postMessage(channel=channel, text="x")) == "channel_not_found"
    assert channel not in {c["id"] for c in b.conversations_list()["channels"]}

    host.admin_conversations_disconnectShared(channel_id=channel, leaving_team_ids=[globex.team_id])
    found = _guest_record(server, globex.team_id, channel)
    assert found is not None
    assert found.state == "disconnected"


def test_an_invite_cut_short_is_completed_by_inviting_again(
    server: Server, acme: Workspace, globex: Workspace
) -> None:
    a, b, channel, invite_id = invited(server, acme, globex)
    # The host's step went through; the guest's record was never written.
    _write(
        server,
        globex.team_id,
        lambda tx: tx.conn.execute(
            delete(shared_channels).where(shared_channels.c.team_id == globex.team_id)
        ),
    )
    assert _listed_invites(b) == []
    assert invite(a, channel, "alice@globex.test") == invite_id
    assert _listed_invites(b) == [invite_id]


def test_a_guest_s_unread_counts_include_the_shared_channel(
    server: Server, acme: Workspace, globex: Workspace
) -> None:
    channel = share(server, acme, globex)
    b = server.client(globex.bob.token)
    a = server.client(acme.bob.token)
    first = a.chat_postMessage(channel=channel, text="one")["ts"]
    a.chat_postMessage(channel=channel, text=f"two <@{globex.bob.user_id}>")
    counts = {c["id"]: c for c in b.api_call("client.counts")["channels"]}
    assert (counts[channel]["unread_count"], counts[channel]["mention_count"]) == (2, 1)
    with rtm(server, globex.bob.token) as guest:
        b.conversations_mark(channel=channel, ts=first)
        marked = guest.until(of_type("channel_marked", channel=channel))[-1]
        assert (marked["unread_count"], marked["mention_count"]) == (1, 1)
    counts = {c["id"]: c for c in b.api_call("client.counts")["channels"]}
    assert counts[channel]["unread_count"] == 1
    # Nothing of acme beyond the shared channel is counted for globex.
    assert set(counts) - {channel} == {
        c["id"] for c in server.client(globex.carol.token).api_call("client.counts")["channels"]
    }


def test_the_invited_workspace_is_found_by_person_id_or_by_domain(
    server: Server, acme: Workspace, globex: Workspace
) -> None:
    a, b = server.client(acme.alice.token), server.client(globex.alice.token)
    by_id = a.conversations_create(name="by-id")["channel"]["id"]
    by_domain = a.conversations_create(name="by-domain")["channel"]["id"]
    a.api_call(
        "conversations.inviteShared",
        json={"channel": by_id, "emails": [" "], "user_ids": [globex.bob.user_id]},
    )
    a.api_call("conversations.inviteShared", json={"channel": by_domain, "team_domain": "globex"})
    received = {
        i["channel"]["id"]: i["invite"] for i in b.conversations_listConnectInvites()["invites"]
    }
    assert received[by_id]["recipient_user_id"] == globex.bob.user_id
    assert "recipient_user_id" not in received[by_domain]
    assert {i["recipient_team_id"] for i in received.values()} == {globex.team_id}
    # Named by id or domain, the host knows the workspace: it is pending in the channel's info.
    for channel in (by_id, by_domain):
        info = a.conversations_info(channel=channel)["channel"]
        assert (info["is_pending_ext_shared"], info["pending_shared"]) == (True, [globex.team_id])


def _notified(client: WebClient, channel: str, ts: str) -> bool:
    found = client.api_call("notifications.list")["notifications"]
    return any((n["channel"], n["ts"]) == (channel, ts) for n in found)


def test_mentions_notify_people_of_both_sides(
    server: Server, acme: Workspace, globex: Workspace
) -> None:
    channel = share(server, acme, globex)
    a, b = server.client(acme.bob.token), server.client(globex.bob.token)
    with rtm(server, globex.bob.token) as guest, rtm(server, acme.bob.token) as host_side:
        to_guest = a.chat_postMessage(channel=channel, text=f"hi <@{globex.bob.user_id}>")["ts"]
        notice = guest.until(of_type("desktop_notification", msg=to_guest))[-1]
        assert (notice["channel"], notice["subtitle"]) == (channel, "#acme-deals")
        to_host = b.chat_postMessage(channel=channel, text=f"hi <@{acme.bob.user_id}>")["ts"]
        notice = host_side.until(of_type("desktop_notification", msg=to_host))[-1]
        assert notice["subtitle"] == "#deals"
    assert _notified(b, channel, to_guest)
    assert _notified(a, channel, to_host)
    # Each record is in its person's own workspace only.
    assert not _notified(server.client(globex.alice.token), channel, to_guest)

    server.client(acme.alice.token).admin_conversations_disconnectShared(channel_id=channel)
    with rtm(server, globex.bob.token) as guest:
        late = a.chat_postMessage(channel=channel, text=f"gone <@{globex.bob.user_id}>")["ts"]
        drained(server, acme.team_id)
        assert not [f for f in guest.sync() if f.get("type") == "desktop_notification"]
    assert not _notified(b, channel, late)


# -- withdrawing, lapsing and listing invites --------------------------------------------------

DAY = 24 * 3600


def _not_granted(server: Server, acme: Workspace, globex: Workspace, channel: str) -> None:
    a, b = server.client(acme.alice.token), server.client(globex.alice.token)
    assert error_of(lambda: b.conversations_info(channel=channel)) == "channel_not_found"
    assert channel not in {c["id"] for c in b.conversations_list()["channels"]}
    seen = a.conversations_info(channel=channel)["channel"]
    assert (seen["is_shared"], seen.get("pending_connected_team_ids", [])) == (False, [])
    assert globex.alice.user_id not in a.conversations_members(channel=channel)["members"]
    assert _listed_invites(a) == [] and _listed_invites(b) == []


def test_the_host_withdraws_a_pending_invite(
    server: Server, acme: Workspace, globex: Workspace
) -> None:
    a, b, channel, invite_id = invited(server, acme, globex)
    not_admin = server.client(acme.bob.token)
    refused = error_of(lambda: not_admin.conversations_declineSharedInvite(invite_id=invite_id))
    assert refused == "restricted_action"
    assert _listed_invites(a) == [invite_id]

    a.conversations_declineSharedInvite(invite_id=invite_id)
    assert error_of(lambda: a.conversations_declineSharedInvite(invite_id=invite_id)) == (
        "invite_not_found"
    )
    assert error_of(
        lambda: b.conversations_acceptSharedInvite(invite_id=invite_id, channel_name="deals")
    ) == ("invite_not_found")
    _not_granted(server, acme, globex, channel)
    # A new invite is a new one, and works.
    again = invite(a, channel, "alice@globex.test")
    assert again != invite_id
    b.conversations_acceptSharedInvite(invite_id=again, channel_name="deals")
    assert b.conversations_info(channel=channel)["channel"]["is_member"] is True


def test_a_withdrawal_cut_short_is_honoured_by_the_invited_side(
    server: Server, acme: Workspace, globex: Workspace
) -> None:
    _, b, channel, invite_id = invited(server, acme, globex)
    # The host's step of withdrawing went through; the invited side's did not.
    _write(
        server,
        acme.team_id,
        lambda tx: tx.set_share(acme.team_id, channel, globex.team_id, state="declined"),
    )
    assert _listed_invites(b) == []
    assert error_of(
        lambda: b.conversations_acceptSharedInvite(invite_id=invite_id, channel_name="deals")
    ) == ("invite_not_found")
    record = _guest_record(server, globex.team_id, channel)
    assert record is not None and record.state == "declined"
    assert error_of(lambda: b.conversations_info(channel=channel)) == "channel_not_found"


def test_an_invite_lapses_after_fourteen_days(
    server: Server, acme: Workspace, globex: Workspace
) -> None:
    a, b, channel, invite_id = invited(server, acme, globex)
    [listed] = a.conversations_listConnectInvites()["invites"]
    assert listed["invite"]["date_invalid"] == listed["invite"]["date_created"] + 14 * DAY

    def sent_at(created: int) -> None:
        _write(
            server,
            acme.team_id,
            lambda tx: tx.set_share(acme.team_id, channel, globex.team_id, created=created),
        )
        _write(
            server,
            acme.team_id,
            lambda tx: tx.set_email_invite(acme.team_id, invite_id, created=created),
        )
        _write(
            server,
            globex.team_id,
            lambda tx: tx.set_shared_channel(globex.team_id, channel, created=created),
        )

    now = int(time.time())
    sent_at(now - 14 * DAY + 60)  # a minute left
    assert _listed_invites(a) == [invite_id] and _listed_invites(b) == [invite_id]
    sent_at(now - 14 * DAY)
    assert error_of(
        lambda: b.conversations_acceptSharedInvite(invite_id=invite_id, channel_name="deals")
    ) == ("invite_not_found")
    _not_granted(server, acme, globex, channel)
    record = _guest_record(server, globex.team_id, channel)
    assert record is not None and record.state == "pending"  # nothing written
    # Inviting again sends a new invite, which may be accepted.
    again = invite(a, channel, "alice@globex.test")
    assert again != invite_id and _listed_invites(b) == [again]
    b.conversations_acceptSharedInvite(invite_id=again, channel_name="deals")
    assert b.conversations_info(channel=channel)["channel"]["is_member"] is True


def test_invites_are_listed_count_a_page_with_a_cursor(
    server: Server, acme: Workspace, globex: Workspace
) -> None:
    a, b = server.client(acme.alice.token), server.client(globex.alice.token)
    sent = []
    for name in ("one", "two", "three"):
        channel = a.conversations_create(name=name)["channel"]["id"]
        sent.append(invite(a, channel, "alice@globex.test"))
    theirs = b.conversations_create(name="theirs")["channel"]["id"]
    back = b.conversations_inviteShared(channel=theirs, emails=["alice@acme.test"])["invite_id"]
    for client in (a, b):
        whole = [i["invite"]["id"] for i in client.conversations_listConnectInvites()["invites"]]
        assert sorted(whole) == sorted([*sent, back])
        pages, cursor = [], ""
        while True:
            page = client.conversations_listConnectInvites(count=2, cursor=cursor)
            pages.append([i["invite"]["id"] for i in page["invites"]])
            cursor = page["response_metadata"]["next_cursor"]
            if not cursor:
                break
        assert pages == [whole[:2], whole[2:]]
    for bad in ("nope", "aW52aXRlOng6"):  # not base64 of ours; "invite:x:"
        assert error_of(lambda c=bad: a.conversations_listConnectInvites(cursor=c)) == (
            "invalid_cursor"
        )


# -- three workspaces --------------------------------------------------------------------------


def three_workspaces(
    server: Server, acme: Workspace, globex: Workspace, initech: Workspace
) -> None:
    """A channel of acme's shared with globex and initech: the two guests talk and see each
    other's people in it as external members, nothing else of each other; disconnecting
    globex leaves acme and initech working."""
    a = server.client(acme.alice.token)
    channel = a.conversations_create(name="deals")["channel"]["id"]
    a.conversations_invite(channel=channel, users=acme.bob.user_id)
    for guest, local in ((globex, "acme-deals"), (initech, "deals-with-acme")):
        invite_id = invite(a, channel, f"alice@{guest.domain}.test")
        admin = server.client(guest.alice.token)
        admin.conversations_acceptSharedInvite(invite_id=invite_id, channel_name=local)
        server.client(guest.bob.token).conversations_join(channel=channel)
    g, i = server.client(globex.bob.token), server.client(initech.bob.token)
    everyone = {acme.team_id, globex.team_id, initech.team_id}
    for side, name in ((a, "deals"), (g, "acme-deals"), (i, "deals-with-acme")):
        seen = side.conversations_info(channel=channel)["channel"]
        assert (seen["name"], set(seen["shared_team_ids"])) == (name, everyone)
        assert seen["shared_team_ids"][0] == acme.team_id

    with rtm(server, globex.bob.token) as at_globex, rtm(server, initech.bob.token) as at_initech:
        i.chat_postMessage(channel=channel, text="from initech")
        heard = at_globex.until(text_is("from initech"))[-1]
        assert (heard["user"], heard["user_team"]) == (initech.bob.user_id, initech.team_id)
        g.chat_postMessage(channel=channel, text="from globex")
        assert at_initech.until(text_is("from globex"))[-1]["user_team"] == globex.team_id
    # Each other's people in the channel, as external members; nobody else.
    for viewer, person, team in ((g, initech.bob, initech), (i, globex.bob, globex)):
        shown = viewer.users_info(user=person.user_id)["user"]
        assert (shown["team_id"], shown["name"]) == (team.team_id, "bob")
        assert "email" not in shown["profile"] and "is_admin" not in shown
    assert error_of(lambda: g.users_info(user=initech.carol.user_id)) == "user_not_found"
    assert error_of(lambda: i.users_info(user=globex.carol.user_id)) == "user_not_found"
    assert not {u["id"] for u in g.users_list()["members"]} & {initech.bob.user_id}
    assert {c["id"] for c in g.conversations_list()["channels"]} & {
        c["id"] for c in i.conversations_list()["channels"]
    } == {channel}

    assert error_of(lambda: a.admin_conversations_disconnectShared(channel_id=channel)) == (
        "leaving_team_required"
    )
    a.admin_conversations_disconnectShared(channel_id=channel, leaving_team_ids=[globex.team_id])
    with rtm(server, acme.bob.token) as at_acme:
        i.chat_postMessage(channel=channel, text="still here")
        assert at_acme.until(text_is("still here"))[-1]["user_team"] == initech.team_id
    history = [m["text"] for m in i.conversations_history(channel=channel)["messages"]]
    assert "still here" in history
    seen = i.conversations_info(channel=channel)["channel"]
    assert seen["shared_team_ids"] == [acme.team_id, initech.team_id]
    assert error_of(lambda: g.conversations_history(channel=channel)) == "channel_not_found"
    assert error_of(lambda: g.users_info(user=initech.bob.user_id)) == "user_not_found"
    assert error_of(lambda: i.users_info(user=globex.bob.user_id)) == "user_not_found"
    assert a.users_info(user=initech.bob.user_id)["user"]["team_id"] == initech.team_id


def test_three_workspaces_in_one_channel(
    server: Server, acme: Workspace, globex: Workspace
) -> None:
    three_workspaces(server, acme, globex, make_workspace(server.data_dir, "initech"))
