"""usergroups.* over slack_sdk: the groups, their members, their events, Slack's errors, and a
`<!subteam^…>` mention notifying the group's members in the channel as an @-mention does."""

from __future__ import annotations

import uuid
from typing import Any

from slack_sdk import WebClient

from tests.support.apps import bolt_app, bolt_socket_mode, make_app
from tests.support.checks import error_of, events
from tests.support.rtm import new_channel, of_type, rtm
from tests.support.servers import Server, Workspace, module_server, module_workspace
from tests.support.waiting import wait_for

server = module_server("usergroups")
workspace = module_workspace()


def unique(word: str) -> str:
    return f"{word}-{uuid.uuid4().hex[:8]}"


def new_group(client: WebClient, **args: Any) -> dict[str, Any]:
    handle = unique("g")
    group: dict[str, Any] = client.usergroups_create(
        name=args.pop("name", handle.upper()), handle=handle, **args
    )["usergroup"]
    return group


def team_log(server: Server, workspace: Workspace) -> list[dict[str, Any]]:
    return events(server, workspace.team_id, workspace.team_id)


def test_create_answers_slacks_usergroup_and_logs_subteam_created(
    server: Server, workspace: Workspace
) -> None:
    alice = server.client(workspace.alice.token)
    channel = new_channel(alice)
    handle = unique("marketing")
    group = alice.usergroups_create(
        name="Marketing " + handle,
        handle="@" + handle.upper(),  # kept as a handle is typed: lower case, no @
        description="PR experts",
        channels=channel,
        include_count=True,
    )["usergroup"]
    assert group["id"].startswith("S")
    assert group["team_id"] == workspace.team_id
    assert (group["name"], group["handle"], group["description"]) == (
        "Marketing " + handle,
        handle,
        "PR experts",
    )
    assert group["is_usergroup"] is True and group["is_external"] is False
    assert group["date_create"] == group["date_update"] > 0 and group["date_delete"] == 0
    assert group["created_by"] == group["updated_by"] == workspace.alice.user_id
    assert group["deleted_by"] is None and group["auto_type"] is None
    assert group["prefs"] == {"channels": [channel], "groups": []}
    assert (group["users"], group["user_count"]) == ([], 0)
    created = team_log(server, workspace)[-1]
    assert created["type"] == "subteam_created"
    assert created["subteam"]["id"] == group["id"]
    assert created["subteam"]["user_count"] == 0 and created["event_ts"]
    # Without a handle, the name in handle form.
    named = alice.usergroups_create(name="Night Shift " + handle[-8:])["usergroup"]
    assert named["handle"] == "night-shift-" + handle[-8:]


def test_list_by_name_with_users_counts_and_disabled_ones_when_asked(
    server: Server, workspace: Workspace
) -> None:
    w = workspace
    alice, bob = server.client(w.alice.token), server.client(w.bob.token)
    first = new_group(alice, name="aaa " + unique("x"))
    second = new_group(alice, name="AAB " + unique("x"))
    alice.usergroups_users_update(usergroup=first["id"], users=[w.bob.user_id, w.carol.user_id])
    alice.usergroups_disable(usergroup=second["id"])

    plain = bob.usergroups_list()["usergroups"]
    ids = [g["id"] for g in plain]
    assert first["id"] in ids and second["id"] not in ids
    assert [g["name"].casefold() for g in plain] == sorted(g["name"].casefold() for g in plain)
    assert all("users" not in g and "user_count" not in g for g in plain)

    full = bob.usergroups_list(include_users=True, include_count=True, include_disabled=True)
    by_id = {g["id"]: g for g in full["usergroups"]}
    assert by_id[first["id"]]["users"] == sorted([w.bob.user_id, w.carol.user_id])
    assert by_id[first["id"]]["user_count"] == 2
    disabled = by_id[second["id"]]
    assert disabled["date_delete"] > 0 and disabled["deleted_by"] == w.alice.user_id


def test_update_changes_only_what_is_given_and_logs_subteam_updated(
    server: Server, workspace: Workspace
) -> None:
    w = workspace
    alice, bob = server.client(w.alice.token), server.client(w.bob.token)
    channel = new_channel(alice)
    group = new_group(alice, description="before", channels=channel)
    handle = unique("renamed")
    changed = bob.usergroups_update(usergroup=group["id"], handle=handle, include_count=True)[
        "usergroup"
    ]
    assert (changed["name"], changed["description"]) == (group["name"], "before")
    assert changed["handle"] == handle and changed["updated_by"] == w.bob.user_id
    assert changed["prefs"]["channels"] == [channel] and changed["user_count"] == 0
    updated = team_log(server, w)[-1]
    assert updated["type"] == "subteam_updated"
    assert updated["subteam"]["handle"] == handle and updated["subteam"]["users"] == []
    # channels given empty clears them; a name differing only in case is the group's own.
    cleared = bob.usergroups_update(usergroup=group["id"], channels="", name=group["name"].lower())
    assert cleared["usergroup"]["prefs"]["channels"] == []
    assert cleared["usergroup"]["name"] == group["name"].lower()


