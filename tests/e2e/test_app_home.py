"""The App Home: the person opens an app's Home tab (views.home), the app hears app_home_opened
(Events API or Socket Mode, as any event) and publishes the tab with views.publish, which the
person's client hears live (view_published) and reads the next time. slack_bolt's
app.event("app_home_opened") and client.views_publish work unchanged."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from tests.e2e.test_modals import MODAL, error_of, person
from tests.support.apps import BOT_SCOPES, bolt_app, bolt_socket_mode, make_app
from tests.support.receiver import receiver
from tests.support.rtm import of_type, rtm
from tests.support.servers import Server, Workspace, module_server, module_workspace
from tests.support.waiting import wait_for

HOME: dict[str, Any] = {
    "type": "home",
    "callback_id": "home",
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Welcome home"}}],
}


server = module_server("app-home", allow_private_outbound=True)
workspace = module_workspace()


def test_bolt_publishes_the_home_tab_when_it_is_opened(
    server: Server, workspace: Workspace
) -> None:
    made = make_app(
        server.data_dir,
        name="Homey",
        socket_mode=True,
        scopes=BOT_SCOPES,
        events=["app_home_opened"],
    )
    app = bolt_app(server, made)
    events: list[dict[str, Any]] = []

    @app.event("app_home_opened")
    def opened(event: dict[str, Any], client: WebClient) -> None:
        events.append(event)
        client.views_publish(user_id=event["user"], view=HOME)

    alice = server.client(workspace.alice.token)
    with bolt_socket_mode(app, made.app_token):
        with rtm(server, workspace.alice.token) as socket:
            socket.sync()
            assert person(alice, "views.home", app_id=made.app.id) == {"ok": True, "view": None}
            published = socket.until(of_type("view_published"))[-1]["view"]
        [event] = wait_for(lambda: events)
        assert event["type"] == "app_home_opened" and event["user"] == workspace.alice.user_id
        assert event["tab"] == "home" and "view" not in event
        # Slack's `channel`: the app's DM with the person, opened for the event.
        dm = alice.conversations_open(users=made.app.bot_user_id)
        assert dm["already_open"] and event["channel"] == dm["channel"]["id"]
        assert published["type"] == "home" and published["blocks"][0]["text"]["text"] == (
            "Welcome home"
        )
        assert published["app_id"] == made.app.id and published["title"] is None
        # The next time the tab opens, the person's client has it; the app hears it again.
        answer = person(alice, "views.home", app_id=made.app.id)
        assert answer["view"]["id"] == published["id"]
        again = wait_for(lambda: events[1:])[0]
        assert again["view"]["id"] == published["id"] and again["channel"] == event["channel"]


def test_views_publish_checks_and_the_event_over_http(server: Server, workspace: Workspace) -> None:
    with receiver() as rx:
        made = make_app(
            server.data_dir,
            name="Home Http",
            scopes=BOT_SCOPES,
            request_url=rx.url,
            events=["app_home_opened"],
        )
        bot = server.client(made.bot_token)
        alice = server.client(workspace.alice.token)
        first = bot.views_publish(user_id=workspace.alice.user_id, view=HOME)["view"]
        second = bot.views_publish(user_id=workspace.alice.user_id, view=HOME, hash=first["hash"])[
            "view"
        ]
        assert second["id"] == first["id"] and second["hash"] != first["hash"]
        assert (
            error_of(
                bot.views_publish, user_id=workspace.alice.user_id, view=HOME, hash=first["hash"]
            )
            == "hash_conflict"
        )
        assert error_of(bot.views_publish, user_id="UNOSUCH", view=HOME) == "user_not_found"
        assert (
            error_of(bot.views_publish, user_id=workspace.alice.user_id, view=MODAL)
            == "invalid_arguments"
        )
        assert (
            person(alice, "views.publish", user_id=workspace.alice.user_id, view=HOME)["error"]
            == "not_allowed_token_type"
        )
        assert person(alice, "views.home", app_id="ANOSUCH")["error"] == "app_not_found"
        assert person(bot, "views.home", app_id=made.app.id)["error"] == "not_allowed_token_type"
        # Another person's tab is their own; bob sees none yet.
        assert (
            person(server.client(workspace.bob.token), "views.home", app_id=made.app.id)["view"]
            is None
        )
        assert person(alice, "views.home", app_id=made.app.id)["view"]["id"] == first["id"]
        # A Home tab is neither submitted nor closed.
        for method in ("views.submit", "views.close"):
            assert person(alice, method, view_id=first["id"])["error"] == "not_found"

        def alices(_seen: Any) -> list[Any]:
            return [r for r in rx.events() if r.json()["event"]["user"] == workspace.alice.user_id]

        sent = rx.wait(alices)[0]
        body = sent.json()
        assert body["type"] == "event_callback" and body["api_app_id"] == made.app.id
        assert body["event"]["user"] == workspace.alice.user_id
        assert body["event"]["view"]["id"] == first["id"]
        assert body["event_id"].startswith("Ev")
