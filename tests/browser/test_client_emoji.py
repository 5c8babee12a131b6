"""Emoji as pictures from the vendored Twemoji sheet (static/emoji.js): in messages, reactions
and the picker, the same on every desktop whatever its fonts; the picker searches, takes skin
tones and remembers what was used. The workspace's custom emoji as their images."""

from __future__ import annotations

import os
import re
from pathlib import Path

import httpx
from playwright.sync_api import BrowserContext, Locator, Page, expect
from slack_sdk import WebClient

from tests.browser import axe
from tests.browser.client import message, sign_in_as
from tests.browser.conftest import screenshot
from tests.support.images import differing_share, png
from tests.support.servers import Server, Workspace

EXPECTED = Path(__file__).parent / "expected" / "emoji.png"
SHEET = "/static/vendor/emoji-twitter-32.png"

# The picker's twelve first reactions, skin tones, a flag, a keycap and emoji typed as
# characters, drawn by the client's own code and style sheet on a white strip.
STRIP = """async () => {
  const { Emoji } = await import('/static/emoji.js');
  const { h } = await import('/static/dom.js');
  const emoji = await Emoji.load();
  const names = ['+1', 'heart', 'joy', 'tada', 'eyes', 'white_check_mark', 'pray', 'fire',
    'smile', 'thinking_face', 'rocket', '100', 'wave::skin-tone-2', 'wave::skin-tone-4',
    'wave::skin-tone-6', 'flag-fr', 'hash', 'female-technologist::skin-tone-3'];
  const strip = h('div', { id: 'emoji-strip', class: 'text' },
    names.map((n) => emoji.named(n)), emoji.node('\\u{1F60D}', 'typed'));
  strip.style.cssText = 'position:fixed;top:0;left:0;z-index:99;background:#fff;padding:4px;' +
    'font-size:20px;line-height:1;display:flex;gap:4px';
  document.body.append(strip);
  return strip.querySelectorAll('.emoji.pic').length;
}"""


def _general(client: WebClient) -> str:
    return next(c["id"] for c in client.conversations_list()["channels"] if c["is_general"])


def _sheet_loaded(page: Page) -> None:
    """The sheet has arrived and is decoded, so that a screenshot has its pictures."""
    page.evaluate(
        f"""() => new Promise((resolve, reject) => {{
      const img = new Image();
      img.onload = () => img.decode().then(resolve, reject);
      img.onerror = reject;
      img.src = '{SHEET}';
    }})"""
    )


def test_emoji_look_the_same_as_the_expected_picture(
    server: Server, workspace: Workspace, page: Page
) -> None:
    sign_in_as(page, server, workspace, "alice")
    assert page.evaluate(STRIP) == 19
    _sheet_loaded(page)
    strip = page.locator("#emoji-strip")
    shot = strip.screenshot(animations="disabled")
    if os.environ.get("HUBBUB_UPDATE_EXPECTED"):
        EXPECTED.parent.mkdir(exist_ok=True)
        EXPECTED.write_bytes(shot)
    # Fonts and anti-aliasing differ between machines; the pictures do not.
    assert differing_share(shot, EXPECTED.read_bytes()) < 0.02


def test_messages_reactions_and_the_picker_use_the_pictures(
    server: Server, workspace: Workspace, context: BrowserContext, page: Page
) -> None:
    axe.install(context)
    bob = server.client(workspace.bob.token)
    general = _general(bob)
    secret = server.client(workspace.alice.token).conversations_create(
        name="secret", is_private=True
    )["channel"]["id"]
    ts = bob.chat_postMessage(channel=general, text="ship it :rocket: I \u2764\ufe0f it")["ts"]
    bob.reactions_add(channel=general, timestamp=ts, name="tada")
    sign_in_as(page, server, workspace, "alice")
    shipped = message(page, "ship it")
    pictures = shipped.locator(".text .emoji.pic")
    expect(pictures).to_have_count(2)
    expect(pictures.first).to_have_attribute("aria-label", ":rocket:")
    expect(pictures.first).to_have_css("background-image", re.compile(re.escape(SHEET)))
    expect(pictures.first).to_have_css("color", "rgba(0, 0, 0, 0)")  # the text is kept, unseen
    expect(shipped.locator(".reaction .emoji.pic")).to_have_text("🎉")
    lock = page.locator(f"nav .conv[data-channel={secret}] .sigil .emoji.pic")
    expect(lock).to_have_text("🔒")

    shipped.hover()
    shipped.get_by_role("button", name="Add reaction").click()
    dialog = page.get_by_role("dialog", name="Add a reaction")
    expect(dialog.locator(".emoji-section h3").first).to_have_text("Frequently used")
    assert dialog.locator(".emoji-section").count() > 8  # every category
    expect(dialog.get_by_label("Search emoji")).to_be_focused()
    screenshot(page, "emoji-picker")
    axe.assert_accessible(page)
    page.keyboard.type("rocke")
    expect(dialog.locator(".pick-emoji").first).to_have_attribute("aria-label", "rocket")
    page.keyboard.press("Enter")
    expect(dialog).to_have_count(0)
    expect(shipped.locator(".reaction[data-name=rocket]")).to_be_visible()

    shipped.hover()
    shipped.get_by_role("button", name="Add reaction").click()
    dialog.get_by_label("Skin tone").select_option("Medium")
    thumbs = dialog.locator(".emoji-section").first.get_by_role("button", name="+1", exact=True)
    expect(thumbs).to_have_attribute("title", ":+1::skin-tone-4:")
    thumbs.click()
    expect(shipped.locator(".reaction .emoji.pic", has_text="👍🏽")).to_be_visible()
    reactions = bob.reactions_get(channel=general, timestamp=ts)["message"]["reactions"]
    names = [r["name"] for r in reactions]
    assert names == ["tada", "rocket", "+1::skin-tone-4"]

    # Used lately comes first, newest first, in the tone chosen, across a reload.
    page.reload()
    shipped = message(page, "ship it")
    shipped.hover()
    shipped.get_by_role("button", name="Add reaction").click()
    recent = dialog.locator(".emoji-section").first.locator(".pick-emoji")
    expect(recent.nth(0)).to_have_attribute("aria-label", "+1")
    expect(recent.nth(0)).to_have_attribute("title", ":+1::skin-tone-4:")
    expect(recent.nth(1)).to_have_attribute("aria-label", "rocket")
    expect(dialog.get_by_label("Skin tone")).to_have_value("3")