def test_members_are_replaced_listed_and_their_changes_logged(
    server: Server, workspace: Workspace
) -> None:
    w = workspace
    alice, carol = server.client(w.alice.token), server.client(w.carol.token)
    group = new_group(alice)
    before = len(team_log(server, w))
    answer = carol.usergroups_users_update(
        usergroup=group["id"], users=f"{w.alice.user_id},{w.bob.user_id},{w.bob.user_id}"
    )["usergroup"]
    assert answer["users"] == sorted([w.alice.user_id, w.bob.user_id])
    assert carol.usergroups_users_list(usergroup=group["id"])["users"] == answer["users"]
    carol.usergroups_users_update(usergroup=group["id"], users=[w.carol.user_id, w.bob.user_id])
    logged = team_log(server, w)[before:]
    assert [e["type"] for e in logged] == [
        "subteam_updated",
        "subteam_members_changed",
        "subteam_updated",
        "subteam_members_changed",
    ]
    changed = logged[-1]
    assert changed["subteam_id"] == group["id"] and changed["team_id"] == w.team_id
    assert changed["added_users"] == [w.carol.user_id]
    assert changed["removed_users"] == [w.alice.user_id]
    assert (changed["added_users_count"], changed["removed_users_count"]) == ("1", "1")
    assert changed["date_previous_update"] <= changed["date_update"]
    assert logged[-2]["subteam"]["users"] == sorted([w.bob.user_id, w.carol.user_id])
    assert logged[-2]["subteam"]["user_count"] == 2
    # The same members again change nothing and log nothing.
    carol.usergroups_users_update(usergroup=group["id"], users=[w.bob.user_id, w.carol.user_id])
    assert len(team_log(server, w)) == before + 4


def test_disable_and_enable_by_creator_or_admin_only(server: Server, workspace: Workspace) -> None:
    w = workspace
    alice, bob, carol = (server.client(m.token) for m in (w.alice, w.bob, w.carol))
    group = new_group(bob)
    alice.usergroups_users_update(usergroup=group["id"], users=w.carol.user_id)
    before = team_log(server, w)
    assert error_of(carol.usergroups_disable, usergroup=group["id"]) == "permission_denied"
    assert team_log(server, w) == before
    off = bob.usergroups_disable(usergroup=group["id"], include_count=True)["usergroup"]
    assert off["date_delete"] > 0 and off["deleted_by"] == w.bob.user_id
    assert off["users"] == [w.carol.user_id] and off["user_count"] == 1
    assert team_log(server, w)[-1]["type"] == "subteam_updated"
    assert error_of(carol.usergroups_users_list, usergroup=group["id"]) == "no_such_subteam"
    found = carol.usergroups_users_list(usergroup=group["id"], include_disabled=True)
    assert found["users"] == [w.carol.user_id]
    # Disabling again answers the group as it is, and logs nothing.
    logged = len(team_log(server, w))
    assert bob.usergroups_disable(usergroup=group["id"])["usergroup"]["date_delete"] > 0
    assert len(team_log(server, w)) == logged
    on = alice.usergroups_enable(usergroup=group["id"])["usergroup"]  # an admin
    assert (on["date_delete"], on["deleted_by"]) == (0, None)
    assert carol.usergroups_users_list(usergroup=group["id"])["users"] == [w.carol.user_id]


