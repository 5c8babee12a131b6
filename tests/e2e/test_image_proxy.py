"""The browser client's image proxy, `GET /img?channel&ts&url` (web/images.py): a picture that
a message's blocks or attachments show, to a reader of that message, fetched from a real HTTP
server through the outbound policy, only PNG/JPEG/GIF/WebP, bounded in size, kept in the
process; anything else refused with its exact status and reason."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.apps import make_app
from tests.support.images import image_host, png
from tests.support.receiver import Receiver
from tests.support.servers import (
    Server,
    Workspace,
    make_workspace,
    module_server,
    module_workspace,
    threaded_server,
)

MAX_IMAGE_BYTES = 5 * 1024 * 1024


PNG = png(1, 1, color=(255, 0, 0))
ANSWERS: dict[str, tuple[int, str, bytes]] = {
    "/pic.png": (200, "image/png", PNG),
    "/thumb.png": (200, "image/png; charset=binary", PNG),
    "/icon.gif": (200, "image/gif", b"GIF89a" + b"\x00" * 20),
    "/side.jpg": (200, "image/jpeg", b"\xff\xd8\xff" + b"\x00" * 20),
    "/att.webp": (200, "image/webp", b"RIFF\x00\x00\x00\x00WEBP"),
    "/page.png": (200, "text/html", b"<html><script>alert(1)</script></html>"),
    "/vector.svg": (200, "image/svg+xml", b"<svg onload='alert(1)'/>"),
    "/big.png": (200, "image/png", b"\x89PNG" + b"\x00" * MAX_IMAGE_BYTES),
    "/gone.png": (404, "text/plain", b"no"),
}


@pytest.fixture(scope="module")
def images() -> Iterator[Receiver]:
    with image_host(ANSWERS) as host:
        yield host


server = module_server("images", allow_private_outbound=True)
workspace = module_workspace()


def blocks(base: str) -> list[dict[str, Any]]:
    return [
        {"type": "image", "image_url": f"{base}/pic.png", "alt_text": "a pic"},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "beside"},
            "accessory": {"type": "image", "image_url": f"{base}/side.jpg", "alt_text": "side"},
        },
        {
            "type": "context",
            "elements": [{"type": "image", "image_url": f"{base}/icon.gif", "alt_text": "icon"}],
        },
        *(
            {"type": "image", "image_url": f"{base}{path}", "alt_text": path}
            for path in ("/page.png", "/vector.svg", "/big.png", "/gone.png")
        ),
    ]


@pytest.fixture(scope="module")
def posted(server: Server, workspace: Workspace, images: Receiver) -> tuple[str, str]:
    """A private channel of alice's (bob is not in it) and an app's message with images."""
    made = make_app(server.data_dir, name="Pics", scopes=["chat:write"])
    bot = server.client(made.bot_token)
    alice = server.client(workspace.alice.token)
    channel: str = alice.conversations_create(name="pics", is_private=True)["channel"]["id"]
    alice.conversations_invite(channel=channel, users=bot.auth_test()["user_id"])
    attachments = [
        {
            "fallback": "a",
            "image_url": f"{images.url}/att.webp",
            "thumb_url": f"{images.url}/thumb.png",
        }
    ]
    ts: str = bot.chat_postMessage(
        channel=channel, text="pictures", blocks=blocks(images.url), attachments=attachments
    )["ts"]
    return channel, ts


def get(server: Server, token: str | None, **params: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(server.url + "/img", params=params, headers=headers, timeout=30)


def test_each_image_a_message_shows_is_served_to_its_reader_and_kept(
    server: Server, workspace: Workspace, images: Receiver, posted: tuple[str, str]
) -> None:
    channel, ts = posted
    for path, kind in [
        ("/pic.png", "image/png"),
        ("/side.jpg", "image/jpeg"),
        ("/icon.gif", "image/gif"),
        ("/att.webp", "image/webp"),
        ("/thumb.png", "image/png"),
    ]:
        answer = get(server, workspace.alice.token, channel=channel, ts=ts, url=images.url + path)
        assert answer.status_code == 200, (path, answer.text)
        assert answer.headers["content-type"] == kind
        assert answer.content == ANSWERS[path][2]
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["content-security-policy"].startswith("sandbox")
        assert answer.headers["cache-control"] == "private, max-age=3600"
    # Asked again: from the process's cache, not fetched a second time.
    fetched = sum(1 for r in images.seen if r.path == "/pic.png")
    again = get(server, workspace.alice.token, channel=channel, ts=ts, url=images.url + "/pic.png")
    assert again.status_code == 200 and again.content == PNG
    assert sum(1 for r in images.seen if r.path == "/pic.png") == fetched == 1


@pytest.mark.parametrize(
    ("path", "status", "reason"),
    [
        ("/page.png", 415, "not_an_image"),
        ("/vector.svg", 415, "not_an_image"),
        ("/big.png", 502, "image_too_large"),
        ("/gone.png", 502, "image_status_404"),
    ],
)
def test_what_is_no_image_we_serve_is_refused(
    server: Server,
    workspace: Workspace,
    images: Receiver,
    posted: tuple[str, str],
    path: str,
    status: int,
    reason: str,
) -> None:
    channel, ts = posted
    answer = get(server, workspace.alice.token, channel=channel, ts=ts, url=images.url + path)
    assert (answer.status_code, answer.text) == (status, reason)
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["content-type"].startswith("text/plain")


def test_only_a_reader_gets_only_what_the_message_shows(
    server: Server, workspace: Workspace, images: Receiver, posted: tuple[str, str]
) -> None:
    channel, ts = posted
    url = images.url + "/pic.png"
    alice, bob = workspace.alice.token, workspace.bob.token
    asked_before = len(images.seen)
    cases: list[tuple[str | None, dict[str, str], int, str]] = [
        # What the message does not show: the proxy is nobody's way to anywhere else.
        (
            alice,
            {"channel": channel, "ts": ts, "url": images.url + "/other.png"},
            403,
            "image_not_shown",
        ),
        (alice, {"channel": channel, "ts": ts, "url": url + "?x=1"}, 403, "image_not_shown"),
        # Not a reader of the channel, a message that is not there, no session at all.
        (bob, {"channel": channel, "ts": ts, "url": url}, 404, "channel_not_found"),
        (alice, {"channel": channel, "ts": "1.000001", "url": url}, 404, "message_not_found"),
        (None, {"channel": channel, "ts": ts, "url": url}, 403, "not_authed"),
        ("xoxp-not-a-token", {"channel": channel, "ts": ts, "url": url}, 403, "not_authed"),
        # Nothing that names a message and a URL.
        (alice, {"channel": channel, "ts": ts}, 400, "invalid_arguments"),
        (alice, {"channel": channel, "ts": "yesterday", "url": url}, 400, "invalid_arguments"),
        (alice, {"channel": "../etc", "ts": ts, "url": url}, 400, "invalid_arguments"),
        (alice, {"channel": channel, "ts": ts, "url": "x" * 3001}, 400, "invalid_arguments"),
    ]
    for token, params, status, reason in cases:
        answer = get(server, token, **params)
        assert (answer.status_code, answer.text) == (status, reason), params
    assert len(images.seen) == asked_before  # none of them fetched anything


def test_a_private_address_is_refused_by_the_outbound_policy(
    images: Receiver, tmp_path: Any
) -> None:
    with threaded_server(tmp_path / "data") as strict:
        ws = make_workspace(strict.data_dir)
        made = make_app(strict.data_dir, name="Pics", scopes=["chat:write", "channels:join"])
        bot = strict.client(made.bot_token)
        general = next(
            c["id"]
            for c in strict.client(ws.alice.token).conversations_list()["channels"]
            if c["name"] == "general"
        )
        bot.conversations_join(channel=general)
        url = images.url + "/pic.png"
        ts = bot.chat_postMessage(
            channel=general,
            text="pic",
            blocks=[{"type": "image", "image_url": url, "alt_text": "x"}],
        )["ts"]
        asked_before = len(images.seen)
        answer = get(strict, ws.alice.token, channel=general, ts=ts, url=url)
        assert (answer.status_code, answer.text) == (502, "image_unreachable")
        assert len(images.seen) == asked_before


def test_a_views_images_are_served_to_its_person_only(
    server: Server, workspace: Workspace, images: Receiver
) -> None:
    """`/img?view=…&url=…`: a view (here a Home tab) is its person's alone, and only the images
    its blocks show are fetched through it."""
    made = make_app(server.data_dir, name="Home Pics", scopes=["chat:write"])
    bot = server.client(made.bot_token)
    home = {"type": "home", "blocks": blocks(images.url)[:3]}
    view_id = bot.views_publish(user_id=workspace.alice.user_id, view=home)["view"]["id"]
    pic = images.url + "/pic.png"
    answer = get(server, workspace.alice.token, view=view_id, url=pic)
    assert answer.status_code == 200 and answer.content == PNG
    assert answer.headers["content-security-policy"].startswith("sandbox")
    side = get(server, workspace.alice.token, view=view_id, url=images.url + "/side.jpg")
    assert side.status_code == 200
    fetched = len(images.seen)
    for token, params, status, reason in [
        (workspace.bob.token, {"view": view_id, "url": pic}, 404, "not_found"),
        (workspace.alice.token, {"view": "VNOSUCH123", "url": pic}, 404, "not_found"),
        (made.bot_token, {"view": view_id, "url": pic}, 404, "not_found"),
        (
            workspace.alice.token,
            {"view": view_id, "url": images.url + "/att.webp"},
            403,
            "image_not_shown",
        ),
        (workspace.alice.token, {"view": "not an id", "url": pic}, 400, "invalid_arguments"),
        (workspace.alice.token, {"view": view_id}, 400, "invalid_arguments"),
        (None, {"view": view_id, "url": pic}, 403, "not_authed"),
    ]:
        refused = get(server, token, **params)
        assert (refused.status_code, refused.text) == (status, reason), params
    # Nothing was fetched for any refusal.
    assert len(images.seen) == fetched
