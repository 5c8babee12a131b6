"""Custom emoji: admin.emoji.* and emoji.list over slack_sdk, the images served, reactions with
them, `hubbub admin emoji`, Slack's errors with nothing written, and the emoji_changed events."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from tests.support.apps import make_app
from tests.support.checks import error_of, events
from tests.support.images import jpeg_truncated, png
from tests.support.receiver import Received, receiver
from tests.support.rtm import new_channel
from tests.support.servers import Server, Workspace, env_for, module_server, module_workspace

IMAGE = png(32, 32, color="red")


# An emoji's URL is fetched from a server of the test's on 127.0.0.1.
server = module_server("emoji", allow_private_outbound=True)
workspace = module_workspace()


def serving(status: int, body: bytes) -> Any:
    def answer(_request: Received) -> tuple[int, dict[str, str], bytes]:
        return status, {"Content-Type": "image/png"}, body

    return answer


def upload(server: Server, token: str, name: str, data: bytes) -> dict[str, Any]:
    """admin.emoji.add with the image in a multipart `image` part, as Slack's own client does."""
    got = httpx.post(
        server.api_url + "admin.emoji.add",
        headers={"Authorization": f"Bearer {token}"},
        data={"name": name},
        files={"image": ("e.png", data, "image/png")},
        timeout=30,
    )
    answer: dict[str, Any] = got.json()
    return answer


def team_log(server: Server, workspace: Workspace) -> list[dict[str, Any]]:
    return events(server, workspace.team_id, workspace.team_id)


def test_added_by_url_or_upload_listed_served_aliased_and_removed(
    server: Server, workspace: Workspace
) -> None:
    alice = server.client(workspace.alice.token)
    with receiver() as rx:
        rx.behaviour = serving(200, IMAGE)
        assert alice.admin_emoji_add(name=":party-parrot:", url=rx.url).data == {"ok": True}
    added = team_log(server, workspace)[-1]
    other = png(16, 16, color="blue")
    assert upload(server, workspace.alice.token, "our-cat", other) == {"ok": True}
    alice.admin_emoji_addAlias(name="hub-parrot", alias_for="party-parrot")
    alice.admin_emoji_addAlias(name="parrot_too", alias_for=":hub-parrot:")  # to the original
    alice.admin_emoji_addAlias(name="yes", alias_for="thumbsup")  # a standard one

    listed = server.client(workspace.bob.token).emoji_list()
    found = listed["emoji"]
    assert set(found) == {"party-parrot", "our-cat", "hub-parrot", "parrot_too", "yes"}
    assert (found["hub-parrot"], found["parrot_too"], found["yes"]) == (
        "alias:party-parrot",
        "alias:party-parrot",
        "alias:thumbsup",
    )
    assert listed["cache_ts"] > "1"
    assert added == {
        "type": "emoji_changed",
        "subtype": "add",
        "name": "party-parrot",
        "value": found["party-parrot"],
        "event_ts": added["event_ts"],
    }
    for name, data in (("party-parrot", IMAGE), ("our-cat", other)):
        image = httpx.get(found[name], timeout=10)  # no token: public, as Slack's
        assert image.status_code == 200 and image.content == data
        assert image.headers["content-type"] == "image/png"
        assert image.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert image.headers["x-content-type-options"] == "nosniff"
        again = httpx.get(found[name], headers={"If-None-Match": image.headers["etag"]})
        assert again.status_code == 304

    # A custom emoji is a reaction.
    channel = new_channel(alice)
    ts = alice.chat_postMessage(channel=channel, text="look")["ts"]
    alice.reactions_add(channel=channel, timestamp=ts, name="hub-parrot")
    assert error_of(alice.reactions_add, channel=channel, timestamp=ts, name="nope") == (
        "invalid_name"
    )

    alice.admin_emoji_remove(name="party-parrot")
    removed = team_log(server, workspace)[-1]
    assert (removed["type"], removed["subtype"]) == ("emoji_changed", "remove")
    assert removed["names"] == ["hub-parrot", "parrot_too", "party-parrot"]
    assert set(alice.emoji_list()["emoji"]) == {"our-cat", "yes"}
    assert httpx.get(found["party-parrot"], timeout=10).status_code == 404
    # Removed: the reaction may go, not come again.
    alice.reactions_remove(channel=channel, timestamp=ts, name="hub-parrot")
    assert error_of(alice.reactions_add, channel=channel, timestamp=ts, name="hub-parrot") == (
        "invalid_name"
    )


