"""Modals: an app opens one with the trigger_id of a press (views.open), pushes and updates
views (views.push, views.update with hash and external_id); the person's client hears
view_opened, view_updated and view_closed, submits (views.submit) and closes (views.close);
the app gets view_submission and answers with Slack's response_action (errors, update, push,
clear), and view_closed with notify_on_close. slack_bolt's app.view and client.views_open work
unchanged, sync and async, over both transports; bad triggers, views and submissions get
Slack's errors and change nothing."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any
from urllib.parse import parse_qs

import pytest
from aiohttp import web
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.e2e.test_interactivity import OPTIONS, posted, press
from tests.support.apps import (
    BOT_SCOPES,
    async_bolt_app,
    async_bolt_socket_mode,
    bolt_app,
    bolt_over_http,
    bolt_socket_mode,
    make_app,
)
from tests.support.blocks import plain
from tests.support.receiver import receiver
from tests.support.rtm import of_type, rtm
from tests.support.servers import Server, Workspace, free_port, module_server, module_workspace
from tests.support.waiting import until, wait_for

server = module_server("modals", allow_private_outbound=True)
workspace = module_workspace()


MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "deploy",
    "title": plain("Deploy"),
    "submit": plain("Go"),
    "close": plain("Cancel"),
    "private_metadata": "m-1",
    "notify_on_close": True,
    "blocks": [
        {
            "type": "input",
            "block_id": "name",
            "label": plain("Name"),
            "element": {"type": "plain_text_input", "action_id": "name_input"},
        },
        {
            "type": "input",
            "block_id": "env",
            "optional": True,
            "label": plain("Where"),
            "element": {"type": "static_select", "action_id": "env_pick", "options": OPTIONS},
        },
        {"type": "section", "text": {"type": "mrkdwn", "text": "no id given"}},
    ],
}
SECOND: dict[str, Any] = {
    "type": "modal",
    "callback_id": "second",
    "title": plain("Sure?"),
    "submit": plain("Yes"),
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Really?"}}],
}


def person(client: WebClient, method: str, **args: Any) -> dict[str, Any]:
    """A method of the person's client: the answer, ok or not."""
    try:
        answer = client.api_call(method, json=args)
    except SlackApiError as exc:
        answer = exc.response
    data: dict[str, Any] = answer.data  # type: ignore[assignment]
    return data


def error_of(call: Any, **args: Any) -> str:
    with pytest.raises(SlackApiError) as caught:
        call(**args)
    error: str = caught.value.response["error"]
    return error