def test_bad_input_gets_slacks_errors_and_writes_nothing(
    server: Server, workspace: Workspace
) -> None:
    w = workspace
    alice = server.client(w.alice.token)
    group = new_group(alice)
    other = new_group(alice)
    private = new_channel(alice, private=True)
    before = team_log(server, w)
    create, update = alice.usergroups_create, alice.usergroups_update
    assert error_of(create, name="") == "missing_subteam_name"
    assert error_of(create, name="x" * 256, handle=unique("h")) == "name_too_long"
    assert error_of(create, name=group["name"].lower(), handle=unique("h")) == (
        "name_already_exists"
    )
    assert error_of(create, name=unique("n"), handle=group["handle"]) == "handle_already_exists"
    assert error_of(create, name=unique("n"), handle="bob") == "handle_already_exists"  # a person
    assert error_of(create, name=unique("n"), handle="here") == "forbidden_handle"
    for bad in ("a b", "-lead", "x" * 22, "ünï", "@"):
        assert error_of(create, name=unique("n"), handle=bad) == "bad_handle", bad
    assert error_of(create, name="日本") == "bad_handle"  # no handle to make of it
    assert error_of(create, name=unique("n"), description="d" * 141) == "description_too_long"
    for channels in (private, "CNOSUCH00", "not an id", w.team_id):
        assert error_of(create, name=unique("n"), channels=channels) == ("invalid_channel_provided")
    too_many = ",".join(f"C{n:08d}" for n in range(101))
    assert error_of(create, name=unique("n"), channels=too_many) == "too_many_linked_channels"
    assert error_of(update, usergroup=group["id"], name=other["name"]) == "name_already_exists"
    assert error_of(update, usergroup=group["id"], handle=other["handle"]) == (
        "handle_already_exists"
    )
    for missing in ("SNOSUCH000", "snosuch", "U" + group["id"][1:], "S" * 40, "S-1"):
        assert error_of(update, usergroup=missing, name=unique("n")) == "no_such_subteam"
        assert error_of(alice.usergroups_disable, usergroup=missing) == "no_such_subteam"
        assert error_of(alice.usergroups_users_list, usergroup=missing) == "no_such_subteam"
    assert error_of(alice.usergroups_enable, usergroup="") == "missing_argument"
    users_update = alice.usergroups_users_update
    assert error_of(users_update, usergroup=group["id"], users="") == "no_users_provided"
    for users in ("UNOSUCH000", "not-an-id", f"{w.bob.user_id},UNOSUCH000"):
        assert error_of(users_update, usergroup=group["id"], users=users) == "invalid_users"
    assert error_of(users_update, usergroup="SNOSUCH000", users=w.bob.user_id) == (
        "no_such_subteam"
    )
    assert error_of(alice.usergroups_list, include_users="maybe") == "invalid_arguments"
    assert team_log(server, w) == before
    assert alice.usergroups_users_list(usergroup=group["id"])["users"] == []
    assert alice.api_test()["ok"]


def notices(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in found if f.get("type") == "desktop_notification"]


def records(client: WebClient, channel: str, ts: str) -> list[dict[str, Any]]:
    found = client.api_call("notifications.list")["notifications"]
    return [n for n in found if (n["channel"], n["ts"]) == (channel, ts)]


def mention_count(client: WebClient, channel: str) -> int:
    counts = client.api_call("client.counts")["channels"]
    return int(next(c for c in counts if c["id"] == channel)["mention_count"])


def test_a_subteam_mention_notifies_the_groups_members_in_the_channel(
    server: Server, workspace: Workspace
) -> None:
    w = workspace
    alice, bob, carol = (server.client(m.token) for m in (w.alice, w.bob, w.carol))
    group = new_group(alice)
    alice.usergroups_users_update(
        usergroup=group["id"], users=[w.alice.user_id, w.bob.user_id, w.carol.user_id]
    )
    channel = new_channel(alice, w.bob.user_id)  # carol is no member
    with rtm(server, w.bob.token) as bobs, rtm(server, w.carol.token) as carols:
        bobs.sync()
        carols.sync()
        text = f"ship it <!subteam^{group['id']}|@{group['handle']}>"
        ts = alice.chat_postMessage(channel=channel, text=text)["ts"]
        [notice] = notices(bobs.until(of_type("desktop_notification", msg=ts)))
        assert notice["content"] == f"alice: ship it @{group['handle']}"
        assert notice["channel"] == channel
        assert notices(carols.quiet(0.5)) == []
    [record] = wait_for(lambda: records(bob, channel, ts))
    assert record["reason"] == "mention" and record["user"] == w.alice.user_id
    assert records(alice, channel, ts) == []  # the author
    assert records(carol, channel, ts) == []
    assert mention_count(bob, channel) == 1

    # A mention without its label counts too.
    bare = alice.chat_postMessage(channel=channel, text=f"<!subteam^{group['id']}>")["ts"]
    wait_for(lambda: records(bob, channel, bare))
    assert mention_count(bob, channel) == 2

    # A disabled group's mention notifies nobody: carol, named in the same message, is.
    alice.usergroups_disable(usergroup=group["id"])
    everyone = new_channel(alice, w.bob.user_id, w.carol.user_id)
    quiet = f"{text} <@{w.carol.user_id}>"
    ts = alice.chat_postMessage(channel=everyone, text=quiet)["ts"]
    wait_for(lambda: records(carol, everyone, ts))
    assert records(bob, everyone, ts) == []
    assert mention_count(bob, everyone) == 0


