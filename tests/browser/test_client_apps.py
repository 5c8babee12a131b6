"""A slack_bolt app in Socket Mode seen from the browser: its say() replies arrive live, and a
slash command typed in the composer runs it, its answer shown to the caller, its in-channel
response to everyone."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect
from slack_bolt import App

from tests.browser.client import message, open_conversation, send, sign_in_as
from tests.support.apps import app_in_general, bolt_socket_mode
from tests.support.servers import Server, Workspace


def test_a_bolt_app_answers_and_a_slash_command_runs_from_the_composer(
    page: Page, server: Server, workspace: Workspace
) -> None:
    made, bot, _general = app_in_general(
        server,
        workspace,
        "Helper",
        scopes=["chat:write", "channels:join", "channels:history"],
        socket_mode=True,
        commands=["/weather"],
    )
    app = App(client=bot)

    @app.message("hello")
    def hello(say: Any) -> None:
        say(text="hello from the app")

    @app.command("/weather")
    def weather(ack: Any, respond: Any, command: dict[str, Any]) -> None:
        ack(text=f"looking up {command['text']}")
        respond(response_type="in_channel", text=f"sunny in {command['text']}")

    with bolt_socket_mode(app, made.app_token):
        sign_in_as(page, server, workspace, "alice")
        open_conversation(page, "general")
        send(page, "hello app")
        expect(message(page, "hello from the app")).to_be_visible()
        send(page, "/weather Paris")
        expect(page.locator(".toast", has_text="looking up Paris")).to_be_visible()
        expect(message(page, "sunny in Paris")).to_be_visible()
        # Not sent as a message by the composer; shown once, by the answer in the channel.
        expect(message(page, "/weather Paris")).to_have_count(1)
