"""Slack's other Node.js clients against hubbub: @slack/socket-mode's SocketModeClient
(tests/node/socket_mode.mjs: an event envelope acked, not sent again), @slack/rtm-api's RTMClient
(tests/node/rtm.mjs: rtm.connect, a message event, sendMessage's reply) and @slack/webhook's
IncomingWebhook (tests/node/webhook.mjs: posts to an incoming webhook URL, a refusal)."""

from __future__ import annotations

from typing import Any

from hubbub.services import webhooks
from tests.support import node
from tests.support.apps import BOT_SCOPES, make_app
from tests.support.checks import walk_history
from tests.support.servers import (
    Server,
    Workspace,
    module_server,
    module_workspace,
    run_admin,
    settings_for,
)

# Acks are waited for briefly, so that an envelope not acked would come again within the test.
FAST = {"socket_mode_ack_timeout_s": 0.5, "events_retry_delays_s": [0.0, 0.2, 0.2]}


server = module_server("node-clients", **FAST)
workspace = module_workspace()


def test_socket_mode_client_gets_an_envelope_and_acks_it(
    server: Server, workspace: Workspace
) -> None:
    made = make_app(server.data_dir, name="Node Socket", socket_mode=True, scopes=BOT_SCOPES)
    alice = server.client(workspace.alice.token)
    channel: str = alice.conversations_create(name="node-socket")["channel"]["id"]
    server.client(made.bot_token).conversations_join(channel=channel)
    got = node.run(
        "socket_mode",
        {
            "api_url": server.api_url,
            "app_token": made.app_token,
            "person_token": workspace.alice.token,
            "channel": channel,
            "text": "to the socket",
            "quiet_ms": 1500,
        },
    )
    assert got["connected"]["ok"] is True
    assert got["connected"]["url"].startswith(server.url.replace("http", "ws") + "/link/")
    [heard] = [m for m in got["messages"] if m["event"]["ts"] == got["posted_ts"]]
    assert heard["retry_num"] == 0, "acked the first time: never sent again"
    assert heard["event"]["text"] == "to the socket"
    assert heard["event"]["user"] == workspace.alice.user_id
    body = heard["body"]
    assert body["type"] == "event_callback" and body["api_app_id"] == made.app.id
    assert body["team_id"] == workspace.team_id and body["event_id"].startswith("Ev")
    [envelope] = [e for e in got["envelopes"] if e["envelope_id"] == heard["envelope_id"]]
    assert envelope["type"] == "events_api" and envelope["accepts_response_payload"] is False


def test_rtm_client_connects_hears_a_message_and_sends_one(
    server: Server, workspace: Workspace
) -> None:
    bob = server.client(workspace.bob.token)
    channel: str = bob.conversations_create(name="node-rtm")["channel"]["id"]
    server.client(workspace.alice.token).conversations_join(channel=channel)
    got = node.run(
        "rtm",
        {
            "api_url": server.api_url,
            "token": workspace.alice.token,
            "other_token": workspace.bob.token,
            "channel": channel,
            "text": "over the rtm",
            "reply": "back over the rtm",
        },
    )
    assert got["started"]["ok"] is True
    assert got["started"]["self"]["id"] == workspace.alice.user_id
    assert got["started"]["team"]["id"] == workspace.team_id
    assert got["active"] == {"user": workspace.alice.user_id, "team": workspace.team_id}
    message = got["message"]
    assert message["type"] == "message" and message["channel"] == channel
    assert message["user"] == workspace.bob.user_id and message["text"] == "over the rtm"
    reply = got["reply"]
    assert reply["ok"] is True and reply["text"] == "back over the rtm"
    [sent] = [m for m in walk_history(bob, channel) if m["ts"] == reply["ts"]]
    assert sent["user"] == workspace.alice.user_id and sent["text"] == "back over the rtm"


def test_incoming_webhook_posts_to_its_channel(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    channel: str = alice.conversations_create(name="node-hook")["channel"]["id"]
    hook, url = run_admin(
        server.data_dir,
        lambda hub: webhooks.create_webhook(hub, workspace.domain, "node-hook"),
        settings_for(server.data_dir, public_url=server.url),
    )
    parent: str = alice.chat_postMessage(channel=channel, text="deploys")["ts"]
    blocks: list[dict[str, Any]] = [
        {"type": "section", "block_id": "b1", "text": {"type": "mrkdwn", "text": "*shipped*"}}
    ]
    got = node.run(
        "webhook",
        {
            "url": url,
            "text": "from the hook",
            "blocks": blocks,
            "thread_ts": parent,
            "wrong_url": url[: url.rindex("/") + 1] + "x" * 24,
        },
    )
    assert got["text"] == {"text": "ok"} and got["blocks"] == {"text": "ok"}
    assert got["refused"]["code"] == "slack_webhook_http_error"
    assert got["refused"]["statusCode"] == 403 and got["refused"]["body"] == "invalid_token"
    [posted] = [m for m in walk_history(alice, channel) if m["text"] == "from the hook"]
    assert posted["bot_id"] == hook.id
    replies = alice.conversations_replies(channel=channel, ts=parent)["messages"]
    [threaded] = [m for m in replies if m.get("bot_id") == hook.id]
    assert threaded["text"] == "with blocks" and threaded["blocks"] == blocks