def test_bad_input_gets_slacks_errors_and_writes_nothing(
    server: Server, workspace: Workspace
) -> None:
    alice, bob = server.client(workspace.alice.token), server.client(workspace.bob.token)
    alice.admin_emoji_addAlias(name="taken", alias_for="tada")
    before, listed = team_log(server, workspace), alice.emoji_list()["emoji"]
    add = alice.admin_emoji_add
    with receiver() as rx:
        rx.behaviour = serving(200, IMAGE)
        assert error_of(bob.admin_emoji_add, name="mine", url=rx.url) == "not_an_admin"
        assert error_of(add, name="", url=rx.url) == "error_missing_name"
        assert error_of(add, name="::", url=rx.url) == "error_missing_name"
        assert error_of(add, name="Party", url=rx.url) == "error_lower_case_names_only"
        for bad in ("a b", "x" * 101, "ünï", "a:b"):
            assert error_of(add, name=bad, url=rx.url) == "error_bad_name_i18n", bad
        assert error_of(add, name="taken", url=rx.url) == "error_name_taken"
        assert error_of(add, name="tada", url=rx.url) == "error_name_taken"  # a standard one
        assert error_of(add, name="fresh-one", url="") == "no_image_uploaded"
        noise = Image.frombytes("RGB", (256, 256), os.urandom(256 * 256 * 3))
        big = io.BytesIO()
        noise.save(big, format="PNG")
        for body, error in (
            (b"not an image at all", "error_bad_format"),
            (jpeg_truncated(), "error_bad_format"),
            (big.getvalue(), "error_too_big"),
        ):
            rx.behaviour = serving(200, body)
            assert error_of(add, name="fresh-one", url=rx.url) == error
            assert upload(server, workspace.alice.token, "fresh-one", body)["error"] == error
        rx.behaviour = serving(404, b"")
        assert error_of(add, name="fresh-one", url=rx.url) == "error_bad_upload"
    assert error_of(add, name="fresh-one", url="file:///etc/passwd") == "error_bad_upload"
    alias = alice.admin_emoji_addAlias
    assert error_of(alias, name="fresh-one", alias_for="nothing-here") == "error_invalid_alias"
    assert error_of(alias, name="fresh-one", alias_for="") == "no_alias_selected"
    assert error_of(alias, name="taken", alias_for="tada") == "error_name_taken"
    assert error_of(bob.admin_emoji_addAlias, name="fresh-one", alias_for="tada") == "not_an_admin"
    assert error_of(alice.admin_emoji_remove, name="nothing-here") == "emoji_not_found"
    assert error_of(alice.admin_emoji_remove, name="tada") == "emoji_not_found"
    assert error_of(bob.admin_emoji_remove, name="taken") == "not_an_admin"
    assert team_log(server, workspace) == before
    assert alice.emoji_list()["emoji"] == listed

    for path in (
        f"/emoji/{workspace.team_id}/nothing/0123456789abcdef.png",
        f"/emoji/{workspace.team_id}/taken/0123456789abcdef.png",  # an alias: no image
        "/emoji/not-a-team/x/0123456789abcdef.png",
        f"/emoji/{workspace.team_id}/a%00b/0123456789abcdef.png",
        f"/emoji/{workspace.team_id}/x/zz.png",
    ):
        assert httpx.get(server.url + path, timeout=10).status_code == 404, path


