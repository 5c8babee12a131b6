"""@slack/bolt (Node.js) against hubbub: an App over Socket Mode (tests/node/bolt_socket_mode.mjs:
app.message and say(), app.command with ack() and respond(), app.action with ack() and respond()
replacing the message pressed, client.views.open with the press's trigger_id and app.view for the
submit, app.shortcut for a message shortcut and a global one opening a modal, views.push and
views.update from a press in that modal, app.view for its view_closed, app.event
('app_home_opened') publishing the Home with views.publish) and an App on bolt's own HTTP receiver
(tests/node/bolt_http.mjs: hubbub's signed Events API requests, slash commands and presses,
verification on; tests/node/bolt_http_views.mjs: a global shortcut opening a modal, app.view
answering errors then update, view_closed, the Home)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.test_modals import person
from tests.support import node
from tests.support.apps import BOT_SCOPES, make_app, update_app
from tests.support.blocks import plain
from tests.support.rtm import of_type, rtm
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
# A modal with notify_on_close whose button pushes STEP over it (and updates it).
WIZARD: dict[str, Any] = {
    "type": "modal",
    "callback_id": "node_wizard",
    "title": plain("Wizard"),
    "notify_on_close": True,
    "blocks": [
        {"type": "section", "text": plain("Step 1")},
        *button("steps", "next_step", "Next"),
    ],
}
STEP: dict[str, Any] = {
    "type": "modal",
    "callback_id": "node_step",
    "title": plain("Step 2"),
    "blocks": [{"type": "section", "text": plain("Step 2")}],
}
HOME: dict[str, Any] = {
    "type": "home",
    "callback_id": "node_home",
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Welcome from node"}}],
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
        shortcuts=["message:node_ask:Ask node", "global:node_new:New node thing"],
        events=["message.channels", "app_home_opened"],
    )
    alice = server.client(workspace.alice.token)
    channel: str = alice.conversations_create(name="node-bolt")["channel"]["id"]
    server.client(made.bot_token).conversations_join(channel=channel)
    settings = {
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
        "global_shortcut": "node_new",
        "wizard": WIZARD,
        "step": STEP,
        "home": HOME,
    }
    # The person's own stream, read after the run: what their client heard of the views.
    with rtm(server, workspace.alice.token) as socket:
        socket.sync()
        got: dict[str, Any] = node.run("bolt_socket_mode", settings)
        # Each views.* call told the person's client before it answered the app.
        heard = [f for f in socket.sync() if str(f.get("type", "")).startswith("view_")]
    return {**got, "app": made, "channel": channel, "heard": heard}


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


def heard_of(over_socket_mode: dict[str, Any], *view_ids: str) -> list[tuple[str, str]]:
    """What the person's client heard of these views, in order: (type, view id)."""
    found = []
    for frame in over_socket_mode["heard"]:
        view_id = frame["view"]["id"] if "view" in frame else frame["view_id"]
        if view_id in view_ids:
            found.append((frame["type"], view_id))
    return found


def test_a_global_shortcut_opens_a_modal_whose_press_pushes_and_updates(
    over_socket_mode: dict[str, Any], workspace: Workspace
) -> None:
    seen = over_socket_mode["seen"]
    assert over_socket_mode["global_answer"]["ok"] is True
    shortcut = seen["global"]
    assert shortcut["type"] == "shortcut" and shortcut["callback_id"] == "node_new"
    assert shortcut["user"]["id"] == workspace.alice.user_id and shortcut["trigger_id"]
    assert "message" not in shortcut and "channel" not in shortcut
    wizard = seen["wizard"]
    assert wizard["callback_id"] == "node_wizard" and wizard["notify_on_close"] is True
    # The press in the modal: block_actions with the view, then views.push and views.update.
    assert over_socket_mode["step_press"]["ok"] is True
    step = seen["step"]
    pressed = step["pressed"]
    assert pressed["type"] == "block_actions" and pressed["view"]["id"] == wizard["id"]
    assert pressed["actions"][0]["action_id"] == "next_step"
    pushed, updated = step["pushed"], step["updated"]
    assert pushed["callback_id"] == "node_step" and pushed["id"] != wizard["id"]
    assert pushed["previous_view_id"] == wizard["id"] and pushed["root_view_id"] == wizard["id"]
    assert updated["id"] == wizard["id"] and updated["title"]["text"] == "Step 1 done"
    assert updated["hash"] != wizard["hash"]
    # The person's client saw each step, then both closed (the pushed one first).
    assert heard_of(over_socket_mode, wizard["id"], pushed["id"]) == [
        ("view_opened", wizard["id"]),
        ("view_opened", pushed["id"]),
        ("view_updated", wizard["id"]),
        ("view_closed", pushed["id"]),
        ("view_closed", wizard["id"]),
    ]
    [shown] = [f["view"] for f in over_socket_mode["heard"] if f["type"] == "view_updated"]
    assert shown["title"]["text"] == "Step 1 done" and shown["hash"] == updated["hash"]


def test_app_view_hears_view_closed_with_the_view_as_updated(
    over_socket_mode: dict[str, Any], workspace: Workspace
) -> None:
    seen = over_socket_mode["seen"]
    assert over_socket_mode["step_close"]["ok"] and over_socket_mode["wizard_close"]["ok"]
    body, view = seen["closed"]["body"], seen["closed"]["view"]
    assert body["type"] == "view_closed" and body["is_cleared"] is False
    assert body["user"]["id"] == workspace.alice.user_id
    assert body["api_app_id"] == over_socket_mode["app"].app.id
    # The view as hubbub kept it: the update, not the view first opened.
    assert view["id"] == seen["wizard"]["id"] and view["hash"] == seen["step"]["updated"]["hash"]
    assert view["title"]["text"] == "Step 1 done"
    # Closed for good: closing it again finds nothing.
    assert over_socket_mode["closed_again"]["error"] == "not_found"


