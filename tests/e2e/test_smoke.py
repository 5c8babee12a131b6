"""The official slack_sdk against a real server: the basic round trip."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError

from tests.support.servers import Server, Workspace


def test_auth_test_names_the_caller(server: Server, workspace: Workspace) -> None:
    me = server.client(workspace.alice.token).auth_test()
    assert me["user_id"] == workspace.alice.user_id
    assert me["team_id"] == workspace.team_id
    assert me["user"] == "alice"
    bot = server.client(workspace.bot.token).auth_test()
    assert bot["bot_id"] == workspace.bot_id


def test_post_and_read_back(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    channel = alice.conversations_create(name="dev")["channel"]["id"]
    posted = alice.chat_postMessage(channel=channel, text="hello *world*")
    assert posted["message"]["text"] == "hello *world*"
    history = alice.conversations_history(channel=channel)
    assert history["messages"][0]["ts"] == posted["ts"]
    assert history["messages"][0]["text"] == "hello *world*"


def test_bad_token_is_refused(server: Server, workspace: Workspace) -> None:
    with pytest.raises(SlackApiError) as err:
        server.client("xoxp-nope").auth_test()
    assert err.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as err:
        server.client(None).auth_test()
    assert err.value.response["error"] == "not_authed"
