"""Apps in a channel shared between workspaces (docs/shared-channels.md, "Apps"), on one
embedded server and on two PostgreSQL shards: a guest's slash command goes to its own
workspace's app and the answer lands in the shared channel; the channel's events reach the
apps of every workspace in the share whose bot is in it, each seen from its own workspace;
an app of a workspace not in the share, or no longer in it, gets nothing."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import orjson
import pytest

from hubbub.config import Settings
from hubbub.services import apps
from hubbub.services.apps import NewApp
from tests.e2e.test_shared_channels import share
from tests.e2e.test_socket_mode import envelope_of, frames_until, open_socket
from tests.support.receiver import Received, Receiver, echo_ok, receiver
from tests.support.servers import (
    Server,
    Workspace,
    make_workspace,
    run_admin,
    settings_for,
    threaded_server,
)

FAST = {"events_timeout_s": 2.0, "events_retry_delays_s": [0.0], "allow_private_outbound": True}
SCOPES = ["chat:write", "channels:join", "channels:history", "commands"]
QUIET_S = 1.0  # how long an app that must hear nothing is watched after the others heard


class Deployment:
    def __init__(self, server: Server, settings: Settings, *workspaces: Workspace) -> None:
        self.server = server
        self.settings = settings
        self.acme, self.globex, self.initech = workspaces
        self._made = itertools.count()

    def app(self, domain: str, url: str | None, *, commands: tuple[str, ...] = ()) -> NewApp:
        """An app of the workspace: over HTTP to url, or over Socket Mode (url None)."""
        return run_admin(
            self.server.data_dir,
            lambda hub: apps.create_app(
                hub,
                domain,
                name=f"Helper {next(self._made)}",
                events=["message.channels"],
                scopes=SCOPES,
                request_url=url,
                socket_mode=url is None,
                commands=list(commands),
            ),
            self.settings,
        )


@pytest.fixture(params=["embedded", "sharded"])
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Deployment]:
    data_dir = tmp_path / "data"
    store: dict[str, Any] = {}
    if request.param == "sharded":
        shard_set = request.getfixturevalue("shard_set")
        store = {"shards": shard_set.shard_urls, "directory_url": shard_set.directory_url}
    settings = settings_for(data_dir, **FAST).model_copy(update=store)
    # New workspaces go to the shard holding fewest: acme (the host) to a, globex to b.
    made = [make_workspace(data_dir, d, settings) for d in ("acme", "globex", "initech")]
    with threaded_server(data_dir, **FAST, **store) as server:
        yield Deployment(server, settings, *made)


def _events(rx: Receiver, text: str) -> list[dict[str, Any]]:
    found = [r.json() for r in rx.events()]
    return [body for body in found if body["event"].get("text") == text]


def _of_channel(rx: Receiver, channel: str) -> list[dict[str, Any]]:
    return [r.json() for r in rx.events() if r.json()["event"].get("channel") == channel]


def _answering(answer: dict[str, Any]) -> Any:
    def behaviour(request: Received) -> tuple[int, dict[str, str], bytes]:
        if request.body.startswith(b"{"):
            return echo_ok(request)
        return 200, {"Content-Type": "application/json"}, orjson.dumps(answer)

    return behaviour


def test_a_guests_slash_command_goes_to_its_own_workspaces_app(deployment: Deployment) -> None:
    d = deployment
    channel = share(d.server, d.acme, d.globex)
    with receiver() as host_rx, receiver() as guest_rx:
        # Both workspaces have a /ask of their own: each person's goes to their workspace's.
        d.app("acme", host_rx.url, commands=("/ask",))
        guest_app = d.app("globex", guest_rx.url, commands=("/ask",))
        guest_rx.behaviour = _answering({"response_type": "in_channel", "text": "42"})
        bob = d.server.client(d.globex.bob.token)
        answer = bob.api_call(
            "chat.command", json={"channel": channel, "command": "/ask", "text": "why"}
        )
        assert answer["response"]["text"] == "42"
        [asked] = [r for r in guest_rx.seen if not r.body.startswith(b"{")]
        form = {k: v[0] for k, v in parse_qs(asked.body.decode()).items()}
        assert (form["team_id"], form["team_domain"]) == (d.globex.team_id, "globex")
        assert (form["channel_id"], form["channel_name"]) == (channel, "acme-deals")
        assert (form["user_id"], form["api_app_id"]) == (d.globex.bob.user_id, guest_app.app.id)
        assert not [r for r in host_rx.seen if not r.body.startswith(b"{")]

        # The person's `/ask why` and the answer, in the shared channel, for both sides.
        history = d.server.client(d.acme.bob.token).conversations_history(channel=channel)
        shown = [m for m in history["messages"] if m["text"] in ("/ask why", "42")][::-1]
        assert [(m["text"], m["user"]) for m in shown] == [
            ("/ask why", d.globex.bob.user_id),
            ("42", guest_app.app.bot_user_id),
        ]
        assert all(m["user_team"] == d.globex.team_id for m in shown)
        assert shown[1]["bot_id"] == guest_app.app.bot_id

        # The response URL, on the guest's shard, replaces that answer in the host's channel.
        done = httpx.post(form["response_url"], json={"text": "43", "replace_original": True})
        assert done.status_code == 200
        texts = [m["text"] for m in bob.conversations_history(channel=channel)["messages"]]
        assert "43" in texts and "42" not in texts and texts.count("/ask why") == 1

        # An ephemeral answer reaches the person and writes nothing.
        guest_rx.behaviour = _answering({"text": "just for you"})
        quiet = bob.api_call(
            "chat.command", json={"channel": channel, "command": "/ask", "text": "psst"}
        )
        assert quiet["response"]["text"] == "just for you"
        texts = [m["text"] for m in bob.conversations_history(channel=channel)["messages"]]
        assert "just for you" not in texts and "/ask psst" not in texts


def test_a_workspace_not_in_the_share_cannot_run_a_command_there(deployment: Deployment) -> None:
    d = deployment
    channel = share(d.server, d.acme, d.globex)
    with receiver() as rx:
        d.app("initech", rx.url, commands=("/ask",))
        refused = httpx.post(
            d.server.api_url + "chat.command",
            headers={"Authorization": f"Bearer {d.initech.bob.token}"},
            data={"channel": channel, "command": "/ask", "text": "let me in"},
        ).json()
        assert refused == {"ok": False, "error": "channel_not_found"}
        assert not [r for r in rx.seen if not r.body.startswith(b"{")]
    texts = [
        m["text"]
        for m in d.server.client(d.acme.bob.token).conversations_history(channel=channel)[
            "messages"
        ]
    ]
    assert "/ask let me in" not in texts


def test_a_shared_channels_events_reach_each_workspaces_app_with_its_own_view(
    deployment: Deployment,
) -> None:
    d = deployment
    channel = share(d.server, d.acme, d.globex)
    with receiver() as host_rx, receiver() as guest_rx, receiver() as other_rx:
        host_app = d.app("acme", host_rx.url)
        guest_app = d.app("globex", guest_rx.url)
        other_app = d.app("initech", other_rx.url)
        for made in (host_app, guest_app):
            d.server.client(made.bot_token).conversations_join(channel=channel)
        other = d.server.client(d.initech.alice.token)
        own = other.conversations_create(name="own")["channel"]["id"]
        d.server.client(other_app.bot_token).conversations_join(channel=own)

        d.server.client(d.globex.bob.token).chat_postMessage(channel=channel, text="hello all")
        views = {
            d.acme.team_id: (host_rx.wait(lambda _s: _events(host_rx, "hello all")), host_app),
            d.globex.team_id: (guest_rx.wait(lambda _s: _events(guest_rx, "hello all")), guest_app),
        }
        event_ids = set()
        for team_id, ([body], made) in views.items():
            assert (body["team_id"], body["context_team_id"]) == (team_id, team_id)
            assert body["api_app_id"] == made.app.id and body["is_ext_shared_channel"] is True
            assert body["authorizations"][0]["team_id"] == team_id
            assert body["authorizations"][0]["user_id"] == made.app.bot_user_id
            event = body["event"]
            assert (event["channel"], event["user"]) == (channel, d.globex.bob.user_id)
            assert event["team"] == d.globex.team_id and event["channel_type"] == "channel"
            event_ids.add(body["event_id"])
        assert len(event_ids) == 1  # one event, seen by two installs
        # initech's app is live (it hears its own channel) and hears nothing of the share.
        other.chat_postMessage(channel=own, text="at home")
        other_rx.wait(lambda _s: _events(other_rx, "at home"))
        time.sleep(QUIET_S)
        assert _of_channel(other_rx, channel) == []
        assert len(_events(host_rx, "hello all")) == len(_events(guest_rx, "hello all")) == 1

        # Once globex is disconnected, its app hears nothing more of the channel.
        d.server.client(d.acme.alice.token).api_call(
            "admin.conversations.disconnectShared", json={"channel_id": channel}
        )
        d.server.client(d.acme.bob.token).chat_postMessage(channel=channel, text="after")
        host_rx.wait(lambda _s: _events(host_rx, "after"))
        [after] = _events(host_rx, "after")
        assert after["is_ext_shared_channel"] is False
        time.sleep(QUIET_S)
        assert _events(guest_rx, "after") == [] and _of_channel(other_rx, channel) == []


def test_a_guests_socket_mode_app_hears_the_channel_and_answers_its_command(
    deployment: Deployment,
) -> None:
    d = deployment
    channel = share(d.server, d.acme, d.globex)
    made = d.app("globex", None, commands=("/sock",))
    d.server.client(made.bot_token).conversations_join(channel=channel)
    with open_socket(d.server, made.app_token) as ws:
        frames_until(ws, "hello")
        d.server.client(d.acme.bob.token).chat_postMessage(channel=channel, text="to the socket")
        envelope = envelope_of(ws, "to the socket")
        body = envelope["payload"]
        assert (body["team_id"], body["api_app_id"]) == (d.globex.team_id, made.app.id)
        assert body["is_ext_shared_channel"] is True
        assert body["event"]["team"] == d.acme.team_id
        ws.send(orjson.dumps({"envelope_id": envelope["envelope_id"]}).decode())

        def answer() -> None:
            command = frames_until(ws, "slash_commands", 10.0)
            assert command["payload"]["team_id"] == d.globex.team_id
            assert command["payload"]["channel_name"] == "acme-deals"
            reply = {"response_type": "in_channel", "text": "over the socket"}
            ws.send(
                orjson.dumps({"envelope_id": command["envelope_id"], "payload": reply}).decode()
            )

        with ThreadPoolExecutor(1) as pool:
            answering = pool.submit(answer)
            said = d.server.client(d.globex.bob.token).api_call(
                "chat.command", json={"channel": channel, "command": "/sock", "text": "hi"}
            )
            answering.result(timeout=15)
        assert said["response"]["text"] == "over the socket"
    history = d.server.client(d.acme.bob.token).conversations_history(channel=channel)
    [shown] = [m for m in history["messages"] if m["text"] == "over the socket"]
    assert (shown["bot_id"], shown["user_team"]) == (made.app.bot_id, d.globex.team_id)


def test_an_app_made_or_changed_while_events_flow_hears_from_the_next_one(
    deployment: Deployment,
) -> None:
    # The reactor remembers each workspace's apps per process (services/apps.py `_apps_of`):
    # making or changing one must be seen at the next event.
    d = deployment
    channel = share(d.server, d.acme, d.globex)
    poster = d.server.client(d.acme.bob.token)
    with receiver() as first_rx, receiver() as later_rx:
        first = d.app("globex", first_rx.url)
        d.server.client(first.bot_token).conversations_join(channel=channel)
        poster.chat_postMessage(channel=channel, text="one")
        first_rx.wait(lambda _s: _events(first_rx, "one"))
        later = d.app("globex", later_rx.url)
        d.server.client(later.bot_token).conversations_join(channel=channel)
        poster.chat_postMessage(channel=channel, text="two")
        later_rx.wait(lambda _s: _events(later_rx, "two"))
        run_admin(
            d.server.data_dir,
            lambda hub: apps.update_app(hub, "globex", later.app.id, events=["app_mention"]),
            d.settings,
        )
        poster.chat_postMessage(channel=channel, text="three")
        first_rx.wait(lambda _s: _events(first_rx, "three"))
        time.sleep(QUIET_S)
        assert _events(later_rx, "three") == []