def test_app_home_opened_publishes_the_home_with_views_publish(
    over_socket_mode: dict[str, Any], workspace: Workspace
) -> None:
    seen, made = over_socket_mode["seen"], over_socket_mode["app"]
    assert over_socket_mode["home_first"]["view"] is None
    first, again = seen["home_opened"]
    assert first["type"] == "app_home_opened" and first["user"] == workspace.alice.user_id
    assert first["tab"] == "home" and first["channel"].startswith("D") and "view" not in first
    published = seen["published"][0]
    assert published["type"] == "home" and published["app_id"] == made.app.id
    # Opened again: the person's client gets the view published, and the app hears it with it.
    home = over_socket_mode["home_again"]["view"]
    assert home["id"] == published["id"] and home["hash"] == published["hash"]
    assert home["blocks"][0]["text"]["text"] == "Welcome from node"
    assert again["view"]["id"] == published["id"] and again["channel"] == first["channel"]
    hashes = [f["view"]["hash"] for f in over_socket_mode["heard"] if f["type"] == "view_published"]
    assert hashes == [v["hash"] for v in seen["published"]]


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


HTTP_MODAL: dict[str, Any] = {**MODAL, "callback_id": "node_http_form", "private_metadata": ""}
# What a good submission turns the modal into; the person closing it is told to the app.
DONE: dict[str, Any] = {
    "type": "modal",
    "callback_id": "node_http_done",
    "title": plain("Done"),
    "notify_on_close": True,
    "blocks": [{"type": "section", "text": plain("Deploying")}],
}


def test_bolt_http_receiver_takes_shortcuts_submissions_closes_and_the_home(
    server: Server, workspace: Workspace
) -> None:
    made = make_app(
        server.data_dir,
        name="Node Http Views",
        scopes=BOT_SCOPES,
        shortcuts=["global:node_http_new:New over http"],
    )
    alice = server.client(workspace.alice.token)
    settings = {
        "api_url": server.api_url,
        "bot_token": made.bot_token,
        "signing_secret": made.app.signing_secret,
        "port": free_port(),
        "shortcut": "node_http_new",
        "modal": HTTP_MODAL,
        "done": DONE,
        "home": HOME,
    }
    with node.script("bolt_http_views", settings) as app, rtm(server, workspace.alice.token) as rt:
        url = app.ready()["url"]
        update_app(
            server.data_dir,
            workspace.domain,
            made.app.id,
            request_url=url,
            events=["app_home_opened"],
            interactivity_url=url,
        )
        # app.shortcut: the global shortcut's handler opens the modal with its trigger_id.
        ran = alice.api_call(
            "shortcuts.run", json={"app_id": made.app.id, "callback_id": "node_http_new"}
        )
        assert ran["ok"] is True
        modal = rt.until(of_type("view_opened"))[-1]["view"]
        assert modal["callback_id"] == "node_http_form" and modal["app_id"] == made.app.id

        def submit(name: str) -> dict[str, Any]:
            values = {"name": {"name_input": name}}
            return person(alice, "views.submit", view_id=modal["id"], values=values)

        # ack({response_action: 'errors'}): the client shows the error; the modal stays.
        refused = submit("ab")
        assert refused["response_action"] == "errors"
        assert refused["errors"] == {"name": "At least 3 letters"}
        # ack({response_action: 'update'}): the same view, replaced, as the client hears it.
        updated = submit("prod")
        assert updated["response_action"] == "update"
        shown = updated["view"]
        assert shown["id"] == modal["id"] and shown["callback_id"] == "node_http_done"
        assert shown["private_metadata"] == "prod" and shown["hash"] != modal["hash"]
        heard = rt.until(of_type("view_updated"))[-1]["view"]
        assert heard["hash"] == shown["hash"] and heard["title"]["text"] == "Done"
        # views.close: the app hears view_closed (notify_on_close) and the view is gone.
        assert alice.api_call("views.close", json={"view_id": modal["id"]})["ok"] is True
        assert rt.until(of_type("view_closed"))[-1]["view_id"] == modal["id"]
        assert person(alice, "views.submit", view_id=modal["id"])["error"] == "not_found"
        # App Home: opened, the app publishes it; opened again, the client has it.
        home = alice.api_call("views.home", json={"app_id": made.app.id})
        assert home["view"] is None
        published = rt.until(of_type("view_published"))[-1]["view"]
        assert published["type"] == "home" and published["app_id"] == made.app.id
        again = alice.api_call("views.home", json={"app_id": made.app.id})["view"]
        assert again["id"] == published["id"] and again["hash"] == published["hash"]
        assert again["blocks"][0]["text"]["text"] == "Welcome from node"
        republished = rt.until(of_type("view_published"))[-1]["view"]
        seen = app.done()
    assert [s["callback_id"] for s in seen["shortcuts"]] == ["node_http_new"]
    values = [s["view"]["state"]["values"]["name"]["name_input"] for s in seen["submissions"]]
    assert values == [
        {"type": "plain_text_input", "value": "ab"},
        {"type": "plain_text_input", "value": "prod"},
    ]
    [closed] = seen["closed"]
    assert closed["type"] == "view_closed" and closed["view"]["id"] == modal["id"]
    assert closed["view"]["private_metadata"] == "prod" and closed["is_cleared"] is False
    assert closed["user"]["id"] == workspace.alice.user_id
    first, second = seen["home_opened"]
    assert first["user"] == workspace.alice.user_id and "view" not in first
    assert second["view"]["id"] == published["id"]
    assert [v["hash"] for v in seen["published"]] == [published["hash"], republished["hash"]]
