"""The browser draws Block Kit's checkboxes, multi-selects, time picker, number, email and URL
inputs and the people and conversation pickers: in a modal they are filled and submitted (a
number out of bounds, an email or URL that does not parse is said under its input, as Slack's
client says it, and nothing is sent), and the bolt app gets Slack's state.values; in a
message, checking a box or picking a person reaches the app as block_actions."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import BrowserContext, Page, expect
from slack_bolt import App
from slack_sdk import WebClient

from tests.browser import axe
from tests.browser.client import message, open_conversation, sign_in_as
from tests.support.apps import app_in_general, bolt_socket_mode
from tests.support.blocks import plain
from tests.support.servers import Server, Workspace, module_server, module_workspace
from tests.support.waiting import wait_for

server = module_server("pickers", allow_private_outbound=True)
workspace = module_workspace()

OPTIONS = [{"text": plain("Red"), "value": "red"}, {"text": plain("Blue"), "value": "blue"}]


def _in(block_id: str, label: str, element: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "element": {"action_id": "it", **element},
        **more,
    }


FORM: dict[str, Any] = {
    "type": "modal",
    "callback_id": "form",
    "title": plain("Details"),
    "submit": plain("Send"),
    "blocks": [
        _in(
            "boxes",
            "Colours",
            {"type": "checkboxes", "options": OPTIONS, "initial_options": [OPTIONS[0]]},
        ),
        _in("many", "Shades", {"type": "multi_static_select", "options": OPTIONS}),
        _in("at", "At", {"type": "timepicker", "initial_time": "09:30"}),
        _in(
            "count",
            "Count",
            {
                "type": "number_input",
                "is_decimal_allowed": False,
                "min_value": "1",
                "max_value": "10",
            },
        ),
        _in("mail", "Email", {"type": "email_text_input"}),
        _in("site", "Site", {"type": "url_text_input"}),
        _in("who", "Who", {"type": "users_select"}),
        _in("team", "Team", {"type": "multi_users_select"}, optional=True),
        _in("where", "Where", {"type": "conversations_select"}),
        _in("chan", "Channel", {"type": "channels_select"}, optional=True),
    ],
}
MESSAGE: list[dict[str, Any]] = [
    {
        "type": "actions",
        "block_id": "pick",
        "elements": [
            {"type": "button", "action_id": "open", "text": plain("Fill in")},
            {"type": "checkboxes", "action_id": "boxes", "options": OPTIONS},
            {"type": "users_select", "action_id": "who", "placeholder": plain("Someone")},
        ],
    }
]


def test_new_elements_are_filled_in_a_modal_and_pressed_in_a_message(
    context: BrowserContext, page: Page, server: Server, workspace: Workspace
) -> None:
    axe.install(context)
    made, bot, general = app_in_general(server, workspace, "Former", socket_mode=True)
    app = App(client=bot)
    submitted: list[dict[str, Any]] = []
    pressed: dict[str, dict[str, Any]] = {}

    @app.action("open")
    def open_form(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=FORM)

    @app.action("boxes")
    def on_boxes(ack: Any, action: dict[str, Any]) -> None:
        ack()
        pressed["boxes"] = action

    @app.action("who")
    def on_who(ack: Any, action: dict[str, Any]) -> None:
        ack()
        pressed["who"] = action

    @app.view("form")
    def on_submit(ack: Any, view: dict[str, Any]) -> None:
        ack()
        submitted.append(view["state"]["values"])

    bot.chat_postMessage(channel=general, text="Fill this in", blocks=MESSAGE)
    bob, carol = workspace.bob.user_id, workspace.carol.user_id
    with bolt_socket_mode(app, made.app_token):
        sign_in_as(page, server, workspace, "alice")
        open_conversation(page, "general")
        card = message(page, "Fill in")
        # In the message: a box checked, a person picked, each reaching the app.
        card.get_by_label("Blue").check()
        wait_for(lambda: pressed.get("boxes"))
        assert pressed["boxes"]["type"] == "checkboxes"
        assert pressed["boxes"]["selected_options"] == [OPTIONS[1]]
        card.get_by_label("Someone").select_option(bob)
        wait_for(lambda: pressed.get("who"))
        assert (pressed["who"]["type"], pressed["who"]["selected_user"]) == ("users_select", bob)

        card.get_by_role("button", name="Fill in").click()
        dialog = page.get_by_role("dialog", name="Details")
        expect(dialog).to_be_visible()
        expect(dialog.get_by_label("Red")).to_be_checked()
        expect(dialog.get_by_label("At", exact=True)).to_have_value("09:30")
        dialog.get_by_label("Blue").check()
        dialog.get_by_label("Shades").select_option(["blue"])
        dialog.get_by_label("At", exact=True).fill("13:37")
        dialog.get_by_label("Count").fill("11")
        dialog.get_by_label("Email").fill("ann@")
        dialog.get_by_label("Site").fill("example.com")
        dialog.get_by_label("Who", exact=True).select_option(carol)
        dialog.get_by_label("Team (optional)").select_option([bob, carol])
        dialog.get_by_label("Where").select_option(general)
        # What the server would refuse is said under each input, and nothing is sent.
        dialog.get_by_role("button", name="Send").click()
        errors = {
            "count": "Please enter a number between 1 and 10.",
            "mail": "Please enter a valid email address.",
            "site": "Please enter a valid URL.",
        }
        for block_id, text in errors.items():
            expect(dialog.locator(f"[data-block-id={block_id}] .bk-error")).to_have_text(text)
        expect(dialog.locator("[data-block-id=who] .bk-error")).to_be_hidden()
        axe.assert_accessible(page)
        assert submitted == []
        dialog.get_by_label("Count").fill("7")
        dialog.get_by_label("Email").fill("ann@example.com")
        dialog.get_by_label("Site").fill("https://example.com/a")
        dialog.get_by_role("button", name="Send").click()
        expect(dialog).to_have_count(0)
        [values] = wait_for(lambda: submitted)
    assert values == {
        "boxes": {"it": {"type": "checkboxes", "selected_options": OPTIONS}},
        "many": {"it": {"type": "multi_static_select", "selected_options": [OPTIONS[1]]}},
        "at": {"it": {"type": "timepicker", "selected_time": "13:37"}},
        "count": {"it": {"type": "number_input", "value": "7"}},
        "mail": {"it": {"type": "email_text_input", "value": "ann@example.com"}},
        "site": {"it": {"type": "url_text_input", "value": "https://example.com/a"}},
        "who": {"it": {"type": "users_select", "selected_user": carol}},
        "team": {"it": {"type": "multi_users_select", "selected_users": [bob, carol]}},
        "where": {"it": {"type": "conversations_select", "selected_conversation": general}},
        "chan": {"it": {"type": "channels_select", "selected_channel": None}},
    }
