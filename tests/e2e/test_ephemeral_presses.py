"""Presses on an app's ephemeral messages (services/ephemerals.py): blocks.actions with
is_ephemeral reaches the app as Slack's block_actions with container.is_ephemeral and no
`message`; its response_url replaces the ephemeral, then deletes it, for the one person who sees
it (message_changed, message_deleted on their own stream, never in history); the image proxy
serves its images to that person only. Presses by anyone else, on another channel, or on one
never shown get message_not_found and send nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from tests.e2e.test_image_proxy import ANSWERS, PNG
from tests.e2e.test_interactivity import BLOCKS, press
from tests.support.apps import BOT_SCOPES, make_app
from tests.support.images import image_host
from tests.support.receiver import Receiver, receiver
from tests.support.rtm import of_type, rtm
from tests.support.servers import Server, Workspace, module_server, module_workspace

server = module_server("ephemeral-presses", allow_private_outbound=True)
workspace = module_workspace()


@pytest.fixture(scope="module")
def images() -> Iterator[Receiver]:
    with image_host(ANSWERS) as host:
        yield host


def payloads(rx: Receiver) -> list[dict[str, Any]]:
    return [json.loads(parse_qs(r.body.decode())["payload"][0]) for r in rx.seen]


def test_a_press_on_an_ephemeral_reaches_the_app_whose_response_url_replaces_then_deletes_it(
    server: Server, workspace: Workspace, images: Receiver
) -> None:
    with receiver() as rx:
        made = make_app(
            server.data_dir, name="Whisper", scopes=BOT_SCOPES, interactivity_url=rx.url
        )
        bot = server.client(made.bot_token)
        alice = server.client(workspace.alice.token)
        bob = server.client(workspace.bob.token)
        channel: str = alice.conversations_create(name="whispers")["channel"]["id"]
        other: str = alice.conversations_create(name="elsewhere")["channel"]["id"]
        alice.conversations_invite(channel=channel, users=workspace.bob.user_id)
        bot.conversations_join(channel=channel)
        picture = {"type": "image", "image_url": f"{images.url}/pic.png", "alt_text": "pic"}
        with rtm(server, workspace.alice.token) as socket:
            socket.sync()
            ts = bot.chat_postEphemeral(
                channel=channel,
                user=workspace.alice.user_id,
                text="Deploy?",
                blocks=[*BLOCKS, picture],
            )["message_ts"]
            [shown] = [e for e in socket.until(of_type("message")) if e.get("is_ephemeral")]
            assert shown["ts"] == ts
            approve = {"block_id": "act", "action_id": "approve"}
            # Nobody else's, nowhere else, never as a stored message; nothing is sent.
            refused = [
                press(bob, channel, ts, **approve, is_ephemeral="true"),
                press(alice, other, ts, **approve, is_ephemeral="true"),
                press(alice, channel, ts, **approve),
                press(alice, channel, "1700000000.000001", **approve, is_ephemeral="true"),
            ]
            assert [r["error"] for r in refused] == ["message_not_found"] * 4
            wrong = press(alice, channel, ts, block_id="act", action_id="no", is_ephemeral="true")
            assert wrong["error"] == "action_not_found"
            assert rx.seen == []
            # Its image: to alice, through the proxy; to nobody else.
            url = {"channel": channel, "ts": ts, "url": f"{images.url}/pic.png", "ephemeral": "1"}
            mine = _image(server, workspace.alice.token, url)
            assert mine.status_code == 200 and mine.content == PNG
            assert _image(server, workspace.bob.token, url).status_code == 404
            unshown = {**url, "url": f"{images.url}/side.jpg"}
            assert _image(server, workspace.alice.token, unshown).text == "image_not_shown"

            assert press(alice, channel, ts, **approve, is_ephemeral="true")["ok"]
            [payload] = payloads(rx)
            assert payload["type"] == "block_actions"
            assert payload["container"] == {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel,
                "is_ephemeral": True,
            }
            assert "message" not in payload
            assert payload["channel"]["id"] == channel
            assert payload["actions"][0]["value"] == "v-approve"
            assert payload["user"]["id"] == workspace.alice.user_id
            # replace_original: alice's clients hear the new content under the same ts.
            new_blocks = [
                {"type": "actions", "block_id": "again", "elements": [BLOCKS[1]["elements"][0]]}
            ]
            answer = httpx.post(
                payload["response_url"],
                json={"replace_original": True, "text": "Sure?", "blocks": new_blocks},
            )
            assert answer.status_code == 200, answer.text
            [changed] = socket.until(of_type("message", subtype="message_changed"))[-1:]
            assert changed["channel"] == channel and changed["is_ephemeral"] is True
            assert changed["message"]["ts"] == ts and changed["message"]["text"] == "Sure?"
            assert changed["message"]["bot_id"] == made.app.bot_id
            # Pressed again: against what it holds now.
            gone = press(alice, channel, ts, **approve, is_ephemeral="true")
            assert gone["error"] == "block_not_found"
            assert press(
                alice, channel, ts, block_id="again", action_id="approve", is_ephemeral="true"
            )["ok"]
            # delete_original: gone from her clients, and no press reaches it any more.
            url2 = payloads(rx)[-1]["response_url"]
            assert httpx.post(url2, json={"delete_original": True}).status_code == 200
            [deleted] = socket.until(of_type("message", subtype="message_deleted"))[-1:]
            assert deleted["deleted_ts"] == ts and deleted["channel"] == channel
            after = press(
                alice, channel, ts, block_id="again", action_id="approve", is_ephemeral="true"
            )
            assert after["error"] == "message_not_found"
        # None of it is history.
        messages = alice.conversations_history(channel=channel)["messages"]
        assert all(m["ts"] != ts for m in messages)
        assert len(rx.seen) == 2


def _image(server: Server, token: str, params: dict[str, str]) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.get(server.url + "/img", params=params, headers=headers, timeout=30)
