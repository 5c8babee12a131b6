"""Block Kit's checkboxes, multi-selects, time picker, number, email and URL inputs and the user
and conversation pickers: a bolt app gets Slack's exact shapes, in a view_submission's
state.values and in a block_actions press on a message; people and conversations the person
cannot see, options not offered, numbers out of bounds, emails and URLs that do not parse are
refused with Slack's errors, reach no app and change nothing; elements past Slack's limits are
not stored."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from slack_sdk import WebClient

from tests.e2e.test_interactivity import OPTIONS, press
from tests.e2e.test_modals import error_of, person
from tests.support.apps import BOT_SCOPES, bolt_app, bolt_socket_mode, make_app
from tests.support.blocks import plain
from tests.support.receiver import receiver
from tests.support.servers import Server, Workspace, make_workspace, module_server, module_workspace
from tests.support.waiting import wait_for

server = module_server("input-elements", allow_private_outbound=True)
workspace = module_workspace()


def _in(block_id: str, element: dict[str, Any], *, optional: bool = False) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": plain(block_id),
        "element": {"action_id": "it", **element},
    }


NUMBER = {"type": "number_input", "is_decimal_allowed": False, "min_value": "1", "max_value": "10"}
FORM: dict[str, Any] = {
    "type": "modal",
    "callback_id": "form",
    "title": plain("Form"),
    "submit": plain("Send"),
    "blocks": [
        _in("boxes", {"type": "checkboxes", "options": OPTIONS, "initial_options": [OPTIONS[0]]}),
        _in("many", {"type": "multi_static_select", "options": OPTIONS}),
        _in("at", {"type": "timepicker", "initial_time": "09:00"}),
        _in("count", NUMBER),
        _in("mail", {"type": "email_text_input"}),
        _in("site", {"type": "url_text_input"}, optional=True),
        _in("who", {"type": "users_select"}),
        _in("team", {"type": "multi_users_select"}, optional=True),
        _in("where", {"type": "conversations_select"}),
        _in("chan", {"type": "channels_select"}, optional=True),
        _in("chans", {"type": "multi_channels_select"}, optional=True),
        _in("convs", {"type": "multi_conversations_select"}, optional=True),
    ],
}
PICKERS: list[dict[str, Any]] = [
    {
        "type": "actions",
        "block_id": "pickers",
        "elements": [
            {"type": "button", "action_id": "open", "text": plain("Open")},
            {"type": "checkboxes", "action_id": "boxes", "options": OPTIONS},
            {"type": "users_select", "action_id": "who", "placeholder": plain("Someone")},
            {"type": "multi_static_select", "action_id": "many", "options": OPTIONS},
            {"type": "conversations_select", "action_id": "where"},
            {"type": "timepicker", "action_id": "at"},
        ],
    }
]


def _posted(server: Server, workspace: Workspace, bot_token: str, name: str) -> tuple[str, str]:
    alice = server.client(workspace.alice.token)
    channel: str = alice.conversations_create(name=name)["channel"]["id"]
    bot = server.client(bot_token)
    bot.conversations_join(channel=channel)
    ts: str = bot.chat_postMessage(channel=channel, text="Pick", blocks=PICKERS)["ts"]
    return channel, ts


def test_a_bolt_app_gets_slacks_shapes_from_a_modal_and_from_presses(
    server: Server, workspace: Workspace
) -> None:
    made = make_app(server.data_dir, name="Former", socket_mode=True, scopes=BOT_SCOPES)
    channel, ts = _posted(server, workspace, made.bot_token, "former")
    app = bolt_app(server, made)
    opened: list[dict[str, Any]] = []
    submitted: list[dict[str, Any]] = []
    actions: dict[str, dict[str, Any]] = {}

    @app.action("open")
    def open_form(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        opened.append(client.views_open(trigger_id=body["trigger_id"], view=FORM)["view"])

    for name in ("boxes", "who", "many", "where", "at"):

        @app.action(name)
        def on_press(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
            ack()
            actions[action["action_id"]] = body

    @app.view("form")
    def on_submit(ack: Any, view: dict[str, Any]) -> None:
        ack()
        submitted.append(view["state"]["values"])

    alice = server.client(workspace.alice.token)
    general = next(c["id"] for c in alice.conversations_list()["channels"] if c["is_general"])
    with bolt_socket_mode(app, made.app_token):
        pressed: list[dict[str, Any]] = [
            {"action_id": "boxes", "values": ["blue", "red"]},
            {"action_id": "who", "value": workspace.bob.user_id},
            {"action_id": "many", "values": ["red"]},
            {"action_id": "where", "value": channel},
            {"action_id": "at", "selected_time": "13:37"},
        ]
        for args in pressed:
            assert press(alice, channel, ts, block_id="pickers", **args) == {"ok": True}, args
        wait_for(lambda: len(actions) == 5)
        body = actions["boxes"]
        assert body["type"] == "block_actions" and body["container"]["message_ts"] == ts
        [action] = body["actions"]
        assert set(action) == {"type", "action_id", "block_id", "selected_options", "action_ts"}
        assert action["type"] == "checkboxes"
        assert action["selected_options"] == [OPTIONS[1], OPTIONS[0]]
        assert body["state"]["values"] == {
            "pickers": {
                "boxes": {"type": "checkboxes", "selected_options": [OPTIONS[1], OPTIONS[0]]}
            }
        }
        [action] = actions["who"]["actions"]
        assert action["type"] == "users_select"
        assert action["selected_user"] == workspace.bob.user_id
        assert actions["many"]["actions"][0]["selected_options"] == [OPTIONS[0]]
        assert actions["where"]["actions"][0]["selected_conversation"] == channel
        assert actions["at"]["actions"][0]["selected_time"] == "13:37"

        assert press(alice, channel, ts, block_id="pickers", action_id="open")["ok"]
        [view] = wait_for(lambda: opened)
        # The elements come back as the app gave them.
        assert [b["element"] for b in view["blocks"]] == [b["element"] for b in FORM["blocks"]]
        values = {
            "boxes": {"it": ["red", "blue"]},
            "many": {"it": ["blue"]},
            "at": {"it": "09:00"},
            "count": {"it": "10"},
            "mail": {"it": "ann@example.com"},
            "site": {"it": "https://example.com/x"},
            "who": {"it": workspace.carol.user_id},
            "team": {"it": [workspace.bob.user_id, workspace.alice.user_id]},
            "where": {"it": general},
            "chans": {"it": [channel]},
        }
        assert person(alice, "views.submit", view_id=view["id"], values=values) == {"ok": True}
        [state] = wait_for(lambda: submitted)
    assert state == {
        "boxes": {"it": {"type": "checkboxes", "selected_options": [OPTIONS[0], OPTIONS[1]]}},
        "many": {"it": {"type": "multi_static_select", "selected_options": [OPTIONS[1]]}},
        "at": {"it": {"type": "timepicker", "selected_time": "09:00"}},
        "count": {"it": {"type": "number_input", "value": "10"}},
        "mail": {"it": {"type": "email_text_input", "value": "ann@example.com"}},
        "site": {"it": {"type": "url_text_input", "value": "https://example.com/x"}},
        "who": {"it": {"type": "users_select", "selected_user": workspace.carol.user_id}},
        "team": {
            "it": {
                "type": "multi_users_select",
                "selected_users": [workspace.bob.user_id, workspace.alice.user_id],
            }
        },
        "where": {"it": {"type": "conversations_select", "selected_conversation": general}},
        "chan": {"it": {"type": "channels_select", "selected_channel": None}},
        "chans": {"it": {"type": "multi_channels_select", "selected_channels": [channel]}},
        "convs": {"it": {"type": "multi_conversations_select", "selected_conversations": []}},
    }


def test_what_the_person_cannot_see_or_that_does_not_parse_reaches_no_app(
    server: Server, workspace: Workspace
) -> None:
    other = make_workspace(server.data_dir, domain="elsewhere")
    bob = server.client(workspace.bob.token)
    hidden = bob.conversations_create(name="bobs-secret", is_private=True)["channel"]["id"]
    bobs_dm = bob.conversations_open(users=workspace.carol.user_id)["channel"]["id"]
    with receiver() as rx:
        made = make_app(
            server.data_dir, name="Strict Form", scopes=BOT_SCOPES, interactivity_url=rx.url
        )
        channel, ts = _posted(server, workspace, made.bot_token, "strict-form")
        alice = server.client(workspace.alice.token)
        bot = server.client(made.bot_token)
        public = alice.conversations_create(name="open-to-all")["channel"]["id"]
        dm = alice.conversations_open(users=workspace.bob.user_id)["channel"]["id"]

        def trigger() -> str:
            assert press(alice, channel, ts, block_id="pickers", action_id="open")["ok"]
            found: str = json.loads(parse_qs(rx.seen[-1].body.decode())["payload"][0])["trigger_id"]
            return found

        # Elements past Slack's limits are not stored, in a view or a message.
        too_many = {"type": "checkboxes", "options": OPTIONS * 6}
        for bad in (
            too_many,
            {**NUMBER, "min_value": "11"},
            {"type": "users_select", "initial_user": "not-an-id"},
            {"type": "conversations_select", "filter": {"include": ["all"]}},
        ):
            view = {**FORM, "blocks": [_in("bad", bad)]}
            assert error_of(bot.views_open, trigger_id=trigger(), view=view) == "invalid_blocks"
        email_in_message = [{"type": "actions", "elements": [{"type": "email_text_input"}]}]
        assert (
            error_of(bot.chat_postMessage, channel=channel, text="x", blocks=email_in_message)
            == "invalid_blocks"
        )
        assert (
            error_of(
                bot.chat_postMessage,
                channel=channel,
                text="x",
                blocks=[{"type": "actions", "elements": [too_many]}],
            )
            == "invalid_blocks"
        )

        only = {
            "type": "modal",
            "callback_id": "only",
            "title": plain("Only"),
            "submit": plain("Send"),
            "blocks": [
                _in("who", {"type": "users_select"}, optional=True),
                _in(
                    "where",
                    {"type": "conversations_select", "filter": {"include": ["im"]}},
                    optional=True,
                ),
                _in("chan", {"type": "channels_select"}, optional=True),
                _in("count", NUMBER, optional=True),
                _in("mail", {"type": "email_text_input"}, optional=True),
                _in("site", {"type": "url_text_input"}, optional=True),
                _in("boxes", {"type": "checkboxes", "options": OPTIONS}, optional=True),
                _in("at", {"type": "timepicker"}, optional=True),
            ],
        }
        view = bot.views_open(trigger_id=trigger(), view=only)["view"]
        seen = len(rx.seen)
        refused: list[tuple[str, Any, str]] = [
            # Someone of a workspace alice shares nothing with: as if there were no one.
            ("who", other.alice.user_id, "user_not_found"),
            ("who", "UNOSUCH1", "user_not_found"),
            ("who", "not an id", "user_not_found"),
            ("who", ["U1234"], "invalid_arguments"),
            # Conversations alice cannot see, or that the element does not list.
            ("chan", hidden, "channel_not_found"),
            ("chan", "CNOSUCH1", "channel_not_found"),
            ("where", bobs_dm, "channel_not_found"),
            ("where", public, "channel_not_found"),  # the filter takes DMs only
            ("chan", dm, "channel_not_found"),  # channels_select: channels only
            ("count", "11", "invalid_arguments"),
            ("count", "0", "invalid_arguments"),
            ("count", "2.5", "invalid_arguments"),
            ("count", "ten", "invalid_arguments"),
            ("mail", "ann@", "invalid_arguments"),
            ("mail", "not an email", "invalid_arguments"),
            ("site", "javascript:alert(1)", "invalid_arguments"),
            ("site", "example.com", "invalid_arguments"),
            ("boxes", ["red", "green"], "invalid_option"),
            ("boxes", "red", "invalid_arguments"),
            ("at", "25:00", "invalid_arguments"),
        ]
        for block_id, value, error in refused:
            answer = person(
                alice, "views.submit", view_id=view["id"], values={block_id: {"it": value}}
            )
            assert answer["error"] == error, (block_id, value, answer)
        # The same refusals for a press on a message's pickers.
        for args, error in (
            ({"action_id": "who", "value": other.alice.user_id}, "user_not_found"),
            ({"action_id": "where", "value": hidden}, "channel_not_found"),
            ({"action_id": "where", "value": bobs_dm}, "channel_not_found"),
            ({"action_id": "boxes", "values": ["green"]}, "invalid_option"),
            ({"action_id": "boxes", "values": "red"}, "invalid_arguments"),
            ({"action_id": "who"}, "invalid_arguments"),
            ({"action_id": "at", "selected_time": "7pm"}, "invalid_arguments"),
        ):
            assert press(alice, channel, ts, block_id="pickers", **args)["error"] == error, args
        assert len(rx.seen) == seen, "nothing reached the app"
        # Nothing was kept: the app's view still holds no state.
        assert bot.views_update(view_id=view["id"], view=only)["view"]["state"] == {"values": {}}
        # What alice can see is taken.
        good = {"who": {"it": workspace.bob.user_id}, "where": {"it": dm}, "chan": {"it": public}}
        assert person(alice, "views.submit", view_id=view["id"], values=good) == {"ok": True}
        payload = json.loads(parse_qs(rx.seen[-1].body.decode())["payload"][0])
        values = payload["view"]["state"]["values"]
        assert values["where"]["it"] == {
            "type": "conversations_select",
            "selected_conversation": dm,
        }
        assert values["chan"]["it"] == {"type": "channels_select", "selected_channel": public}
        assert values["mail"]["it"] == {"type": "email_text_input", "value": None}
        assert values["boxes"]["it"] == {"type": "checkboxes", "selected_options": []}
        assert values["at"]["it"] == {"type": "timepicker", "selected_time": None}
