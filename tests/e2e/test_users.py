"""users.list, users.info, users.lookupByEmail and users.profile.* through slack_sdk."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest
from slack_sdk.errors import SlackApiError

from hubbub.api.registry import TIER_2, TIER_3, TIER_4
from hubbub.api.routes import method_table
from hubbub.services import workspaces
from hubbub.services.hub import Hub
from tests.support.servers import Server, Workspace, run_admin


def _error(call: Any, **kwargs: Any) -> str:
    with pytest.raises(SlackApiError) as err:
        call(**kwargs)
    return str(err.value.response["error"])


def _other_workspace(server: Server) -> tuple[str, str, str]:
    """A second workspace with one person and no password (argon2 is slow): team, user, token."""

    async def work(hub: Hub) -> tuple[str, str, str]:
        team = await workspaces.create_workspace(hub, "Other", "other")
        acct = await workspaces.create_user(hub, "other", email="bob@other.test", name="bob")
        return team.id, acct.user.id, acct.token

    return run_admin(server.data_dir, work)


def _user_changes(server: Server, team_id: str) -> list[dict[str, Any]]:
    """The user_change events of the workspace's own event log."""

    async def work(hub: Hub) -> list[tuple[int, str, bytes]]:
        return await hub.read(team_id, lambda tx: tx.events_after(team_id, team_id, 0, 10_000))

    found = [orjson.loads(payload) for _, _, payload in run_admin(server.data_dir, work)]
    return [e for e in found if e["type"] == "user_change"]


def test_tiers_follow_slack() -> None:
    tiers = {name: m.tier for name, m in method_table().items()}
    assert tiers["users.list"] == TIER_2
    assert tiers["users.setPresence"] == TIER_2
    assert tiers["users.info"] == tiers["users.profile.get"] == TIER_4
    for name in ("users.lookupByEmail", "users.getPresence", "users.profile.set", "team.info"):
        assert tiers[name] == TIER_3


def test_users_list_pages_through_everyone(server: Server, workspace: Workspace) -> None:
    async def deactivate(hub: Hub) -> None:
        await workspaces.deactivate_user(hub, workspace.domain, workspace.carol.user_id)

    run_admin(server.data_dir, deactivate)
    client = server.client(workspace.bob.token)
    first = client.users_list(limit=3)
    assert len(first["members"]) == 3
    assert first["response_metadata"]["next_cursor"]
    assert isinstance(first["cache_ts"], int)
    # The SDK follows next_cursor on its own until it comes back empty.
    pages = [dict(page.data) for page in client.users_list(limit=1)]
    assert len(pages) == 4
    assert pages[-1]["response_metadata"]["next_cursor"] == ""
    members = {m["id"]: m for page in pages for m in page["members"]}
    assert set(members) == {
        workspace.alice.user_id,
        workspace.bob.user_id,
        workspace.carol.user_id,
        workspace.bot.user_id,
    }
    assert members[workspace.carol.user_id]["deleted"] is True
    assert members[workspace.bob.user_id]["deleted"] is False
    robot = members[workspace.bot.user_id]
    assert robot["is_bot"] is True and robot["profile"]["bot_id"] == workspace.bot_id
    alice = members[workspace.alice.user_id]
    assert alice["is_admin"] is True and alice["team_id"] == workspace.team_id
    assert alice["profile"]["email"] == "alice@acme.test"
    assert "locale" not in alice

    everyone = client.users_list(include_locale=True)
    assert len(everyone["members"]) == 4
    assert everyone["response_metadata"]["next_cursor"] == ""
    assert all(m["locale"] == "en-US" for m in everyone["members"])
    assert _error(client.users_list, cursor="bm9wZQ==") == "invalid_cursor"
    assert _error(client.users_list, team_id="T0THERTEAM0") == "team_not_found"


def test_users_info(server: Server, workspace: Workspace) -> None:
    client = server.client(workspace.alice.token)
    bob = client.users_info(user=workspace.bob.user_id)["user"]
    assert bob["id"] == workspace.bob.user_id and bob["name"] == "bob"
    assert bob["profile"]["real_name"] == "bob" and bob["deleted"] is False
    assert "locale" not in bob
    located = client.users_info(user=workspace.bob.user_id, include_locale=True)["user"]
    assert located["locale"] == "en-US"
    robot = client.users_info(user=workspace.bot.user_id)["user"]
    assert robot["is_bot"] is True
    assert _error(client.users_info, user="U0NOSUCHONE") == "user_not_found"
    assert _error(client.users_info, user="") == "user_not_found"


