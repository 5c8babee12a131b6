"""conversations.* and users.conversations over slack_sdk against a real server."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from hubbub.services import workspaces
from hubbub.services.hub import Hub
from tests.support.checks import error_of, events
from tests.support.servers import (
    Member,
    Server,
    Workspace,
    module_server,
    module_workspace,
    run_admin,
)

# One server and workspace for the module (setting one up takes seconds): every test makes its
# own channels, and checks of lists compare pages against a full listing taken at the same time.


server = module_server("conversations")
workspace = module_workspace()


@dataclass
class Extra:
    dave: Member
    erin: Member  # deactivated


@pytest.fixture(scope="module")
def extra(server: Server, workspace: Workspace) -> Extra:
    async def work(hub: Hub) -> Extra:
        people = []
        for name in ("dave", "erin"):
            acct = await workspaces.create_user(
                hub, workspace.domain, email=f"{name}@{workspace.domain}.test", name=name
            )
            people.append(Member(acct.user.id, acct.token, name))
        await workspaces.deactivate_user(hub, workspace.domain, people[1].user_id)
        return Extra(people[0], people[1])

    return run_admin(server.data_dir, work)


@dataclass
class People:
    alice: WebClient  # admin
    bob: WebClient
    carol: WebClient
    ws: Workspace


@pytest.fixture
def people(server: Server, workspace: Workspace) -> People:
    return People(
        server.client(workspace.alice.token),
        server.client(workspace.bob.token),
        server.client(workspace.carol.token),
        workspace,
    )


def unique_name() -> str:
    return "c-" + uuid.uuid4().hex[:12]


def new_channel(owner: WebClient, *others: WebClient, private: bool = False) -> str:
    channel: str = owner.conversations_create(name=unique_name(), is_private=private)["channel"][
        "id"
    ]
    for other in others:
        user_id = other.auth_test()["user_id"]
        owner.conversations_invite(channel=channel, users=user_id)
    return channel


def messages(client: WebClient, channel: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.conversations_history(channel=channel, limit=999)[
        "messages"
    ]
    return found


def member_ids(client: WebClient, channel: str) -> list[str]:
    found: list[str] = client.conversations_members(channel=channel, limit=1000)["members"]
    return found


def walk(call: Callable[..., Any], key: str, **kwargs: Any) -> list[list[Any]]:
    """Every page of a cursor-paginated method, checking the cursor ends as an empty string."""
    pages: list[list[Any]] = []
    cursor = None
    while True:
        answer = call(cursor=cursor, **kwargs) if cursor else call(**kwargs)
        pages.append(answer[key])
        cursor = answer["response_metadata"]["next_cursor"]
        if cursor == "":
            return pages
        assert len(pages) < 1000


@dataclass
class Snapshot:
    messages: list[dict[str, Any]]
    members: list[str]
    info: dict[str, Any]
    log: list[dict[str, Any]]
    team_log: list[dict[str, Any]]


def snapshot(server: Server, client: WebClient, ws: Workspace, channel: str) -> Snapshot:
    """Everything a write could touch: to show that a refused call wrote nothing."""
    return Snapshot(
        messages(client, channel),
        member_ids(client, channel),
        client.conversations_info(channel=channel)["channel"],
        events(server, ws.team_id, channel),
        events(server, ws.team_id, ws.team_id),
    )


# -- conversations.create and conversations.join ---------------------------------------------


def test_create_answers_a_channel_and_announces_public_ones(server: Server, people: People) -> None:
    name = unique_name()
    channel = people.alice.conversations_create(name=name)["channel"]
    assert channel["id"].startswith("C")
    assert channel["name"] == name
    assert channel["is_channel"] is True
    assert channel["is_private"] is False
    assert channel["is_member"] is True
    assert channel["creator"] == people.ws.alice.user_id
    [created] = [
        e
        for e in events(server, people.ws.team_id, people.ws.team_id)
        if e["type"] == "channel_created" and e["channel"]["id"] == channel["id"]
    ]
    assert created["channel"]["name"] == name

    secret = people.alice.conversations_create(name=unique_name(), is_private=True)["channel"]
    assert secret["is_private"] is True
    assert secret["is_group"] is True
    team_log = json.dumps(events(server, people.ws.team_id, people.ws.team_id))
    assert secret["id"] not in team_log


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("", "invalid_name_required"),
        ("Has Caps", "invalid_name_specials"),
        ("---", "invalid_name_punctuation"),
        ("x" * 81, "invalid_name_maxlength"),
        ("general", "name_taken"),
    ],
)
def test_create_refuses_bad_names(people: People, name: str, code: str) -> None:
    assert error_of(people.alice.conversations_create, name=name) == code


def test_join_writes_a_join_message_once(server: Server, people: People) -> None:
    channel = new_channel(people.alice)
    joined = people.bob.conversations_join(channel=channel)
    assert joined["channel"]["id"] == channel
    assert "warning" not in joined
    [first] = messages(people.bob, channel)[:1]
    assert first["subtype"] == "channel_join"
    assert first["user"] == people.ws.bob.user_id
    again = people.bob.conversations_join(channel=channel)
    assert again["warning"] == "already_in_channel"
    assert again["response_metadata"]["warnings"] == ["already_in_channel"]
    joins = [m for m in messages(people.bob, channel) if m["user"] == people.ws.bob.user_id]
    assert len(joins) == 1
    log = events(server, people.ws.team_id, channel)
    assert [e["user"] for e in log if e["type"] == "member_joined_channel"] == [
        people.ws.alice.user_id,
        people.ws.bob.user_id,
    ]


def test_join_refuses_private_channels_and_dms(people: People) -> None:
    secret = new_channel(people.alice, private=True)
    assert error_of(people.bob.conversations_join, channel=secret) == "channel_not_found"
    dm = people.alice.conversations_open(users=people.ws.bob.user_id)["channel"]["id"]
    assert error_of(people.bob.conversations_join, channel=dm) == (
        "method_not_supported_for_channel_type"
    )
    assert error_of(people.bob.conversations_join, channel="CNOSUCHCHAN") == "channel_not_found"


# -- conversations.info ----------------------------------------------------------------------


def test_info_tells_membership_counts_and_unread(people: People) -> None:
    channel = new_channel(people.alice, people.bob)
    people.alice.chat_postMessage(channel=channel, text="one")
    info = people.bob.conversations_info(channel=channel, include_num_members=True)["channel"]
    assert info["is_member"] is True
    assert info["num_members"] == 2
    assert info["unread_count"] >= 1
    outsider = people.carol.conversations_info(channel=channel)["channel"]
    assert outsider["is_member"] is False
    assert "last_read" not in outsider


# -- conversations.history and conversations.replies -----------------------------------------


def test_history_pages_cover_every_message_once(people: People) -> None:
    channel = new_channel(people.alice)
    posted = [people.alice.chat_postMessage(channel=channel, text=f"m{i}")["ts"] for i in range(7)]
    everything = [m["ts"] for m in messages(people.alice, channel)]
    assert everything[:7] == posted[::-1]
    pages = walk(people.alice.conversations_history, "messages", channel=channel, limit=3)
    seen = [m["ts"] for page in pages for m in page]
    assert seen == everything
    assert all(len(page) <= 3 for page in pages)
    last = people.alice.conversations_history(channel=channel, limit=1000)
    assert last["has_more"] is False
    assert last["response_metadata"]["next_cursor"] == ""


def test_history_bounds(people: People) -> None:
    channel = new_channel(people.alice)
    ts = [people.alice.chat_postMessage(channel=channel, text=f"m{i}")["ts"] for i in range(3)]
    inside = people.alice.conversations_history(channel=channel, oldest=ts[0], latest=ts[2])
    assert [m["ts"] for m in inside["messages"]] == [ts[1]]
    inclusive = people.alice.conversations_history(
        channel=channel, oldest=ts[0], latest=ts[2], inclusive=True
    )
    assert [m["ts"] for m in inclusive["messages"]] == ts[::-1]
    # Bounds with fewer digits than a stored ts must still compare as numbers.
    short = people.alice.conversations_history(channel=channel, oldest="999", limit=1000)
    assert len(short["messages"]) == len(messages(people.alice, channel))
    assert people.alice.conversations_history(channel=channel, latest="5")["messages"] == []
    assert error_of(people.alice.conversations_history, channel=channel, oldest="x") == (
        "invalid_ts_oldest"
    )
    assert error_of(people.alice.conversations_history, channel=channel, latest="1.2.3") == (
        "invalid_ts_latest"
    )
    assert error_of(people.alice.conversations_history, channel=channel, cursor="%%%") == (
        "invalid_cursor"
    )


def test_history_from_oldest_alone_reads_forward(people: People) -> None:
    """`oldest` without `latest` gives the messages nearest `oldest` (Slack: "allowing you to
    page forward through history"), each page newest first, its cursor going on forward."""
    channel = new_channel(people.alice)
    ts = [people.alice.chat_postMessage(channel=channel, text=f"m{i}")["ts"] for i in range(7)]
    first = people.alice.conversations_history(channel=channel, oldest=ts[0], limit=3)
    assert [m["ts"] for m in first["messages"]] == [ts[3], ts[2], ts[1]]
    assert first["has_more"] is True
    pages = walk(
        people.alice.conversations_history, "messages", channel=channel, oldest=ts[0], limit=3
    )
    assert [[m["ts"] for m in page] for page in pages] == [
        [ts[3], ts[2], ts[1]],
        [ts[6], ts[5], ts[4]],
    ]
    around = people.alice.conversations_history(
        channel=channel, oldest=ts[2], inclusive=True, limit=2
    )
    assert [m["ts"] for m in around["messages"]] == [ts[3], ts[2]]
    bad = base64.b64encode(b"after_ts:soon").decode()
    assert error_of(people.alice.conversations_history, channel=channel, cursor=bad) == (
        "invalid_cursor"
    )


def test_replies_pages_lead_with_the_parent(people: People) -> None:
    channel = new_channel(people.alice, people.bob)
    parent = people.alice.chat_postMessage(channel=channel, text="thread")["ts"]
    replies = [
        people.bob.chat_postMessage(channel=channel, text=f"r{i}", thread_ts=parent)["ts"]
        for i in range(5)
    ]
    pages = walk(
        people.alice.conversations_replies, "messages", channel=channel, ts=parent, limit=2
    )
    assert all(page[0]["ts"] == parent for page in pages)
    seen = [m["ts"] for page in pages for m in page[1:]]
    assert seen == replies
    whole = people.alice.conversations_replies(channel=channel, ts=replies[2])
    assert [m["ts"] for m in whole["messages"]] == [parent, *replies]
    assert error_of(people.alice.conversations_replies, channel=channel, ts="123.000001") == (
        "thread_not_found"
    )


# -- conversations.list ----------------------------------------------------------------------


def test_list_shows_public_channels_and_private_ones_only_to_members(people: People) -> None:
    public = new_channel(people.alice)
    secret = new_channel(people.alice, people.bob, private=True)
    dm = people.alice.conversations_open(users=people.ws.bob.user_id)["channel"]["id"]

    def ids(client: WebClient, **kwargs: Any) -> set[str]:
        return {
            c["id"] for page in walk(client.conversations_list, "channels", **kwargs) for c in page
        }

    assert public in ids(people.carol)
    assert secret not in ids(people.bob)  # the default is public_channel only
    every = "public_channel,private_channel,mpim,im"
    assert {public, secret, dm} <= ids(people.bob, types=every)
    assert ids(people.bob, types="im") >= {dm}
    assert secret not in ids(people.bob, types="im")
    assert dm not in ids(people.bob, types="private_channel")
    assert not {secret, dm} & ids(people.carol, types=every)

    [shown] = [
        c
        for page in walk(people.bob.conversations_list, "channels", types="private_channel")
        for c in page
        if c["id"] == secret
    ]
    assert shown["is_member"] is True
    assert shown["num_members"] == 2
    [im] = [
        c
        for page in walk(people.bob.conversations_list, "channels", types="im")
        for c in page
        if c["id"] == dm
    ]
    assert im["is_im"] is True
    assert im["user"] == people.ws.alice.user_id


def test_list_pages_cover_every_channel_once(people: People) -> None:
    for _ in range(5):
        new_channel(people.alice)
    every = "public_channel,private_channel,mpim,im"
    full = people.alice.conversations_list(types=every, limit=1000)
    assert full["response_metadata"]["next_cursor"] == ""
    pages = walk(people.alice.conversations_list, "channels", types=every, limit=2)
    assert all(len(page) <= 2 for page in pages)
    seen = [c["id"] for page in pages for c in page]
    assert len(seen) == len(set(seen))
    assert seen == [c["id"] for c in full["channels"]]


def test_list_excludes_archived_on_request(people: People) -> None:
    channel = new_channel(people.alice)
    people.alice.conversations_archive(channel=channel)
    listed = people.alice.conversations_list(limit=1000)["channels"]
    assert any(c["id"] == channel and c["is_archived"] for c in listed)
    current = people.alice.conversations_list(limit=1000, exclude_archived=True)["channels"]
    assert channel not in {c["id"] for c in current}


def test_list_refuses_bad_arguments(people: People) -> None:
    assert error_of(people.alice.conversations_list, types="public_channel,bogus") == (
        "invalid_types"
    )
    assert error_of(people.alice.conversations_list, cursor="bm9wZQ==") == "invalid_cursor"
    assert error_of(people.alice.conversations_list, limit="many") == "invalid_limit"


# -- conversations.leave ---------------------------------------------------------------------


def test_leave_writes_a_leave_message_and_event(server: Server, people: People) -> None:
    channel = new_channel(people.alice, people.bob)
    assert people.bob.conversations_leave(channel=channel)["ok"] is True
    assert people.ws.bob.user_id not in member_ids(people.alice, channel)
    [last] = messages(people.alice, channel)[:1]
    assert last["subtype"] == "channel_leave"
    assert last["user"] == people.ws.bob.user_id
    [left] = [
        e for e in events(server, people.ws.team_id, channel) if e["type"] == "member_left_channel"
    ]
    assert left["user"] == people.ws.bob.user_id
    assert left["channel"] == channel
    assert left["channel_type"] == "C"


def test_leave_when_not_in_the_channel_is_ok_and_writes_nothing(
    server: Server, people: People
) -> None:
    channel = new_channel(people.alice)
    before = snapshot(server, people.alice, people.ws, channel)
    answer = people.bob.conversations_leave(channel=channel)
    assert answer["ok"] is True
    assert answer["not_in_channel"] is True
    assert snapshot(server, people.alice, people.ws, channel) == before


def test_leave_refusals(server: Server, people: People) -> None:
    general = next(
        c["id"] for c in people.bob.conversations_list(limit=1000)["channels"] if c["is_general"]
    )
    assert error_of(people.bob.conversations_leave, channel=general) == "cant_leave_general"
    dm = people.alice.conversations_open(users=people.ws.bob.user_id)["channel"]["id"]
    assert error_of(people.bob.conversations_leave, channel=dm) == (
        "method_not_supported_for_channel_type"
    )
    alone = new_channel(people.alice, private=True)
    before = snapshot(server, people.alice, people.ws, alone)
    assert error_of(people.alice.conversations_leave, channel=alone) == "last_member"
    assert snapshot(server, people.alice, people.ws, alone) == before
    archived = new_channel(people.alice, people.bob)
    people.alice.conversations_archive(channel=archived)
    assert error_of(people.bob.conversations_leave, channel=archived) == "is_archived"


def test_a_former_member_loses_sight_of_a_private_channel(people: People) -> None:
    secret = new_channel(people.alice, people.bob, private=True)
    people.bob.conversations_leave(channel=secret)
    assert error_of(people.bob.conversations_history, channel=secret) == "channel_not_found"
    assert error_of(people.bob.conversations_info, channel=secret) == "channel_not_found"


# -- conversations.invite --------------------------------------------------------------------


def test_invite_adds_people_with_the_inviter_named(
    server: Server, people: People, extra: Extra
) -> None:
    secret = new_channel(people.alice, private=True)
    invited = people.alice.conversations_invite(
        channel=secret, users=[people.ws.bob.user_id, extra.dave.user_id]
    )
    assert invited["channel"]["id"] == secret
    assert invited["channel"]["is_member"] is True
    assert set(member_ids(people.alice, secret)) == {
        people.ws.alice.user_id,
        people.ws.bob.user_id,
        extra.dave.user_id,
    }
    joins = [m for m in messages(people.alice, secret) if m.get("inviter")]
    assert {m["user"] for m in joins} == {people.ws.bob.user_id, extra.dave.user_id}
    assert all(m["subtype"] == "channel_join" for m in joins)
    assert all(m["inviter"] == people.ws.alice.user_id for m in joins)
    log = events(server, people.ws.team_id, secret)
    joined = [e for e in log if e["type"] == "member_joined_channel" and e.get("inviter")]
    assert {e["user"] for e in joined} == {people.ws.bob.user_id, extra.dave.user_id}
    assert all(e["channel_type"] == "G" for e in joined)
    assert people.bob.conversations_info(channel=secret)["channel"]["id"] == secret


def test_invite_refusals_write_nothing(server: Server, people: People, extra: Extra) -> None:
    channel = new_channel(people.alice, people.bob)
    before = snapshot(server, people.alice, people.ws, channel)
    invite = people.alice.conversations_invite
    assert error_of(invite, channel=channel, users="UNOSUCHUSER") == "user_not_found"
    assert error_of(invite, channel=channel, users=people.ws.alice.user_id) == "cant_invite_self"
    assert error_of(invite, channel=channel, users=extra.erin.user_id) == "cant_invite"
    with pytest.raises(SlackApiError) as err:
        invite(channel=channel, users=[people.ws.carol.user_id, people.ws.bob.user_id])
    assert err.value.response["error"] == "already_in_channel"
    assert err.value.response["errors"] == [
        {"user": people.ws.bob.user_id, "ok": False, "error": "already_in_channel"}
    ]
    assert error_of(invite, channel=channel, users="") == "no_user"
    assert (
        error_of(people.carol.conversations_invite, channel=channel, users=extra.dave.user_id)
        == "not_in_channel"
    )
    assert snapshot(server, people.alice, people.ws, channel) == before

    dm = people.alice.conversations_open(users=people.ws.bob.user_id)["channel"]["id"]
    assert error_of(invite, channel=dm, users=people.ws.carol.user_id) == (
        "method_not_supported_for_channel_type"
    )
    people.alice.conversations_archive(channel=channel)
    assert error_of(invite, channel=channel, users=people.ws.carol.user_id) == "is_archived"


# -- conversations.kick ----------------------------------------------------------------------


def test_kick_removes_a_member(server: Server, people: People) -> None:
    channel = new_channel(people.alice, people.bob)
    assert people.alice.conversations_kick(channel=channel, user=people.ws.bob.user_id)["ok"]
    assert people.ws.bob.user_id not in member_ids(people.alice, channel)
    [last] = messages(people.alice, channel)[:1]
    assert last["subtype"] == "channel_leave"
    assert last["user"] == people.ws.bob.user_id
    log = events(server, people.ws.team_id, channel)
    assert [e["user"] for e in log if e["type"] == "member_left_channel"] == [people.ws.bob.user_id]


def test_any_member_may_kick_from_a_private_channel(people: People) -> None:
    secret = new_channel(people.alice, people.bob, people.carol, private=True)
    people.bob.conversations_kick(channel=secret, user=people.ws.carol.user_id)
    assert error_of(people.carol.conversations_history, channel=secret) == "channel_not_found"


def test_kick_refusals_write_nothing(server: Server, people: People) -> None:
    channel = new_channel(people.alice, people.bob, people.carol)
    before = snapshot(server, people.alice, people.ws, channel)
    kick = people.alice.conversations_kick
    assert error_of(kick, channel=channel, user=people.ws.alice.user_id) == "cant_kick_self"
    assert error_of(kick, channel=channel, user="UNOSUCHUSER") == "user_not_found"
    assert error_of(kick, channel=channel, user=people.ws.bot.user_id) == "not_in_channel"
    # A public channel's members may be removed by its creator and admins only.
    assert (
        error_of(people.bob.conversations_kick, channel=channel, user=people.ws.carol.user_id)
        == "restricted_action"
    )
    assert snapshot(server, people.alice, people.ws, channel) == before
    general = next(
        c["id"] for c in people.alice.conversations_list(limit=1000)["channels"] if c["is_general"]
    )
    assert error_of(kick, channel=general, user=people.ws.bob.user_id) == "cant_kick_from_general"
    dm = people.alice.conversations_open(users=people.ws.bob.user_id)["channel"]["id"]
    assert error_of(kick, channel=dm, user=people.ws.bob.user_id) == (
        "method_not_supported_for_channel_type"
    )


# -- conversations.members -------------------------------------------------------------------


def test_members_pages_cover_every_member_once(people: People, extra: Extra) -> None:
    channel = new_channel(people.alice, people.bob, people.carol)
    people.alice.conversations_invite(channel=channel, users=extra.dave.user_id)
    pages = walk(people.carol.conversations_members, "members", channel=channel, limit=1)
    assert all(len(page) == 1 for page in pages)
    seen = [m for page in pages for m in page]
    assert sorted(seen) == sorted(
        [
            people.ws.alice.user_id,
            people.ws.bob.user_id,
            people.ws.carol.user_id,
            extra.dave.user_id,
        ]
    )
    assert len(seen) == len(set(seen))
    secret = new_channel(people.alice, private=True)
    assert error_of(people.bob.conversations_members, channel=secret) == "channel_not_found"


# -- conversations.open ----------------------------------------------------------------------


def test_open_makes_one_dm_per_pair(server: Server, people: People, extra: Extra) -> None:
    dave = extra.dave.user_id
    first = people.carol.conversations_open(users=dave)
    dm = first["channel"]["id"]
    assert dm.startswith("D")
    assert first["channel"] == {"id": dm}
    assert "already_open" not in first
    again = server.client(extra.dave.token).conversations_open(users=people.ws.carol.user_id)
    assert again["channel"]["id"] == dm
    assert again["no_op"] is True
    assert again["already_open"] is True
    full = people.carol.conversations_open(users=dave, return_im=True)["channel"]
    assert full["id"] == dm
    assert full["is_im"] is True
    assert full["user"] == dave
    reopened = people.carol.conversations_open(channel=dm)
    assert reopened["channel"]["id"] == dm
    assert reopened["already_open"] is True
    posted = people.carol.chat_postMessage(channel=dm, text="hi dave")
    assert messages(server.client(extra.dave.token), dm)[0]["ts"] == posted["ts"]
    [created] = events(server, people.ws.team_id, dm)[:1]
    assert created["type"] == "im_created"


def test_open_with_oneself_is_a_self_dm(people: People) -> None:
    me = people.ws.bob.user_id
    opened = people.bob.conversations_open(users=me, return_im=True)["channel"]
    assert opened["is_im"] is True
    assert opened["user"] == me
    assert people.bob.conversations_members(channel=opened["id"])["members"] == [me]


def test_open_makes_group_dms(server: Server, people: People, extra: Extra) -> None:
    others = [people.ws.carol.user_id, extra.dave.user_id]
    opened = people.bob.conversations_open(users=others, return_im=True)["channel"]
    assert opened["id"].startswith("G")
    assert opened["is_mpim"] is True
    assert opened["name"] == "mpdm-bob--carol--dave-1"
    assert set(member_ids(people.bob, opened["id"])) == {people.ws.bob.user_id, *others}
    # Whoever opens it, in whatever order, finds the same conversation.
    again = server.client(extra.dave.token).conversations_open(
        users=[people.ws.bob.user_id, people.ws.carol.user_id]
    )
    assert again["channel"]["id"] == opened["id"]
    assert again["already_open"] is True
    listed = people.carol.conversations_list(types="mpim")["channels"]
    assert opened["id"] in {c["id"] for c in listed}
    assert error_of(people.alice.conversations_history, channel=opened["id"]) == (
        "channel_not_found"
    )
    assert error_of(people.bob.conversations_invite, channel=opened["id"], users="U1") == (
        "method_not_supported_for_channel_type"
    )


def test_open_refusals_write_nothing(server: Server, people: People, extra: Extra) -> None:
    listed = people.alice.conversations_list(types="im,mpim", limit=1000)["channels"]
    open_ = people.alice.conversations_open
    assert error_of(open_, users="") == "users_list_not_supplied"
    assert error_of(open_, users="UNOSUCHUSER") == "user_not_found"
    assert error_of(open_, users=[people.ws.bob.user_id, "UNOSUCHUSER"]) == "user_not_found"
    assert error_of(open_, users=extra.erin.user_id) == "user_disabled"
    nine = [f"U{i:010d}" for i in range(9)]
    assert error_of(open_, users=nine) == "too_many_users"
    public = new_channel(people.alice)
    assert error_of(open_, channel=public) == "method_not_supported_for_channel_type"
    assert error_of(open_, channel="DNOSUCHCHAN") == "channel_not_found"
    assert people.alice.conversations_list(types="im,mpim", limit=1000)["channels"] == listed


# -- conversations.mark ----------------------------------------------------------------------


def test_mark_moves_the_read_cursor(people: People) -> None:
    channel = new_channel(people.alice, people.bob)
    ts = [people.alice.chat_postMessage(channel=channel, text=f"m{i}")["ts"] for i in range(3)]
    people.bob.conversations_mark(channel=channel, ts=ts[1])
    info = people.bob.conversations_info(channel=channel)["channel"]
    assert info["last_read"] == ts[1]
    assert info["unread_count"] == 1
    people.bob.conversations_mark(channel=channel, ts=ts[2])
    assert people.bob.conversations_info(channel=channel)["channel"]["unread_count"] == 0
    assert error_of(people.bob.conversations_mark, channel=channel, ts="soon") == (
        "invalid_timestamp"
    )
    assert error_of(people.carol.conversations_mark, channel=channel, ts=ts[2]) == (
        "not_in_channel"
    )


# -- conversations.rename --------------------------------------------------------------------


def test_rename_writes_a_message_and_announces_it(server: Server, people: People) -> None:
    channel = new_channel(people.alice, people.bob)
    old = people.alice.conversations_info(channel=channel)["channel"]["name"]
    new = unique_name()
    renamed = people.bob.conversations_rename(channel=channel, name=new)["channel"]
    assert renamed["name"] == new
    assert people.carol.conversations_info(channel=channel)["channel"]["name"] == new
    [last] = messages(people.alice, channel)[:1]
    assert last["subtype"] == "channel_name"
    assert last["old_name"] == old
    assert last["name"] == new
    [event] = [
        e
        for e in events(server, people.ws.team_id, people.ws.team_id)
        if e["type"] == "channel_rename" and e["channel"]["id"] == channel
    ]
    assert event["channel"]["name"] == new
    assert isinstance(event["channel"]["created"], int)


def test_renaming_a_private_channel_is_told_to_its_members_only(
    server: Server, people: People
) -> None:
    secret = new_channel(people.alice, private=True)
    new = unique_name()
    people.alice.conversations_rename(channel=secret, name=new)
    assert secret not in json.dumps(events(server, people.ws.team_id, people.ws.team_id))
    [event] = [e for e in events(server, people.ws.team_id, secret) if e["type"] == "group_rename"]
    assert event["channel"] == {
        "id": secret,
        "name": new,
        "created": event["channel"]["created"],
    }


def test_rename_refusals_write_nothing(server: Server, people: People) -> None:
    channel = new_channel(people.alice, people.bob)
    taken = people.alice.conversations_info(channel=new_channel(people.alice))["channel"]["name"]
    before = snapshot(server, people.alice, people.ws, channel)
    rename = people.bob.conversations_rename
    assert error_of(rename, channel=channel, name=taken) == "name_taken"
    assert error_of(rename, channel=channel, name="Bad Name") == "invalid_name_specials"
    assert error_of(rename, channel=channel, name="") == "invalid_name_required"
    assert error_of(rename, channel=channel, name="x" * 81) == "invalid_name_maxlength"
    assert error_of(people.carol.conversations_rename, channel=channel, name=unique_name()) == (
        "not_in_channel"
    )
    assert snapshot(server, people.alice, people.ws, channel) == before


# -- conversations.setTopic and conversations.setPurpose -------------------------------------


def test_set_topic_and_purpose(people: People) -> None:
    channel = new_channel(people.alice, people.bob)
    topic = people.bob.conversations_setTopic(channel=channel, topic="t" * 250)
    assert topic["channel"]["topic"]["value"] == "t" * 250
    assert topic["channel"]["topic"]["creator"] == people.ws.bob.user_id
    purpose = people.bob.conversations_setPurpose(channel=channel, purpose="why we are here")
    assert purpose["channel"]["purpose"]["value"] == "why we are here"
    info = people.carol.conversations_info(channel=channel)["channel"]
    assert info["topic"]["value"] == "t" * 250
    assert info["purpose"]["value"] == "why we are here"
    [about, told] = messages(people.alice, channel)[:2]
    assert about["subtype"] == "channel_purpose"
    assert about["purpose"] == "why we are here"
    assert told["subtype"] == "channel_topic"
    assert told["topic"] == "t" * 250


def test_topic_and_purpose_refusals_write_nothing(server: Server, people: People) -> None:
    channel = new_channel(people.alice, people.bob)
    before = snapshot(server, people.alice, people.ws, channel)
    assert error_of(people.bob.conversations_setTopic, channel=channel, topic="t" * 251) == (
        "too_long"
    )
    assert error_of(people.bob.conversations_setPurpose, channel=channel, purpose="p" * 251) == (
        "too_long"
    )
    assert error_of(people.carol.conversations_setTopic, channel=channel, topic="hi") == (
        "not_in_channel"
    )
    assert snapshot(server, people.alice, people.ws, channel) == before
    people.alice.conversations_archive(channel=channel)
    assert error_of(people.bob.conversations_setTopic, channel=channel, topic="hi") == (
        "is_archived"
    )


# -- conversations.archive and conversations.unarchive ---------------------------------------


def test_archive_and_unarchive(server: Server, people: People) -> None:
    channel = new_channel(people.alice, people.bob)
    assert people.bob.conversations_archive(channel=channel)["ok"] is True
    info = people.bob.conversations_info(channel=channel)["channel"]
    assert info["is_archived"] is True
    [last] = messages(people.bob, channel)[:1]
    assert last["subtype"] == "channel_archive"
    assert error_of(people.bob.chat_postMessage, channel=channel, text="hi") == "is_archived"
    assert error_of(people.carol.conversations_join, channel=channel) == "is_archived"
    assert error_of(people.bob.conversations_archive, channel=channel) == "already_archived"
    team_log = events(server, people.ws.team_id, people.ws.team_id)
    assert {"channel": channel, "user": people.ws.bob.user_id} in [
        {"channel": e["channel"], "user": e["user"]}
        for e in team_log
        if e["type"] == "channel_archive"
    ]

    assert people.bob.conversations_unarchive(channel=channel)["ok"] is True
    assert people.bob.conversations_info(channel=channel)["channel"]["is_archived"] is False
    [last] = messages(people.bob, channel)[:1]
    assert last["subtype"] == "channel_unarchive"
    assert people.bob.chat_postMessage(channel=channel, text="back")["ok"] is True
    assert error_of(people.bob.conversations_unarchive, channel=channel) == "not_archived"
    team_log = events(server, people.ws.team_id, people.ws.team_id)
    assert any(e["type"] == "channel_unarchive" and e["channel"] == channel for e in team_log)


def test_archive_refusals(server: Server, people: People) -> None:
    general = next(
        c["id"] for c in people.alice.conversations_list(limit=1000)["channels"] if c["is_general"]
    )
    assert error_of(people.alice.conversations_archive, channel=general) == ("cant_archive_general")
    dm = people.alice.conversations_open(users=people.ws.bob.user_id)["channel"]["id"]
    assert error_of(people.alice.conversations_archive, channel=dm) == (
        "method_not_supported_for_channel_type"
    )
    channel = new_channel(people.alice)
    before = snapshot(server, people.alice, people.ws, channel)
    assert error_of(people.carol.conversations_archive, channel=channel) == "restricted_action"
    assert error_of(people.carol.conversations_unarchive, channel=channel) == "not_archived"
    assert snapshot(server, people.alice, people.ws, channel) == before


def test_archiving_a_private_channel_is_told_to_its_members_only(
    server: Server, people: People
) -> None:
    secret = new_channel(people.alice, private=True)
    people.alice.conversations_archive(channel=secret)
    assert secret not in json.dumps(events(server, people.ws.team_id, people.ws.team_id))
    log = events(server, people.ws.team_id, secret)
    assert any(e["type"] == "group_archive" for e in log)


# -- users.conversations ---------------------------------------------------------------------


def test_users_conversations_lists_the_callers_channels(people: People) -> None:
    joined = new_channel(people.alice, people.carol)
    not_joined = new_channel(people.alice)
    mine = {
        c["id"]
        for page in walk(people.carol.users_conversations, "channels", limit=2)
        for c in page
    }
    assert joined in mine
    assert not_joined not in mine


def test_users_conversations_of_another_shows_only_what_the_caller_may_see(
    people: People,
) -> None:
    shared_secret = new_channel(people.alice, people.bob, people.carol, private=True)
    bobs_secret = new_channel(people.alice, people.bob, private=True)
    public = new_channel(people.alice, people.bob)
    dm = people.alice.conversations_open(users=people.ws.bob.user_id)["channel"]["id"]
    every = "public_channel,private_channel,mpim,im"
    pages = walk(
        people.carol.users_conversations,
        "channels",
        user=people.ws.bob.user_id,
        types=every,
        limit=3,
    )
    seen = [c["id"] for page in pages for c in page]
    assert len(seen) == len(set(seen))
    assert {shared_secret, public} <= set(seen)
    assert not {bobs_secret, dm} & set(seen)
    assert error_of(people.carol.users_conversations, user="UNOSUCHUSER") == "user_not_found"
    assert error_of(people.carol.users_conversations, types="channels") == "invalid_types"
