"""Apps' views in the browser (web/static/home.js, modals.js): an app's DM has the tabs Home and
Messages; Home asks views.home, so a real slack_bolt app in Socket Mode hears app_home_opened
and publishes the tab, which Chromium draws, images through the proxy; a press on it reaches
the app as block_actions with the home view, and the app's views.publish redraws it live. In a
modal, buttons outside inputs are live, a pushed view takes its parent's place and closing it
brings the parent back; the modal's images come through the proxy."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote_plus

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from slack_bolt import App
from slack_sdk import WebClient

from tests.browser import axe
from tests.browser.client import conv_link, message, open_conversation, sign_in_as
from tests.browser.conftest import screenshot
from tests.browser.test_client_blocks import PICTURES, md, plain
from tests.support.apps import app_in_general, bolt_socket_mode
from tests.support.images import image_host
from tests.support.receiver import Receiver
from tests.support.servers import Server, Workspace, module_server, module_workspace
from tests.support.waiting import wait_for

server = module_server("app-home", allow_private_outbound=True)
workspace = module_workspace()


@pytest.fixture(scope="module")
def images() -> Iterator[Receiver]:
    with image_host(PICTURES) as host:
        yield host


def proxied(base: str) -> re.Pattern[str]:
    """The proxy's address of a view's picture: by the view's id, never the image's host."""
    return re.compile(
        r"^/img\?view=V[0-9A-Z]+&url=" + re.escape(quote_plus(f"{base}/pic.png")) + "$"
    )


def home_view(user_id: str, presses: int, base: str) -> dict[str, Any]:
    return {
        "type": "home",
        "callback_id": "home",
        "blocks": [
            {"type": "header", "text": plain("Your counter")},
            {
                "type": "section",
                "block_id": "count",
                "text": md(f"Hello <@{user_id}>: *{presses}* presses"),
                "accessory": {"type": "button", "action_id": "add", "text": plain("Add one")},
            },
            {"type": "image", "image_url": f"{base}/pic.png", "alt_text": "a pic"},
        ],
    }


def test_an_apps_home_is_published_on_opening_pressed_and_updated_live(
    context: BrowserContext, page: Page, server: Server, workspace: Workspace, images: Receiver
) -> None:
    axe.install(context)
    made, bot, _general = app_in_general(
        server, workspace, "Counter", socket_mode=True, events=["app_home_opened"]
    )
    app = App(client=bot)
    opened: list[dict[str, Any]] = []
    pressed: list[dict[str, Any]] = []

    @app.event("app_home_opened")
    def on_open(event: dict[str, Any], client: WebClient) -> None:
        opened.append(event)
        # What the app holds: the count so far, so that a Home opened again shows it whether
        # this publish or the stored view is drawn first.
        view = home_view(event["user"], len(pressed), images.url)
        client.views_publish(user_id=event["user"], view=view)

    @app.action("add")
    def add(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        pressed.append(body)
        user = body["user"]["id"]
        client.views_publish(user_id=user, view=home_view(user, len(pressed), images.url))

    # Quiet has no Home published: its tab says so.
    _quiet, quiet_bot, _ = app_in_general(server, workspace, "Quiet Home")
    quiet_bot.chat_postMessage(channel=workspace.alice.user_id, text="hello from quiet")
    with bolt_socket_mode(app, made.app_token):
        sign_in_as(page, server, workspace, "alice")
        # The sidebar's Apps: each app's DM, apart from people's; "Add apps" lists the rest.
        apps = page.get_by_role("region", name="Apps")
        expect(apps.locator(".conv .name")).to_have_text(["Quiet Home"])
        # An app that published nothing: its tabs, Home an empty-state line.
        conv_link(page, "Quiet Home").click()
        home = page.get_by_role("tabpanel", name="Home")
        expect(home).to_contain_text("Quiet Home has nothing on its Home yet.")
        page.get_by_role("tab", name="Messages").click()
        expect(message(page, "hello from quiet")).to_be_visible()
        apps.get_by_role("button", name="Add apps").click()
        listed = page.get_by_role("dialog", name="Apps")
        listed.locator("li", has_text="Counter").get_by_role("button", name="Open").click()
        expect(page.get_by_role("tab", name="Home")).to_have_attribute("aria-selected", "true")
        expect(home.locator(".bk-header")).to_have_text("Your counter")
        expect(home.locator(".bk-section")).to_contain_text("Hello @alice: 0 presses")
        expect(page.locator("#composer-input")).to_be_hidden()
        [event] = opened
        assert event["tab"] == "home" and event["user"] == workspace.alice.user_id
        # The view's image comes through the proxy, from the page's own origin, and loads.
        img = home.locator("img.bk-image-img")
        expect(img).to_have_attribute("src", proxied(images.url))
        page.wait_for_function(
            "(img) => img.complete && img.naturalWidth === 240", arg=img.element_handle()
        )
        screenshot(page, "app-home")
        axe.assert_accessible(page)
        # A press reaches the app with the home view; its views.publish redraws the tab live.
        home.get_by_role("button", name="Add one").click()
        expect(home.locator(".bk-section")).to_contain_text("1 presses")
        home.get_by_role("button", name="Add one").click()
        expect(home.locator(".bk-section")).to_contain_text("2 presses")
        first = pressed[0]
        assert first["container"] == {"type": "view", "view_id": first["view"]["id"]}
        assert first["view"]["type"] == "home" and first["actions"][0]["action_id"] == "add"
        assert "message" not in first and "response_url" not in first
        # Messages: the DM as any other, with its composer.
        page.get_by_role("tab", name="Messages").click()
        expect(page.get_by_role("tab", name="Messages")).to_have_attribute("aria-selected", "true")
        expect(page.locator("#composer-input")).to_be_visible()
        expect(home).to_be_hidden()
        bot.chat_postMessage(channel=workspace.alice.user_id, text="a message from counter")
        expect(message(page, "a message from counter")).to_be_visible()
        # Home again: asked again (the app hears it again), the tab as last published.
        page.get_by_role("tab", name="Home").click()
        expect(home.locator(".bk-section")).to_contain_text("2 presses")
        wait_for(lambda: len(opened) == 2)
        # Each app's DM keeps the tab last chosen.
        conv_link(page, "Quiet Home").click()
        expect(message(page, "hello from quiet")).to_be_visible()
        # People's DMs have no tabs.
        open_conversation(page, "general")
        expect(page.get_by_role("tab")).to_have_count(0)


def modal(base: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "plan",
        "title": plain("Plan"),
        "close": plain("Cancel"),
        "blocks": [
            {
                "type": "section",
                "block_id": "step",
                "text": md("Step *one*"),
                "accessory": {"type": "button", "action_id": "next", "text": plain("Next")},
            },
            {
                "type": "actions",
                "block_id": "pick",
                "elements": [
                    {
                        "type": "static_select",
                        "action_id": "colour",
                        "placeholder": plain("Colour"),
                        "options": [
                            {"text": plain("Red"), "value": "red"},
                            {"text": plain("Blue"), "value": "blue"},
                        ],
                    }
                ],
            },
            {"type": "image", "image_url": f"{base}/pic.png", "alt_text": "plan picture"},
        ],
    }


PUSHED: dict[str, Any] = {
    "type": "modal",
    "callback_id": "plan-2",
    "title": plain("Step two"),
    "close": plain("Previous"),
    "blocks": [{"type": "section", "text": md("The *second* step")}],
}


def test_a_modals_buttons_push_a_view_over_it_and_closing_that_returns(
    page: Page, server: Server, workspace: Workspace, images: Receiver
) -> None:
    made, bot, general = app_in_general(server, workspace, "Planner", socket_mode=True)
    app = App(client=bot)
    presses: list[dict[str, Any]] = []

    @app.action("plan")
    def plan(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=modal(images.url))

    @app.action("colour")
    def colour(ack: Any, body: dict[str, Any]) -> None:
        ack()
        presses.append(body)

    @app.action("next")
    def next_step(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        presses.append(body)
        client.views_push(trigger_id=body["trigger_id"], view=PUSHED)

    bot.chat_postMessage(
        channel=general,
        text="Plan?",
        blocks=[
            {
                "type": "actions",
                "elements": [{"type": "button", "action_id": "plan", "text": plain("Plan")}],
            }
        ],
    )
    with bolt_socket_mode(app, made.app_token):
        sign_in_as(page, server, workspace, "alice")
        open_conversation(page, "general")
        page.get_by_role("button", name="Plan", exact=True).click()
        first = page.get_by_role("dialog", name="Plan")
        expect(first).to_be_visible()
        # Its image through the proxy, by the view's id.
        img = first.locator("img.bk-image-img")
        expect(img).to_have_attribute("src", proxied(images.url))
        page.wait_for_function(
            "(img) => img.complete && img.naturalWidth === 240", arg=img.element_handle()
        )
        # A select outside an input is live: the app hears block_actions with the view.
        first.locator("select.bk-select").select_option("blue")
        chose = wait_for(lambda: presses)[0]
        assert chose["container"]["type"] == "view"
        assert chose["view"]["callback_id"] == "plan"
        assert chose["actions"][0]["selected_option"]["value"] == "blue"
        assert chose["view"]["state"]["values"]["pick"]["colour"]["selected_option"]["value"] == (
            "blue"
        )
        # Next: pushed, the new view in its parent's place.
        first.get_by_role("button", name="Next").click()
        second = page.get_by_role("dialog", name="Step two")
        expect(second).to_be_visible()
        expect(second).to_contain_text("The second step")
        expect(first).to_be_hidden()
        assert presses[1]["view"]["id"] == chose["view"]["id"]
        # Its ✕ is Back: the pushed view closes, its parent is there again; pushed again, its
        # close button does the same.
        second.get_by_role("button", name="Back", exact=True).click()
        expect(second).to_have_count(0)
        expect(first).to_be_visible()
        expect(first).to_contain_text("Step one")
        first.get_by_role("button", name="Next").click()
        expect(second).to_be_visible()
        second.get_by_role("button", name="Previous", exact=True).click()
        expect(second).to_have_count(0)
        expect(first).to_be_visible()
        first.get_by_role("button", name="Cancel").click()
        expect(first).to_have_count(0)


def finder_home(said: str) -> dict[str, Any]:
    """A Home with inputs: two that dispatch actions as they are used, one that does not."""
    return {
        "type": "home",
        "callback_id": "finder",
        "blocks": [
            {"type": "section", "block_id": "said", "text": md(said)},
            {
                "type": "input",
                "block_id": "find",
                "dispatch_action": True,
                "label": plain("Find"),
                "hint": plain("Press Enter to search"),
                "element": {"type": "plain_text_input", "action_id": "query"},
            },
            {
                "type": "input",
                "block_id": "team",
                "dispatch_action": True,
                "optional": True,
                "label": plain("Team"),
                "element": {
                    "type": "static_select",
                    "action_id": "pick",
                    "placeholder": plain("Choose a team"),
                    "options": [
                        {"text": plain("Web"), "value": "web"},
                        {"text": plain("Ops"), "value": "ops"},
                    ],
                },
            },
            {
                "type": "input",
                "block_id": "quiet",
                "label": plain("Notes"),
                "element": {"type": "plain_text_input", "action_id": "notes"},
            },
        ],
    }


def test_a_homes_inputs_are_drawn_and_those_that_dispatch_reach_the_app(
    context: BrowserContext, page: Page, server: Server, workspace: Workspace
) -> None:
    """Input blocks in a Home tab are drawn as a modal's are; one with dispatch_action sends
    block_actions as it is used (a text on Enter, a choice when made) and the app's
    views.publish redraws the tab; one without sends nothing."""
    axe.install(context)
    made, bot, _general = app_in_general(
        server, workspace, "Finder", socket_mode=True, events=["app_home_opened"]
    )
    app = App(client=bot)
    pressed: list[dict[str, Any]] = []

    @app.event("app_home_opened")
    def on_open(event: dict[str, Any], client: WebClient) -> None:
        client.views_publish(user_id=event["user"], view=finder_home("Nothing asked yet"))

    @app.action("query")
    @app.action("pick")
    def answer(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        pressed.append(body)
        done = body["actions"][0]
        said = done.get("value") or done["selected_option"]["value"]
        client.views_publish(user_id=body["user"]["id"], view=finder_home(f"Asked: *{said}*"))

    bot.chat_postMessage(channel=workspace.alice.user_id, text="I find things")
    calls: list[str] = []
    page.on("request", lambda r: calls.append(r.url) if "/api/blocks.actions" in r.url else None)
    with bolt_socket_mode(app, made.app_token):
        sign_in_as(page, server, workspace, "alice")
        conv_link(page, "Finder").click()
        home = page.get_by_role("tabpanel", name="Home")
        expect(home.locator(".bk-section")).to_have_text("Nothing asked yet")
        # Drawn as a modal's inputs: labelled, with the hint and "(optional)".
        find = home.get_by_label("Find")
        expect(find).to_be_visible()
        hint = home.locator(".bk-input[data-block-id=find] .bk-hint")
        expect(hint).to_have_text("Press Enter to search")
        expect(home.get_by_label("Team (optional)")).to_be_visible()
        notes = home.get_by_label("Notes")
        expect(notes).to_be_editable()
        axe.assert_accessible(page)
        # Without dispatch_action nothing is sent, Enter or not.
        notes.fill("just typing")
        notes.press("Enter")
        # With it: the text on Enter, then a choice; each redraws the tab from the app.
        find.fill("roadmap")
        find.press("Enter")
        expect(home.locator(".bk-section")).to_have_text("Asked: roadmap")
        home.get_by_label("Team (optional)").select_option("ops")
        expect(home.locator(".bk-section")).to_have_text("Asked: ops")
        assert len(calls) == 2 == len(pressed), calls
        typed, chose = pressed
        assert typed["container"] == {"type": "view", "view_id": typed["view"]["id"]}
        assert typed["actions"][0]["type"] == "plain_text_input"
        assert typed["actions"][0]["block_id"] == "find"
        assert typed["view"]["state"]["values"]["find"]["query"]["value"] == "roadmap"
        assert chose["actions"][0]["selected_option"]["value"] == "ops"
        assert chose["view"]["state"]["values"]["team"]["pick"]["selected_option"]["value"] == (
            "ops"
        )