def test_users_lookup_by_email(server: Server, workspace: Workspace) -> None:
    client = server.client(workspace.bot.token)
    found = client.users_lookupByEmail(email="BOB@acme.test")["user"]
    assert found["id"] == workspace.bob.user_id
    assert _error(client.users_lookupByEmail, email="nobody@acme.test") == "users_not_found"
    assert _error(client.users_lookupByEmail, email="") == "users_not_found"


def test_other_workspaces_people_are_invisible(server: Server, workspace: Workspace) -> None:
    _, user_id, token = _other_workspace(server)
    client = server.client(workspace.alice.token)
    assert _error(client.users_info, user=user_id) == "user_not_found"
    assert _error(client.users_profile_get, user=user_id) == "user_not_found"
    assert _error(client.users_getPresence, user=user_id) == "user_not_found"
    assert _error(client.users_lookupByEmail, email="bob@other.test") == "users_not_found"
    listed = server.client(token).users_list()["members"]
    assert [m["id"] for m in listed] == [user_id]
    assert {m["team_id"] for m in client.users_list()["members"]} == {workspace.team_id}


def test_profile_get_and_set(server: Server, workspace: Workspace) -> None:
    bob = server.client(workspace.bob.token)
    mine = bob.users_profile_get()["profile"]
    assert mine["real_name"] == "bob" and mine["email"] == "bob@acme.test"
    assert bob.users_profile_get(user=workspace.alice.user_id)["profile"]["real_name"] == "alice"

    changed = bob.users_profile_set(
        profile={
            "display_name": "bobby",
            "status_text": "riding a train",
            "status_emoji": ":train:",
            "status_expiration": 0,
            "real_name": "Bob Tables",
            "unknown_field": "ignored",
        }
    )["profile"]
    assert changed["display_name"] == "bobby" and changed["status_emoji"] == ":train:"
    assert changed["real_name"] == "Bob Tables"
    assert changed["first_name"] == "Bob" and changed["last_name"] == "Tables"
    assert "unknown_field" not in changed
    seen = server.client(workspace.carol.token).users_info(user=workspace.bob.user_id)["user"]
    assert seen["real_name"] == "Bob Tables"
    assert seen["profile"]["status_text"] == "riding a train"

    single = bob.users_profile_set(name="title", value="Engineer")["profile"]
    assert single["title"] == "Engineer" and single["display_name"] == "bobby"

    changes = _user_changes(server, workspace.team_id)
    assert [e["user"]["profile"].get("title") for e in changes] == ["", "Engineer"]
    assert changes[0]["user"]["id"] == workspace.bob.user_id
    assert changes[0]["user"]["profile"]["display_name"] == "bobby"
    # Setting what is already there changes nothing and tells nobody.
    bob.users_profile_set(name="title", value="Engineer")
    assert len(_user_changes(server, workspace.team_id)) == 2


def test_profile_set_errors(server: Server, workspace: Workspace) -> None:
    bob = server.client(workspace.bob.token)
    alice = server.client(workspace.alice.token)
    assert _error(bob.users_profile_set, profile={"status_text": "x" * 101}) == "too_long"
    assert _error(bob.users_profile_set, profile={"title": 7}) == "invalid_profile"
    assert _error(bob.users_profile_set, profile={"status_expiration": "soon"}) == "invalid_profile"
    raw = httpx.post(
        server.api_url + "users.profile.set",
        data={"profile": "{not json"},
        headers={"Authorization": f"Bearer {workspace.bob.token}"},
    ).json()
    assert raw == {"ok": False, "error": "invalid_profile"}
    # Only admins change other people, and only admins change email addresses.
    assert (
        _error(bob.users_profile_set, user=workspace.carol.user_id, profile={"title": "x"})
        == "not_admin"
    )
    assert _error(bob.users_profile_set, profile={"email": "b@acme.test"}) == "not_admin"
    assert (
        _error(bob.users_profile_set, user="U0NOSUCHONE", profile={"title": "x"})
        == "user_not_found"
    )
    assert (
        _error(server.client(workspace.bot.token).users_profile_set, profile={"title": "x"})
        == "not_allowed_token_type"
    )
    moved = alice.users_profile_set(user=workspace.bob.user_id, profile={"email": "B@acme.test"})
    assert moved["profile"]["email"] == "b@acme.test"
    assert alice.users_lookupByEmail(email="b@acme.test")["user"]["id"] == workspace.bob.user_id
    assert (
        _error(
            alice.users_profile_set,
            user=workspace.bob.user_id,
            profile={"email": "carol@acme.test"},
        )
        == "email_taken"
    )