def test_renamed_with_its_aliases_following(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    assert upload(server, workspace.alice.token, "old-ship", IMAGE) == {"ok": True}
    alice.admin_emoji_addAlias(name="ship-alias", alias_for="old-ship")
    old_url = alice.emoji_list()["emoji"]["old-ship"]
    channel = new_channel(alice)
    ts = alice.chat_postMessage(channel=channel, text="sail")["ts"]

    assert alice.admin_emoji_rename(name=":old-ship:", new_name="new-ship").data == {"ok": True}
    renamed = team_log(server, workspace)[-1]
    found = server.client(workspace.bob.token).emoji_list()["emoji"]
    assert "old-ship" not in found and found["ship-alias"] == "alias:new-ship"
    assert renamed == {
        "type": "emoji_changed",
        "subtype": "rename",
        "old_name": "old-ship",
        "new_name": "new-ship",
        "value": found["new-ship"],
        "event_ts": renamed["event_ts"],
    }
    # The same image, at a URL of the new name; the old one is gone.
    assert found["new-ship"] != old_url
    assert httpx.get(found["new-ship"], timeout=10).content == IMAGE
    assert httpx.get(old_url, timeout=10).status_code == 404
    # The new name is a reaction, the old one no more.
    alice.reactions_add(channel=channel, timestamp=ts, name="new-ship")
    assert error_of(alice.reactions_add, channel=channel, timestamp=ts, name="old-ship") == (
        "invalid_name"
    )
    # An alias is renamed as itself, still naming its original.
    alice.admin_emoji_rename(name="ship-alias", new_name="my-boat")
    assert team_log(server, workspace)[-1]["value"] == "alias:new-ship"
    found = alice.emoji_list()["emoji"]
    assert found["my-boat"] == "alias:new-ship" and "ship-alias" not in found
    # Removing the original takes the renamed alias with it.
    alice.admin_emoji_remove(name="new-ship")
    assert team_log(server, workspace)[-1]["names"] == ["my-boat", "new-ship"]


def test_bad_renames_get_slacks_errors_and_write_nothing(
    server: Server, workspace: Workspace
) -> None:
    alice, bob = server.client(workspace.alice.token), server.client(workspace.bob.token)
    assert upload(server, workspace.alice.token, "keep-me", IMAGE) == {"ok": True}
    alice.admin_emoji_addAlias(name="keep-alias", alias_for="keep-me")
    before, listed = team_log(server, workspace), alice.emoji_list()["emoji"]
    rename = alice.admin_emoji_rename
    assert error_of(bob.admin_emoji_rename, name="keep-me", new_name="mine") == "not_an_admin"
    for name in ("", "::"):
        assert error_of(rename, name=name, new_name="fine") == "error_missing_name"
    # No custom emoji of that name: none at all, a standard one, one no emoji could have.
    for name in ("nothing-here", "tada", "Keep-Me", "a b"):
        assert error_of(rename, name=name, new_name="fine") == "error_invalid_emoji_to_rename"
    for new_name in ("", "Fine", "a b", "x" * 101, "a:b"):
        assert error_of(rename, name="keep-me", new_name=new_name) == "error_bad_name_i18n"
    # A name a custom emoji (itself included) or a standard one has.
    for new_name in ("keep-alias", "keep-me", "tada"):
        assert error_of(rename, name="keep-me", new_name=new_name) == "error_name_taken"
    assert error_of(rename, name="keep-alias", new_name="keep-me") == "error_name_taken"
    assert team_log(server, workspace) == before
    assert alice.emoji_list()["emoji"] == listed


def test_an_image_url_is_the_image_it_was_made_for(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    assert upload(server, workspace.alice.token, "swap", IMAGE) == {"ok": True}
    first = alice.emoji_list()["emoji"]["swap"]
    alice.admin_emoji_remove(name="swap")
    assert upload(server, workspace.alice.token, "swap", png(8, 8, color="white")) == {"ok": True}
    second = alice.emoji_list()["emoji"]["swap"]
    assert first != second
    assert httpx.get(first, timeout=10).status_code == 404
    assert httpx.get(second.replace(".png", ".gif"), timeout=10).status_code == 404
    assert httpx.get(second, timeout=10).status_code == 200


def test_the_cli_adds_renames_and_removes(
    server: Server, workspace: Workspace, tmp_path: Path
) -> None:
    image = tmp_path / "ship.png"
    image.write_bytes(IMAGE)

    def admin(*args: str) -> tuple[int, dict[str, Any]]:
        command = [sys.executable, "-m", "hubbub", "admin", "emoji", *args]
        done = subprocess.run(
            [*command, "--domain", workspace.domain, "--data-dir", str(server.data_dir)],
            capture_output=True,
            timeout=60,
            env=env_for(server.data_dir),
        )
        return done.returncode, json.loads(done.stdout)

    code, added = admin("add", ":ship-it:", str(image))
    assert code == 0 and added["name"] == "ship-it"
    alice = server.client(workspace.alice.token)
    assert alice.emoji_list()["emoji"]["ship-it"] == added["value"]
    assert httpx.get(added["value"], timeout=10).content == IMAGE
    text = tmp_path / "not.png"
    text.write_bytes(b"hello")
    assert admin("add", "other", str(text)) == (1, {"ok": False, "error": "error_bad_format"})
    code, renamed = admin("rename", "ship-it", ":shipped:")
    assert code == 0 and renamed["name"] == "shipped"
    assert alice.emoji_list()["emoji"]["shipped"] == renamed["value"]
    assert admin("rename", "ship-it", "again") == (
        1,
        {"ok": False, "error": "error_invalid_emoji_to_rename"},
    )
    assert admin("remove", "shipped") == (0, {"ok": True, "removed": ["shipped"]})
    assert "shipped" not in alice.emoji_list()["emoji"]


def test_apps_need_the_scopes(server: Server, workspace: Workspace) -> None:
    narrow = make_app(server.data_dir, name="No Emoji", events=(), scopes=["chat:write"])
    assert error_of(server.client(narrow.bot_token).emoji_list) == "missing_scope"
    reader = make_app(server.data_dir, name="Emoji Reader", events=["emoji_changed"])
    bot = server.client(reader.bot_token)
    assert "emoji" in bot.emoji_list()
    assert error_of(bot.admin_emoji_remove, name="our-cat") == "missing_scope"
    assert error_of(bot.admin_emoji_rename, name="our-cat", new_name="cat") == "missing_scope"


def test_include_categories_lists_the_standard_emoji_by_category(
    server: Server, workspace: Workspace
) -> None:
    """As Slack's emoji.list with include_categories: categories_version and each category's
    name and emoji_names, beside the custom emoji; without it, neither."""
    alice = server.client(workspace.alice.token)
    plain = alice.emoji_list()
    assert "categories" not in plain.data and "categories_version" not in plain.data
    answer = alice.emoji_list(include_categories=True)
    assert answer["emoji"] == plain["emoji"]
    assert answer["categories_version"] == "5"
    categories = answer["categories"]
    assert [c["name"] for c in categories][:2] == ["Smileys & Emotion", "People & Body"]
    assert all(set(c) == {"name", "emoji_names"} and c["emoji_names"] for c in categories)
    smileys = categories[0]["emoji_names"]
    assert smileys[:3] == ["grinning", "smiley", "smile"]
    flags = next(c for c in categories if c["name"] == "Flags")["emoji_names"]
    assert "flag-ch" in flags
    unasked = alice.api_call("emoji.list", params={"include_categories": "false"})
    assert "categories" not in unasked.data