def test_a_modal_round_trip_with_bolt_over_socket_mode(
    server: Server, workspace: Workspace
) -> None:
    made = make_app(server.data_dir, name="Modal Maker", socket_mode=True, scopes=BOT_SCOPES)
    channel, ts = posted(server, workspace, made.bot_token, "modal-maker")
    app = bolt_app(server, made)
    opened: list[dict[str, Any]] = []
    bodies: list[dict[str, Any]] = []
    closed: list[dict[str, Any]] = []

    @app.action("approve")
    def approve(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        opened.append(client.views_open(trigger_id=body["trigger_id"], view=MODAL)["view"])

    @app.view("deploy")
    def deploy(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        bodies.append(body)
        name = view["state"]["values"]["name"]["name_input"]["value"]
        if name == "x":
            ack(response_action="errors", errors={"name": "Too short"})
        else:
            ack(response_action="push", view=SECOND)

    @app.view("second")
    def second(ack: Any) -> None:
        ack(response_action="clear")

    @app.view_closed("deploy")
    def on_close(ack: Any, body: dict[str, Any]) -> None:
        ack()
        closed.append(body)

    alice = server.client(workspace.alice.token)
    with bolt_socket_mode(app, made.app_token):
        with rtm(server, workspace.alice.token) as socket:
            socket.sync()
            assert press(alice, channel, ts, block_id="act", action_id="approve")["ok"]
            shown = socket.until(of_type("view_opened"))[-1]["view"]
            [view] = wait_for(lambda: opened)
            assert shown == view
            assert view["id"].startswith("V") and view["root_view_id"] == view["id"]
            assert view["previous_view_id"] is None
            assert view["team_id"] == workspace.team_id and view["app_id"] == made.app.id
            assert view["bot_id"] == made.app.bot_id
            assert (view["type"], view["callback_id"]) == ("modal", "deploy")
            assert view["private_metadata"] == "m-1" and view["notify_on_close"] is True
            assert view["title"] == plain("Deploy") and view["submit"] == plain("Go")
            assert view["state"] == {"values": {}} and view["hash"]
            # Slack fills in the block ids an app leaves out.
            assert view["blocks"][:2] == MODAL["blocks"][:2]
            assert view["blocks"][2]["block_id"]

            # response_action errors: the client is told, the view stays.
            answer = person(
                alice, "views.submit", view_id=view["id"], values={"name": {"name_input": "x"}}
            )
            assert answer == {
                "ok": True,
                "response_action": "errors",
                "errors": {"name": "Too short"},
            }
            body = bodies[-1]
            assert body["type"] == "view_submission"
            assert body["user"]["id"] == workspace.alice.user_id
            assert body["team"] == {"id": workspace.team_id, "domain": workspace.domain}
            assert body["api_app_id"] == made.app.id and body["trigger_id"]
            assert body["view"]["id"] == view["id"]
            assert body["view"]["state"]["values"] == {
                "name": {"name_input": {"type": "plain_text_input", "value": "x"}},
                "env": {"env_pick": {"type": "static_select", "selected_option": None}},
            }

            # response_action push: a view on top, named by the client's answer and event.
            answer = person(
                alice,
                "views.submit",
                view_id=view["id"],
                values={"name": {"name_input": "prod"}, "env": {"env_pick": "blue"}},
            )
            assert answer["response_action"] == "push"
            pushed = answer["view"]
            assert pushed["previous_view_id"] == view["id"]
            assert pushed["root_view_id"] == view["id"]
            assert socket.until(of_type("view_opened"))[-1]["view"] == pushed
            assert bodies[-1]["view"]["state"]["values"]["env"]["env_pick"] == {
                "type": "static_select",
                "selected_option": OPTIONS[1],
            }

            # response_action clear: the whole stack closes, top first.
            assert person(alice, "views.submit", view_id=pushed["id"]) == {
                "ok": True,
                "response_action": "clear",
            }
            gone = [e["view_id"] for e in socket.until(lambda e: e.get("view_id") == view["id"])]
            assert gone[-2:] == [pushed["id"], view["id"]]
        bot = server.client(made.bot_token)
        assert error_of(bot.views_update, view_id=view["id"], view=MODAL) == "not_found"
        assert closed == [], "a submitted view is not closed by the person"

        # views.close: view_closed reaches the app, as notify_on_close asked.
        assert press(alice, channel, ts, block_id="act", action_id="approve")["ok"]
        wait_for(lambda: len(opened) == 2)
        assert person(alice, "views.close", view_id=opened[1]["id"]) == {"ok": True}
        [body] = wait_for(lambda: closed)
        assert body["type"] == "view_closed" and body["view"]["id"] == opened[1]["id"]
        assert body["is_cleared"] is False
        assert person(alice, "views.close", view_id=opened[1]["id"])["error"] == "not_found"


def test_views_update_by_id_and_external_id_with_the_hash(
    server: Server, workspace: Workspace
) -> None:
    with receiver() as rx:
        made = make_app(
            server.data_dir, name="Updater", scopes=BOT_SCOPES, interactivity_url=rx.url
        )
        channel, ts = posted(server, workspace, made.bot_token, "updater")
        alice = server.client(workspace.alice.token)
        bot = server.client(made.bot_token)
        assert press(alice, channel, ts, block_id="act", action_id="approve")["ok"]
        trigger = json.loads(parse_qs(rx.seen[-1].body.decode())["payload"][0])["trigger_id"]
        view = bot.views_open(trigger_id=trigger, view={**MODAL, "external_id": "ext-1"})["view"]
        assert view["external_id"] == "ext-1"
        with rtm(server, workspace.alice.token) as socket:
            socket.sync()
            changed = {**MODAL, "title": plain("Deploying"), "external_id": "ext-1"}
            new = bot.views_update(view_id=view["id"], hash=view["hash"], view=changed)["view"]
            assert new["id"] == view["id"] and new["title"] == plain("Deploying")
            assert new["hash"] != view["hash"]
            assert socket.until(of_type("view_updated"))[-1]["view"] == new
        # The old hash no longer names the view's version.
        assert (
            error_of(bot.views_update, view_id=view["id"], hash=view["hash"], view=MODAL)
            == "hash_conflict"
        )
        again = bot.views_update(external_id="ext-1", view={**changed, "title": plain("Done")})
        assert again["view"]["id"] == view["id"] and again["view"]["title"] == plain("Done")
        other = make_app(server.data_dir, name="Other", scopes=BOT_SCOPES)
        outsider = server.client(other.bot_token)
        assert error_of(outsider.views_update, view_id=view["id"], view=MODAL) == "not_found"
        assert error_of(bot.views_update, view_id="VNOSUCH", view=MODAL) == "not_found"
        assert error_of(bot.views_update, external_id="nope", view=MODAL) == "not_found"
        # Neither id: the SDK refuses it itself; a raw call gets Slack's error.
        assert person(bot, "views.update", view=MODAL)["error"] == "invalid_arguments"


def test_bad_triggers_views_and_submissions_change_nothing(
    server: Server, workspace: Workspace
) -> None:
    with receiver() as rx:
        made = make_app(server.data_dir, name="Strict", scopes=BOT_SCOPES, interactivity_url=rx.url)
        channel, ts = posted(server, workspace, made.bot_token, "strict")
        alice = server.client(workspace.alice.token)
        bot = server.client(made.bot_token)

        def trigger() -> str:
            assert press(alice, channel, ts, block_id="act", action_id="approve")["ok"]
            found: str = json.loads(parse_qs(rx.seen[-1].body.decode())["payload"][0])["trigger_id"]
            return found

        now_ms = int(time.time() * 1000)
        assert error_of(bot.views_open, trigger_id="12.34", view=MODAL) == "invalid_trigger_id"
        assert (
            error_of(bot.views_open, trigger_id=f"{now_ms}.{'a' * 32}", view=MODAL)
            == "invalid_trigger_id"
        )
        assert (
            error_of(bot.views_open, trigger_id=f"{now_ms - 60_000}.{'a' * 32}", view=MODAL)
            == "expired_trigger_id"
        )
        # A bad view costs no trigger: the same one works after.
        good = trigger()
        for view in (
            {"type": "modal"},
            {**MODAL, "type": "home"},
            {**MODAL, "title": plain("t" * 25)},
        ):
            answer = error_of(bot.views_open, trigger_id=good, view=view)
            assert answer == "invalid_arguments"
        no_submit = {k: v for k, v in MODAL.items() if k != "submit"}
        assert error_of(bot.views_open, trigger_id=good, view=no_submit) == "invalid_arguments"
        first = bot.views_open(trigger_id=good, view=MODAL)["view"]
        # Used once: never again.
        assert error_of(bot.views_open, trigger_id=good, view=MODAL) == "invalid_trigger_id"
        # Another app's trigger, or a person's token.
        other = make_app(server.data_dir, name="Thief", scopes=BOT_SCOPES)
        stolen = trigger()
        thief = server.client(other.bot_token)
        assert error_of(thief.views_open, trigger_id=stolen, view=MODAL) == "invalid_trigger_id"
        assert person(alice, "views.open", trigger_id=trigger(), view=MODAL)["error"] == (
            "not_allowed_token_type"
        )
        late = trigger()
        time.sleep(3.2)
        assert error_of(bot.views_open, trigger_id=late, view=MODAL) == "expired_trigger_id"

        # Pushes stop at three views; an external_id is the workspace's once.
        bot.views_push(trigger_id=trigger(), view={**SECOND, "external_id": "only-once"})
        assert (
            error_of(
                bot.views_push, trigger_id=trigger(), view={**SECOND, "external_id": "only-once"}
            )
            == "duplicate_external_id"
        )
        bot.views_push(trigger_id=trigger(), view=SECOND)
        assert error_of(bot.views_push, trigger_id=trigger(), view=SECOND) == "push_limit_reached"

        # Submissions: someone else's view, a missing required input, an unknown option.
        seen = len(rx.seen)
        bob = server.client(workspace.bob.token)
        assert person(bob, "views.submit", view_id=first["id"])["error"] == "not_found"
        assert person(alice, "views.submit", view_id="VNOSUCH")["error"] == "not_found"
        assert person(alice, "views.submit", view_id=first["id"])["error"] == "invalid_arguments"
        wrong = {"name": {"name_input": "n"}, "env": {"env_pick": "green"}}
        assert person(alice, "views.submit", view_id=first["id"], values=wrong)["error"] == (
            "invalid_option"
        )
        assert person(bot, "views.submit", view_id=first["id"])["error"] == (
            "not_allowed_token_type"
        )
        assert person(bob, "views.close", view_id=first["id"])["error"] == "not_found"
        assert len(rx.seen) == seen, "nothing reached the app"
        # The view is still there, unchanged: the app can update it.
        assert bot.views_update(view_id=first["id"], view=MODAL)["view"]["state"] == {"values": {}}


def test_bolt_updates_the_view_over_http(server: Server, workspace: Workspace) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/slack/events"
    made = make_app(server.data_dir, name="Http Modal", scopes=BOT_SCOPES, interactivity_url=url)
    channel, ts = posted(server, workspace, made.bot_token, "http-modal")
    app = bolt_app(server, made, signed=True)
    opened: list[dict[str, Any]] = []

    @app.action("approve")
    def approve(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        opened.append(client.views_open(trigger_id=body["trigger_id"], view=MODAL)["view"])

    @app.view("deploy")
    def deploy(ack: Any, view: dict[str, Any]) -> None:
        name = view["state"]["values"]["name"]["name_input"]["value"]
        ack(response_action="update", view={**SECOND, "title": plain(name)})

    @app.view("second")
    def second(ack: Any) -> None:
        ack()

    with bolt_over_http(app, port):
        alice = server.client(workspace.alice.token)
        assert press(alice, channel, ts, block_id="act", action_id="approve")["ok"]
        [view] = wait_for(lambda: opened)
        answer = person(
            alice, "views.submit", view_id=view["id"], values={"name": {"name_input": "Now"}}
        )
        assert answer["response_action"] == "update"
        assert answer["view"]["id"] == view["id"] and answer["view"]["title"] == plain("Now")
        # Acked with no response_action: the view closes.
        assert person(alice, "views.submit", view_id=view["id"]) == {"ok": True}
        assert person(alice, "views.submit", view_id=view["id"])["error"] == "not_found"


def test_async_bolt_opens_and_closes_a_modal_over_socket_mode(
    server: Server, workspace: Workspace
) -> None:
    made = make_app(server.data_dir, name="Async Modal", socket_mode=True, scopes=BOT_SCOPES)
    channel, ts = posted(server, workspace, made.bot_token, "async-modal")
    alice = server.client(workspace.alice.token)

    async def main() -> dict[str, Any]:
        app = async_bolt_app(server, made)
        opened: list[dict[str, Any]] = []

        @app.action("approve")
        async def approve(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
            await ack()
            found = await client.views_open(trigger_id=body["trigger_id"], view=MODAL)
            opened.append(found["view"])

        @app.view("deploy")
        async def deploy(ack: Any) -> None:
            await ack()

        async with async_bolt_socket_mode(app, made.app_token):
            await asyncio.to_thread(press, alice, channel, ts, block_id="act", action_id="approve")
            await until(lambda: opened)
            values = {"name": {"name_input": "async"}}
            return await asyncio.to_thread(
                person, alice, "views.submit", view_id=opened[0]["id"], values=values
            )

    # No response_action: the view closes.
    assert asyncio.run(main()) == {"ok": True}


def test_async_bolt_takes_a_submission_over_http(server: Server, workspace: Workspace) -> None:
    """AsyncApp behind aiohttp, signatures checked: view_submission arrives signed, app.view's
    ack(response_action="errors") keeps the view open with the error, a plain ack closes it."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/slack/events"
    made = make_app(
        server.data_dir, name="Aio Http Modal", scopes=BOT_SCOPES, interactivity_url=url
    )
    channel, ts = posted(server, workspace, made.bot_token, "aio-http-modal")
    alice = server.client(workspace.alice.token)

    async def main() -> tuple[dict[str, Any], dict[str, Any]]:
        app = async_bolt_app(server, made, signed=True)
        opened: list[dict[str, Any]] = []

        @app.action("approve")
        async def approve(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
            await ack()
            found = await client.views_open(trigger_id=body["trigger_id"], view=MODAL)
            opened.append(found["view"])

        @app.view("deploy")
        async def deploy(ack: Any, view: dict[str, Any]) -> None:
            name = view["state"]["values"]["name"]["name_input"]["value"]
            if len(name) < 3:
                await ack(response_action="errors", errors={"name": "Too short"})
            else:
                await ack()

        runner = web.AppRunner(app.web_app(path="/slack/events", port=port))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            assert (
                await asyncio.to_thread(
                    press, alice, channel, ts, block_id="act", action_id="approve"
                )
            )["ok"]
            # The app acks first, then opens the view.
            await until(lambda: opened)
            view_id = opened[0]["id"]

            def submit(name: str) -> dict[str, Any]:
                values = {"name": {"name_input": name}}
                return person(alice, "views.submit", view_id=view_id, values=values)

            return await asyncio.to_thread(submit, "ab"), await asyncio.to_thread(submit, "abc")
        finally:
            await runner.cleanup()

    refused, done = asyncio.run(main())
    assert refused == {"ok": True, "response_action": "errors", "errors": {"name": "Too short"}}
    assert done == {"ok": True}


PICKER: dict[str, Any] = {
    "type": "modal",
    "callback_id": "picker",
    "title": plain("Pick"),
    "submit": plain("Done"),
    "blocks": [
        {
            "type": "actions",
            "block_id": "pick",
            "elements": [
                {"type": "static_select", "action_id": "colour", "options": OPTIONS},
                {"type": "button", "action_id": "go", "text": plain("Go"), "value": "v-go"},
            ],
        },
        {
            "type": "input",
            "block_id": "note",
            "dispatch_action": True,
            "label": plain("Note"),
            "element": {"type": "plain_text_input", "action_id": "text", "max_length": 20},
        },
        {
            "type": "input",
            "block_id": "quiet",
            "label": plain("Quiet"),
            "element": {"type": "plain_text_input", "action_id": "text"},
        },
    ],
}


def test_a_press_in_a_modal_sends_the_view_with_its_state(
    server: Server, workspace: Workspace
) -> None:
    """blocks.actions with view_id: the app gets block_actions whose container is the view,
    with the view and its state.values, a trigger_id and no response_url; presses on views
    that are not the person's, closed, or that name nothing get Slack's errors and send
    nothing."""
    with receiver() as rx:
        made = make_app(server.data_dir, name="Picker", scopes=BOT_SCOPES, interactivity_url=rx.url)
        channel, ts = posted(server, workspace, made.bot_token, "picker")
        alice = server.client(workspace.alice.token)
        bot = server.client(made.bot_token)

        def last() -> dict[str, Any]:
            found: dict[str, Any] = json.loads(parse_qs(rx.seen[-1].body.decode())["payload"][0])
            return found

        assert press(alice, channel, ts, block_id="act", action_id="approve")["ok"]
        view = bot.views_open(trigger_id=last()["trigger_id"], view=PICKER)["view"]

        def in_view(client: WebClient, view_id: str, **args: str) -> dict[str, Any]:
            return person(client, "blocks.actions", view_id=view_id, **args)

        pick = {"block_id": "pick", "action_id": "colour"}
        note = {"block_id": "note", "action_id": "text"}
        quiet = {"block_id": "quiet", "action_id": "text"}
        assert in_view(alice, view["id"], **pick, value="blue") == {"ok": True}
        payload = last()
        assert payload["type"] == "block_actions"
        assert payload["container"] == {"type": "view", "view_id": view["id"]}
        assert payload["user"]["id"] == workspace.alice.user_id
        assert payload["api_app_id"] == made.app.id and payload["trigger_id"]
        assert "response_url" not in payload and "channel" not in payload
        assert payload["view"]["id"] == view["id"]
        assert payload["view"]["callback_id"] == "picker"
        held = {"type": "static_select", "selected_option": OPTIONS[1]}
        assert payload["view"]["state"] == {"values": {"pick": {"colour": held}}}
        [action] = payload["actions"]
        assert action["selected_option"] == OPTIONS[1] and action["block_id"] == "pick"
        # The view keeps what the select holds: a button pressed next carries it.
        assert in_view(alice, view["id"], block_id="pick", action_id="go")["ok"]
        payload = last()
        assert payload["actions"][0]["value"] == "v-go"
        assert payload["view"]["state"] == {"values": {"pick": {"colour": held}}}
        # An input with dispatch_action sends its text; the view keeps it beside the select's.
        assert in_view(alice, view["id"], block_id="note", action_id="text", value="hi there")["ok"]
        payload = last()
        assert payload["actions"][0]["type"] == "plain_text_input"
        assert payload["actions"][0]["value"] == "hi there"
        typed = {"type": "plain_text_input", "value": "hi there"}
        assert payload["view"]["state"] == {
            "values": {"pick": {"colour": held}, "note": {"text": typed}}
        }
        # The trigger opens a view on top, as a message press's does.
        bot.views_push(trigger_id=payload["trigger_id"], view=SECOND)

        seen = len(rx.seen)
        bob = server.client(workspace.bob.token)
        cases: list[tuple[WebClient, str, dict[str, str], str]] = [
            (bob, view["id"], pick | {"value": "red"}, "not_found"),
            (alice, "VNOSUCH", pick | {"value": "red"}, "not_found"),
            (alice, view["id"], {"block_id": "nope", "action_id": "colour"}, "block_not_found"),
            (alice, view["id"], {"block_id": "pick", "action_id": "nope"}, "action_not_found"),
            (alice, view["id"], pick | {"value": "green"}, "invalid_option"),
            # An input without dispatch_action sends nothing before the view is submitted; a
            # text input's press needs its text, within its max_length.
            (alice, view["id"], quiet | {"value": "hi"}, "action_not_found"),
            (alice, view["id"], note, "invalid_arguments"),
            (alice, view["id"], note | {"value": "x" * 21}, "invalid_arguments"),
            (bot, view["id"], pick | {"value": "red"}, "not_allowed_token_type"),
        ]
        for client, view_id, args, error in cases:
            assert in_view(client, view_id, **args)["error"] == error, (view_id, args)
        assert person(alice, "views.close", view_id=view["id"])["ok"]
        closed = in_view(alice, view["id"], **pick, value="red")
        assert closed["error"] == "not_found"
        assert len(rx.seen) == seen, "nothing reached the app"
