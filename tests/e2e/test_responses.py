"""Real answers against the schemas /api/openapi.json gives for them (api/responses.py).

One workspace sharing a channel with another, so people of another workspace, invites and
shared channels are among the shapes; each answer that worked is checked against its method's
success schema, each refusal against the error schema. tests/e2e/test_schemathesis.py does the
same for generated calls; here every call is one that works, so every success shape is seen.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from hubbub.api.records import COMPONENTS
from hubbub.api.responses import success
from hubbub.api.routes import method_table
from tests.support.apps import make_app
from tests.support.images import png
from tests.support.receiver import receiver
from tests.support.schemas import problems
from tests.support.servers import Server, Workspace, make_workspace, module_server

# chat.command's app answers from 127.0.0.1.
server = module_server("responses", allow_private_outbound=True)


class Caller:
    seen: set[str] = set()  # every method answered, whoever called

    def __init__(self, server: Server, token: str) -> None:
        self.http = httpx.Client(
            base_url=server.api_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )

    def __call__(self, method: str, **args: Any) -> dict[str, Any]:
        """Calls method; it must work and answer as its schema says."""
        resp = self.http.post(method, json=args)
        assert resp.status_code == 200, resp.text
        assert resp.headers["content-type"].startswith("application/json")
        body: dict[str, Any] = resp.json()
        assert body["ok"] is True, (method, body)
        assert problems(success(method), body) == [], (method, body)
        self.seen.add(method)
        return body

    def refused(self, method: str, **args: Any) -> dict[str, Any]:
        body: dict[str, Any] = self.http.post(method, json=args).json()
        assert body["ok"] is False
        assert problems(COMPONENTS["Error"], body) == [], (method, body)
        return body


@pytest.fixture(scope="module")
def acme(server: Server) -> Workspace:
    return make_workspace(server.data_dir, "acme")


@pytest.fixture(scope="module")
def globex(server: Server) -> Workspace:
    return make_workspace(server.data_dir, "globex")


def test_answers_that_worked_are_what_the_document_says(
    server: Server, acme: Workspace, globex: Workspace
) -> None:
    a = Caller(server, acme.alice.token)
    g = Caller(server, globex.alice.token)
    a("api.test", foo="bar")
    a("auth.test")
    Caller(server, acme.bot.token)("auth.test")
    a("team.info")

    channel = a("conversations.create", name="shapes")["channel"]["id"]
    a("conversations.invite", channel=channel, users=acme.bob.user_id)
    a("conversations.setTopic", channel=channel, topic="t")
    a("conversations.setPurpose", channel=channel, purpose="p")
    a("conversations.rename", channel=channel, name="shapes-2")
    ts = a("chat.postMessage", channel=channel, text="hi <@" + acme.bob.user_id + ">")["ts"]
    a("chat.postMessage", channel=channel, text="reply", thread_ts=ts, reply_broadcast=True)
    a("chat.postMessage", channel=channel, blocks=[{"type": "divider"}], text="b")
    a("chat.update", channel=channel, ts=ts, text="edited")
    a("chat.meMessage", channel=channel, text="waves")
    a("chat.postEphemeral", channel=channel, user=acme.bob.user_id, text="psst")
    a("chat.getPermalink", channel=channel, message_ts=ts)
    later = a("chat.scheduleMessage", channel=channel, text="later", post_at=int(time.time()) + 600)
    a("chat.scheduledMessages.list", limit=1)
    a(
        "chat.deleteScheduledMessage",
        channel=channel,
        scheduled_message_id=later["scheduled_message_id"],
    )
    a("reactions.add", channel=channel, timestamp=ts, name="wave")
    a("reactions.get", channel=channel, timestamp=ts)
    a("reactions.list", limit=1)
    a("pins.add", channel=channel, timestamp=ts)
    a("pins.list", channel=channel)
    a("conversations.history", channel=channel, limit=2)
    a("conversations.replies", channel=channel, ts=ts)
    a("conversations.info", channel=channel, include_num_members=True)
    a("conversations.members", channel=channel, limit=1)
    a("conversations.mark", channel=channel, ts=ts)
    a("conversations.list", types="public_channel,private_channel,mpim,im", limit=2)
    a("users.conversations")
    im = a("conversations.open", users=acme.bob.user_id, return_im=True)["channel"]["id"]
    a("conversations.open", users=acme.bob.user_id)
    a("conversations.info", channel=im)
    a("conversations.open", users=f"{acme.bob.user_id},{acme.carol.user_id}")
    a("client.counts")
    a("users.prefs.setChannelNotifications", channel=channel, level="all")
    a("users.prefs.getChannelNotifications")
    Caller(server, acme.bob.token)("notifications.list")
    a("pins.remove", channel=channel, timestamp=ts)
    a("reactions.remove", channel=channel, timestamp=ts, name="wave")
    gone = a("chat.postMessage", channel=channel, text="gone")["ts"]
    a("chat.delete", channel=channel, ts=gone)

    a("users.list", include_locale=True)
    a("users.info", user=acme.bot.user_id)
    a("users.lookupByEmail", email="bob@acme.test")
    a("users.profile.set", profile={"title": "Lead"})
    a("users.profile.get")
    a("users.setPresence", presence="away")
    a("users.getPresence")
    a("users.getPresence", user=acme.bob.user_id)
    a("dnd.setSnooze", num_minutes=10)
    a("dnd.info")
    a("dnd.teamInfo", users=acme.bob.user_id)
    a("dnd.endSnooze")
    a("dnd.endDnd")
    a("rtm.connect")
    a("rtm.start")

    spare = a("conversations.create", name="spare")["channel"]["id"]
    a("conversations.archive", channel=spare)
    a("conversations.unarchive", channel=spare)
    a("conversations.invite", channel=spare, users=acme.carol.user_id)
    a("conversations.kick", channel=spare, user=acme.carol.user_id)
    a("conversations.leave", channel=spare)
    a("conversations.join", channel=channel)

    # Files (docs/files.md): both uploads, in a message, listed both ways, deleted.
    got = a("files.getUploadURLExternal", filename="dot.txt", length=3, alt_txt="a dot")
    assert httpx.post(got["upload_url"], content=b"dot", timeout=30).status_code == 200
    done = a("files.completeUploadExternal", files=[{"id": got["file_id"]}], channel_id=channel)
    a("files.upload", content="legacy", filename="old.txt", channels=channel)
    a("files.info", file=done["files"][0]["id"])
    a("files.list", count=1)
    a("files.list", limit=1, types="snippets")
    a("conversations.history", channel=channel, limit=3)
    a("files.delete", file=done["files"][0]["id"])
    a("conversations.history", channel=channel, limit=3)

    # Shared with globex: invites on both sides, people of the other workspace.
    shared = a("conversations.create", name="deals")["channel"]["id"]
    invite = a("conversations.inviteShared", channel=shared, emails=["alice@globex.test"])
    a("conversations.listConnectInvites")
    g("conversations.listConnectInvites")
    g("conversations.acceptSharedInvite", invite_id=invite["invite_id"], channel_name="deals")
    g("chat.postMessage", channel=shared, text="hello from globex")
    a("conversations.history", channel=shared)
    g("conversations.info", channel=shared)
    g("users.info", user=acme.alice.user_id)
    declined = a("conversations.create", name="declined")["channel"]["id"]
    other = a("conversations.inviteShared", channel=declined, emails=["bob@globex.test"])
    g("conversations.declineSharedInvite", invite_id=other["invite_id"])
    # Search, over the host's channels and the shared one, from both sides, every option.
    a("search.messages", query="hello", highlight=True, cursor="*", count=1)
    a("search.messages", query="edited in:#shapes-2", sort="timestamp", sort_dir="asc", page=2)
    g("search.messages", query="globex")
    g("search.all", query="hello")
    a("search.files", query="old.txt", highlight=True, cursor="*", count=1)
    a("search.all", query="legacy old", sort="timestamp")
    a("admin.conversations.disconnectShared", channel_id=shared, leaving_team_ids=[globex.team_id])
    # User groups, with and without their members and counts.
    group = a("usergroups.create", name="Shapes", channels=[channel], include_count=True)
    group_id = group["usergroup"]["id"]
    a("usergroups.update", usergroup=group_id, description="all of them", channels=[])
    a("usergroups.users.update", usergroup=group_id, users=[acme.bob.user_id], include_count=True)
    a("usergroups.users.list", usergroup=group_id)
    a("usergroups.disable", usergroup=group_id)
    a("usergroups.list", include_users=True, include_count=True, include_disabled=True)
    a("usergroups.enable", usergroup=group_id)
    # Custom emoji: an image by URL, an alias, the list with both, a rename.
    with receiver() as rx:
        rx.behaviour = lambda _request: (200, {"Content-Type": "image/png"}, png(8, 8))
        a("admin.emoji.add", name="shapes-emoji", url=rx.url)
    a("admin.emoji.addAlias", name="shapes-alias", alias_for="shapes-emoji")
    a("emoji.list")
    a("admin.emoji.rename", name="shapes-emoji", new_name="shapes-renamed")
    a("admin.emoji.remove", name="shapes-renamed")
    # Bookmarks: one with an emoji, one without.
    mark = a("bookmarks.add", channel_id=channel, title="A", type="link", link="https://a.test")
    a(
        "bookmarks.add",
        channel_id=channel,
        title="B",
        type="link",
        link="https://b.test",
        emoji=":x:",
    )
    a("bookmarks.edit", channel_id=channel, bookmark_id=mark["bookmark"]["id"], title="A2")
    a("bookmarks.list", channel_id=channel)
    a("bookmarks.remove", channel_id=channel, bookmark_id=mark["bookmark"]["id"])
    # Reminders: one set, read, completed and deleted.
    rid = a("reminders.add", text="shapes", time="in 1 hour")["reminder"]["id"]
    a("reminders.list")
    a("reminders.info", reminder=rid)
    a("reminders.complete", reminder=rid)
    a("reminders.delete", reminder=rid)

    app = make_app(server.data_dir, domain="acme", socket_mode=True)
    Caller(server, app.app_token)("apps.connections.open")
    bot = Caller(server, app.bot_token)
    metadata = {"event_type": "task_created", "event_payload": {"id": 1}}
    dm = bot("chat.postMessage", channel=acme.alice.user_id, text="t", metadata=metadata)["channel"]
    a("conversations.history", channel=dm, include_all_metadata=True)
    bot("bots.info", bot=app.app.bot_id)
    with receiver() as rx:
        make_app(server.data_dir, domain="acme", name="Cmd", request_url=rx.url, commands=["/do"])
        a("chat.command", channel=channel, command="/do", text="it")
        clicky = make_app(
            server.data_dir,
            domain="acme",
            name="Clicky",
            scopes=["chat:write", "channels:join"],
            interactivity_url=rx.url,
        )
        button = {"type": "button", "action_id": "go", "text": {"type": "plain_text", "text": "Go"}}
        blocks = [{"type": "actions", "block_id": "b", "elements": [button]}]
        Caller(server, clicky.bot_token)("conversations.join", channel=channel)
        pressed = Caller(server, clicky.bot_token)(
            "chat.postMessage", channel=channel, text="press", blocks=blocks
        )
        a("blocks.actions", channel=channel, ts=pressed["ts"], block_id="b", action_id="go")
        payload = json.loads(parse_qs(rx.seen[-1].body.decode())["payload"][0])
        modal = {"type": "modal", "title": {"type": "plain_text", "text": "M"}, "blocks": []}
        bot = Caller(server, clicky.bot_token)
        view = bot("views.open", trigger_id=payload["trigger_id"], view=modal)["view"]
        bot("views.update", view_id=view["id"], view=modal)
        a("views.submit", view_id=view["id"])
        a("blocks.actions", channel=channel, ts=pressed["ts"], block_id="b", action_id="go")
        payload = json.loads(parse_qs(rx.seen[-1].body.decode())["payload"][0])
        view = bot("views.open", trigger_id=payload["trigger_id"], view=modal)["view"]
        a("blocks.actions", channel=channel, ts=pressed["ts"], block_id="b", action_id="go")
        payload = json.loads(parse_qs(rx.seen[-1].body.decode())["payload"][0])
        bot("views.push", trigger_id=payload["trigger_id"], view=modal)
        a("views.close", view_id=view["id"])
        shorty = make_app(
            server.data_dir,
            domain="acme",
            name="Shorty",
            interactivity_url=rx.url,
            shortcuts=["global:go:Go", "message:ask:Ask"],
        )
        a("shortcuts.list")
        a("shortcuts.run", app_id=shorty.app.id, callback_id="go")
        home = {"type": "home", "blocks": []}
        a("views.home", app_id=shorty.app.id)
        Caller(server, shorty.bot_token)("views.publish", user_id=acme.alice.user_id, view=home)
        a("views.home", app_id=shorty.app.id)
    Caller(server, acme.carol.token)("auth.revoke")

    assert Caller.seen == set(method_table())


def test_refusals_are_what_the_document_says(server: Server, acme: Workspace) -> None:
    a = Caller(server, acme.alice.token)
    assert a.refused("conversations.info", channel="C0NOPE")["error"] == "channel_not_found"
    assert a.refused("no.such.method")["req_method"] == "no.such.method"
    app = make_app(server.data_dir, domain="acme", name="Narrow", scopes=["chat:write"])
    refused = Caller(server, app.bot_token).refused("users.list")
    assert (refused["error"], refused["needed"]) == ("missing_scope", "users:read")
    nobody = Caller(server, "xoxp-wrong").refused("auth.test")
    assert nobody["error"] == "invalid_auth"


def _documented(server: Server, method: str, status: int) -> dict[str, Any]:
    doc = httpx.get(server.api_url + "openapi.json", timeout=10).json()
    found: dict[str, Any] = doc["paths"][f"/api/{method}"]["post"]["responses"][str(status)]
    return found


def test_a_body_too_large_is_answered_as_the_document_says(server: Server, acme: Workspace) -> None:
    documented = _documented(server, "chat.postMessage", 413)
    resp = Caller(server, acme.alice.token).http.post(
        "chat.postMessage",
        content=b"text=" + b"x" * (2 << 20),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert resp.status_code == 413
    assert problems(documented["content"]["application/json"]["schema"], resp.json()) == []


def test_a_rate_limited_answer_is_what_the_document_says(limited_server: Server) -> None:
    ws = make_workspace(limited_server.data_dir)
    documented = _documented(limited_server, "conversations.list", 429)
    a = Caller(limited_server, ws.alice.token)
    for _ in range(100):  # Tier 2 lets 20 through at once
        resp = a.http.post("conversations.list")
        if resp.status_code == 429:
            break
    else:
        raise AssertionError("never rate limited")
    assert problems(documented["content"]["application/json"]["schema"], resp.json()) == []
    assert resp.json()["error"] == "ratelimited"
    assert set(documented["headers"]) == {"Retry-After"}
    assert resp.headers["Retry-After"].isdigit()
