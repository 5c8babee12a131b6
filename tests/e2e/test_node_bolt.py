"""@slack/bolt (Node.js) against hubbub: an App over Socket Mode (tests/node/bolt_socket_mode.mjs:
app.message and say(), app.command with ack() and respond(), app.action with ack() and respond()
replacing the message pressed, client.views.open with the press's trigger_id and app.view for the
submit, app.shortcut for a message shortcut) and an App on bolt's own HTTP receiver
(tests/node/bolt_http.mjs: hubbub's signed Events API requests, slash commands and presses,
verification on)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import node
from tests.support.apps import BOT_SCOPES, make_app, update_app
from tests.support.blocks import plain
from tests.support.servers import Server, Workspace, free_port, module_server, module_workspace
from tests.support.waiting import wait_for

server = module_server("node-bolt", allow_private_outbound=True)
workspace = module_workspace()


def button(block_id: str, action_id: str, label: str) -> list[dict[str, Any]]:
    element = {"type": "button", "action_id": action_id, "text": plain(label), "value": action_id}
    return [{"type": "actions", "block_id": block_id, "elements": [element]}]


MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "node_deploy",
    "title": plain("Deploy"),
    "submit": plain("Go"),
    "private_metadata": "from-node",
    "blocks": [
        {
            "type": "input",
            "block_id": "name",
            "label": plain("Name"),
            "element": {"type": "plain_text_input", "action_id": "name_input"},
        }
    ],
}


@pytest.fixture(scope="module")
def over_socket_mode(server: Server, workspace: Workspace) -> dict[str, Any]:
    """One run of the Socket Mode app through every step; the tests below read its parts."""
    made = make_app(
        server.data_dir,
        name="Node Bolt",
        socket_mode=True,
        scopes=BOT_SCOPES,
        commands=["/node-weather"],
        shortcuts=["message:node_ask:Ask node"],
    )
    alice = server.client(workspace.alice.token)
    channel: str = alice.conversations_create(name="node-bolt")["channel"]["id"]
    server.client(made.bot_token).conversations_join(channel=channel)
    got: dict[str, Any] = node.run(
        "bolt_socket_mode",
        {
            "api_url": server.api_url,
            "bot_token": made.bot_token,
            "app_token": made.app_token,
            "person_token": workspace.alice.token,
            "channel": channel,
            "command": "/node-weather",
            "blocks": button("act", "approve", "Approve"),
            "opener_blocks": button("form", "open_modal", "Open"),
            "modal": MODAL,
            "app_id": made.app.id,
            "shortcut": "node_ask",
        },
    )
    return {**got, "app": made, "channel": channel}


def test_app_message_hears_a_post_and_says_back(
    over_socket_mode: dict[str, Any], workspace: Workspace
) -> None:
    made, heard = over_socket_mode["app"], over_socket_mode["seen"]["message"]
    assert heard["text"] == "hello node" and heard["user"] == workspace.alice.user_id
    assert heard["channel"] == over_socket_mode["channel"]
    assert heard["channel_type"] == "channel"
    reply = over_socket_mode["reply"]
    assert reply["text"] == f"hi <@{workspace.alice.user_id}>"
    assert reply["bot_id"] == made.app.bot_id and reply["thread_ts"] == heard["ts"]


def test_app_command_acks_and_responds_in_the_channel(
    over_socket_mode: dict[str, Any], workspace: Workspace
) -> None:
    made, command = over_socket_mode["app"], over_socket_mode["seen"]["command"]
    assert command["command"] == "/node-weather" and command["text"] == "Paris"
    assert command["user_id"] == workspace.alice.user_id
    assert command["channel_id"] == over_socket_mode["channel"]
    assert command["api_app_id"] == made.app.id
    answer = over_socket_mode["command_answer"]
    assert answer["ok"] is True and answer["response"]["text"] == "looking up Paris"
    assert over_socket_mode["responded"]["bot_id"] == made.app.bot_id


def test_app_action_acks_and_responds_replacing_the_message(
    over_socket_mode: dict[str, Any], workspace: Workspace
) -> None:
    pressed = over_socket_mode["seen"]["action"]
    assert over_socket_mode["press_answer"]["ok"] is True
    body, action = pressed["body"], pressed["action"]
    assert body["type"] == "block_actions" and body["user"]["id"] == workspace.alice.user_id
    assert action["action_id"] == "approve" and action["block_id"] == "act"
    assert action["value"] == "approve"
    replaced = over_socket_mode["replaced"]
    assert replaced["ts"] == body["container"]["message_ts"] and "edited" not in replaced


def test_app_view_gets_the_submitted_modal(
    over_socket_mode: dict[str, Any], workspace: Workspace
) -> None:
    opened, submitted = over_socket_mode["opened"], over_socket_mode["seen"]["view"]
    assert opened["callback_id"] == "node_deploy" and opened["id"].startswith("V")
    assert over_socket_mode["submit_answer"]["ok"] is True
    body, view = submitted["body"], submitted["view"]
    assert body["type"] == "view_submission" and body["user"]["id"] == workspace.alice.user_id
    assert view["id"] == opened["id"] and view["private_metadata"] == "from-node"
    assert view["state"]["values"] == {
        "name": {"name_input": {"type": "plain_text_input", "value": "prod"}}
    }


def test_app_shortcut_acks_and_responds_in_the_channel(
    over_socket_mode: dict[str, Any], workspace: Workspace
) -> None:
    shortcut = over_socket_mode["seen"]["shortcut"]
    assert over_socket_mode["shortcut_answer"]["ok"] is True
    assert shortcut["type"] == "message_action" and shortcut["callback_id"] == "node_ask"
    assert shortcut["user"]["id"] == workspace.alice.user_id and shortcut["trigger_id"]
    assert shortcut["message"]["text"] == "Approved"
    assert over_socket_mode["shortcut_said"]["bot_id"] == over_socket_mode["app"].app.bot_id


def test_bolt_http_receiver_takes_signed_events_and_commands(
    server: Server, workspace: Workspace
) -> None:
    made = make_app(server.data_dir, name="Node Http", scopes=BOT_SCOPES)
    alice = server.client(workspace.alice.token)
    channel: str = alice.conversations_create(name="node-http")["channel"]["id"]
    server.client(made.bot_token).conversations_join(channel=channel)
    settings = {
        "api_url": server.api_url,
        "bot_token": made.bot_token,
        "signing_secret": made.app.signing_secret,
        "port": free_port(),
        "command": "/node-forecast",
    }
    with node.script("bolt_http", settings) as app:
        url = app.ready()["url"]
        # url_verification, signed: bolt checks the signature before it echoes the challenge.
        update_app(
            server.data_dir,
            workspace.domain,
            made.app.id,
            request_url=url,
            events=["message.channels", "app_mention"],
            commands=["/node-forecast"],
            interactivity_url=url,
        )
        asked = alice.chat_postMessage(channel=channel, text="hello bolt")["ts"]
        called = alice.chat_postMessage(channel=channel, text=f"<@{made.app.bot_user_id}> hi")["ts"]

        def bot_replies(ts: str) -> list[str]:
            found = alice.conversations_replies(channel=channel, ts=ts)["messages"]
            return [m["text"] for m in found if m.get("bot_id") == made.app.bot_id]

        assert wait_for(lambda: bot_replies(asked)) == ["hello over http"]
        assert wait_for(lambda: bot_replies(called)) == ["mentioned over http"]
        answer = alice.api_call(
            "chat.command", json={"channel": channel, "command": "/node-forecast", "text": "Oslo"}
        )
        assert answer["response"]["text"] == "checking Oslo"

        def in_channel() -> list[dict[str, Any]]:
            found = alice.conversations_history(channel=channel)["messages"]
            return [m for m in found if m["text"] == "rain in Oslo"]

        assert wait_for(in_channel)[0]["bot_id"] == made.app.bot_id
        # A press, a signed form post with `payload` to the interactivity URL.
        ts = server.client(made.bot_token).chat_postMessage(
            channel=channel, text="Deploy?", blocks=button("act", "approve", "Approve")
        )["ts"]
        pressed = alice.api_call(
            "blocks.actions",
            json={"channel": channel, "ts": ts, "block_id": "act", "action_id": "approve"},
        )
        assert pressed["ok"] is True

        def replaced() -> list[dict[str, Any]]:
            found = alice.conversations_history(channel=channel)["messages"]
            return [m for m in found if m["ts"] == ts and m["text"] == "Approved over http"]

        assert wait_for(replaced)
        seen = app.done()
    assert [m["text"] for m in seen["messages"]] == ["hello bolt"], "each event once"
    assert [m["ts"] for m in seen["mentions"]] == [called]
    [command] = seen["commands"]
    assert command["command"] == "/node-forecast" and command["team_id"] == workspace.team_id
    [action] = seen["actions"]
    assert action["type"] == "block_actions" and action["actions"][0]["action_id"] == "approve"
