"""team.info through the official slack_sdk: the caller's own workspace and nothing else."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError

from hubbub.services import workspaces
from hubbub.services.hub import Hub
from tests.support.servers import Server, Workspace, run_admin


def test_team_info(server: Server, workspace: Workspace) -> None:
    client = server.client(workspace.bob.token)
    team = client.team_info()["team"]
    assert team["id"] == workspace.team_id
    assert team["name"] == "Acme" and team["domain"] == "acme"
    assert team["icon"]["image_default"] is True
    assert team["url"] == server.url + "/"
    assert client.team_info(team=workspace.team_id)["team"]["id"] == workspace.team_id
    assert client.team_info(domain="acme")["team"]["id"] == workspace.team_id
    assert server.client(workspace.bot.token).team_info()["team"]["id"] == workspace.team_id


def test_other_workspaces_are_not_found(server: Server, workspace: Workspace) -> None:
    async def other(hub: Hub) -> str:
        return (await workspaces.create_workspace(hub, "Other", "other")).id

    other_id = run_admin(server.data_dir, other)
    client = server.client(workspace.bob.token)
    for kwargs in ({"team": other_id}, {"team": "T0NOSUCHONE"}, {"domain": "other"}):
        with pytest.raises(SlackApiError) as err:
            client.team_info(**kwargs)
        assert err.value.response["error"] == "team_not_found"