def _add_emoji(server: Server, token: str, name: str, color: str) -> None:
    """admin.emoji.add with an uploaded image, as Slack's own client sends it."""
    answer = httpx.post(
        server.api_url + "admin.emoji.add",
        headers={"Authorization": f"Bearer {token}"},
        data={"name": name},
        files={"image": ("e.png", png(32, 32, color=color), "image/png")},
        timeout=30,
    ).json()
    assert answer == {"ok": True}, answer


def _drawn(image: Locator) -> None:
    """The image was fetched and decoded (the CSP let it in, the server served it)."""
    expect(image).to_have_js_property("naturalWidth", 32)


def test_custom_emoji_are_drawn_in_messages_reactions_and_the_picker(
    server: Server, workspace: Workspace, page: Page
) -> None:
    """The workspace's own emoji (emoji.list) as their images, read from this server's
    /emoji/ path: `:name:` in messages, an alias of one, an alias of a standard emoji as its
    picture, reactions, a "Custom" section of the picker and its search; one added while the
    page is open is drawn at once, and one renamed by its new name (emoji_changed)."""
    admin = workspace.alice.token
    alice, bob = server.client(admin), server.client(workspace.bob.token)
    _add_emoji(server, admin, "shipit", "red")
    alice.admin_emoji_addAlias(name="ship-it", alias_for="shipit")
    alice.admin_emoji_addAlias(name="yay", alias_for="tada")
    general = _general(bob)
    ts = bob.chat_postMessage(channel=general, text="deploy :shipit: :ship-it: :yay: :nope:")["ts"]
    bob.reactions_add(channel=general, timestamp=ts, name="shipit")
    sign_in_as(page, server, workspace, "alice")
    deployed = message(page, "deploy")
    images = deployed.locator(".text img.emoji.custom")
    expect(images).to_have_count(2)
    expect(images.first).to_have_attribute("alt", ":shipit:")
    expect(images.nth(1)).to_have_attribute("alt", ":ship-it:")
    expect(images.first).to_have_attribute("src", re.compile(r"^/emoji/T[A-Z0-9]+/shipit/"))
    _drawn(images.first)
    _drawn(images.nth(1))
    expect(deployed.locator(".text .emoji.pic")).to_have_text("🎉")  # the alias of :tada:
    expect(deployed.locator(".text")).to_contain_text(":nope:")  # no such emoji: as typed
    reaction = deployed.locator(".reaction[data-name=shipit] img.emoji.custom")
    expect(reaction).to_be_visible()
    _drawn(reaction)

    deployed.hover()
    deployed.get_by_role("button", name="Add reaction").click()
    dialog = page.get_by_role("dialog", name="Add a reaction")
    custom = dialog.get_by_role("region", name="Custom")
    expect(custom.locator(".pick-emoji")).to_have_count(3)
    expect(custom.locator(".pick-emoji").first).to_have_attribute("aria-label", "ship-it")
    expect(custom.locator("img.emoji.custom")).to_have_count(2)  # yay is 🎉
    page.keyboard.type("shipi")
    expect(dialog.locator(".pick-emoji").first).to_have_attribute("aria-label", "shipit")
    page.keyboard.press("Enter")
    expect(dialog).to_have_count(0)
    expect(deployed.locator(".reaction[data-name=shipit] .count")).to_have_text("2")

    # Added while the page is open: the next message that names it shows its image.
    _add_emoji(server, admin, "fresh", "blue")
    bob.chat_postMessage(channel=general, text="look :fresh:")
    fresh = message(page, "look").locator(".text img.emoji.custom")
    expect(fresh).to_have_attribute("alt", ":fresh:")
    expect(fresh).to_have_js_property("naturalWidth", 32)
    # Renamed while the page is open (emoji_changed `rename`): the new name is its image.
    alice.admin_emoji_rename(name="fresh", new_name="fresher")
    bob.chat_postMessage(channel=general, text="now :fresher: not :fresh:")
    renamed = message(page, "now").locator(".text img.emoji.custom")
    expect(renamed).to_have_count(1)
    expect(renamed).to_have_attribute("alt", ":fresher:")
    expect(renamed).to_have_js_property("naturalWidth", 32)