def test_an_app_needs_the_scopes_and_hears_the_events_through_bolt(
    server: Server, workspace: Workspace
) -> None:
    reader = make_app(server.data_dir, name="Groups Reader", events=(), scopes=["chat:write"])
    assert error_of(server.client(reader.bot_token).usergroups_list) == "missing_scope"
    made = make_app(
        server.data_dir,
        name="Groups Bolt",
        socket_mode=True,
        events=["subteam_created", "subteam_members_changed"],
        scopes=["usergroups:read", "usergroups:write"],
    )
    app = bolt_app(server, made)
    heard: list[dict[str, Any]] = []

    @app.event("subteam_created")
    def created(event: dict[str, Any]) -> None:
        heard.append(event)

    @app.event("subteam_members_changed")
    def changed(event: dict[str, Any]) -> None:
        heard.append(event)

    with bolt_socket_mode(app, made.app_token):
        alice = server.client(workspace.alice.token)
        group = new_group(alice)
        bot = server.client(made.bot_token)
        bot.usergroups_users_update(usergroup=group["id"], users=workspace.bob.user_id)
        assert group["id"] in [g["id"] for g in bot.usergroups_list()["usergroups"]]
        wait_for(lambda: len(heard) >= 2)
        # bolt runs its listeners on a pool, several envelopes in flight: by type, not order.
        by_type = {event["type"]: event for event in heard}
        assert by_type["subteam_created"]["subteam"]["id"] == group["id"]
        members = by_type["subteam_members_changed"]
        assert members["subteam_id"] == group["id"]
        assert members["added_users"] == [workspace.bob.user_id]


def _members(client: WebClient, channel: str) -> set[str]:
    found: list[str] = client.conversations_members(channel=channel, limit=1000)["members"]
    return set(found)


def test_people_added_join_the_default_channels_and_hear_subteam_self_events(
    server: Server, workspace: Workspace
) -> None:
    """As Slack: a group's default channels (prefs.channels) are joined by the people added to
    it (with the join message); each person added or removed hears subteam_self_added or
    subteam_self_removed on their own sockets, and an app whose bot is added or removed hears
    it if subscribed; a removal leaves the channels as they are."""
    w = workspace
    alice = server.client(w.alice.token)
    first, second, archived = new_channel(alice), new_channel(alice), new_channel(alice)
    group = new_group(alice, channels=f"{first},{second},{archived}")
    assert group["prefs"]["channels"] == [first, second, archived]
    listed = next(g for g in alice.usergroups_list()["usergroups"] if g["id"] == group["id"])
    assert listed["prefs"]["channels"] == [first, second, archived]
    alice.conversations_archive(channel=archived)
    made = make_app(
        server.data_dir,
        name="Self Events",
        socket_mode=True,
        events=["subteam_self_added", "subteam_self_removed"],
        scopes=["usergroups:read"],
    )
    app = bolt_app(server, made)
    heard: list[dict[str, Any]] = []

    @app.event("subteam_self_added")
    def self_added(event: dict[str, Any]) -> None:
        heard.append(event)

    @app.event("subteam_self_removed")
    def self_removed(event: dict[str, Any]) -> None:
        heard.append(event)

    bot = made.app.bot_user_id
    with bolt_socket_mode(app, made.app_token):
        with rtm(server, w.bob.token) as socket:
            socket.sync()
            alice.usergroups_users_update(usergroup=group["id"], users=f"{w.bob.user_id},{bot}")
            added = socket.until(of_type("subteam_self_added"))[-1]
            assert added["subteam_id"] == group["id"] and added["event_ts"]
            wait_for(
                lambda: {w.bob.user_id, bot} <= _members(alice, first) & _members(alice, second)
            )
            joins = [
                m
                for m in alice.conversations_history(channel=first)["messages"]
                if m.get("subtype") == "channel_join" and m["user"] == w.bob.user_id
            ]
            assert len(joins) == 1
            assert w.bob.user_id not in _members(alice, archived), "an archived channel is left"
            [event] = wait_for(lambda: heard)
            assert event == {
                "type": "subteam_self_added",
                "subteam_id": group["id"],
                "event_ts": event["event_ts"],
            }
            # Taken out: the event, and the channels stay joined.
            alice.usergroups_users_update(usergroup=group["id"], users=w.carol.user_id)
            removed = socket.until(of_type("subteam_self_removed"))[-1]
            assert removed["subteam_id"] == group["id"]
            wait_for(lambda: len(heard) == 2)
            assert heard[1]["type"] == "subteam_self_removed"
            wait_for(lambda: w.carol.user_id in _members(alice, second))
            assert w.bob.user_id in _members(alice, first)
        # The channels a group names later are joined by those added after.
        third = new_channel(alice)
        alice.usergroups_update(usergroup=group["id"], channels=third)
        alice.usergroups_users_update(usergroup=group["id"], users=w.bob.user_id)
        wait_for(lambda: w.bob.user_id in _members(alice, third))
        assert bot not in _members(alice, third) and len(heard) == 2
