"""Block Kit in the browser (web/static/blocks.js, modals.js): apps' messages drawn from their
blocks, every piece of text as text and every image through the server's proxy; legacy
attachments with their colour bar and fields; the APP badge. A real slack_bolt app in Socket
Mode answers a button pressed in Chromium by replacing its message, and opens a modal whose
inputs are filled, refused with the app's errors, fixed, submitted and closed."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from slack_bolt import App
from slack_sdk import WebClient

from tests.browser import axe
from tests.browser.client import message, open_conversation, sign_in_as
from tests.browser.conftest import screenshot
from tests.support.apps import BOT_SCOPES, app_in_general, bolt_socket_mode
from tests.support.blocks import md, plain
from tests.support.images import Answers, differing_share, image_host, png
from tests.support.receiver import Receiver
from tests.support.servers import Server, Workspace, module_server, module_workspace
from tests.support.waiting import wait_for

HOSTILE = "<img src=x onerror=alert(1)><script>alert(2)</script>"


OPTIONS = [{"text": plain("Red"), "value": "red"}, {"text": plain("Blue"), "value": "blue"}]


# Real pictures, whatever their names say: the browser decodes what it gets.
PICTURES: Answers = {
    "/pic.png": (200, "image/png", png(240, 120, color=(17, 100, 163))),
    "/side.jpg": (200, "image/png", png(88, 88, color=(46, 184, 134))),
    "/icon.gif": (200, "image/png", png(20, 20, color=(218, 160, 56))),
    "/thumb.png": (200, "image/png", png(75, 75, color=(163, 2, 0))),
}


@pytest.fixture(scope="module")
def images() -> Iterator[Receiver]:
    with image_host(PICTURES) as host:
        yield host


server = module_server("blocks", allow_private_outbound=True)
workspace = module_workspace()


def every_block(base: str) -> list[dict[str, Any]]:
    """One of each block type and element the client draws."""
    return [
        {"type": "header", "text": plain("Release :tada:")},
        {
            "type": "section",
            "block_id": "intro",
            "text": md(f"*Ready* to ship? {HOSTILE.replace('<', '&lt;').replace('>', '&gt;')}"),
            "fields": [md("*Owner*\nalice"), md("*When*\ntoday")],
            "accessory": {"type": "button", "action_id": "look", "text": plain("Look")},
        },
        {
            "type": "section",
            "text": plain(HOSTILE),
            "accessory": {"type": "image", "image_url": f"{base}/side.jpg", "alt_text": "side"},
        },
        {
            "type": "section",
            "text": md("Pick"),
            "accessory": {
                "type": "static_select",
                "action_id": "pick",
                "placeholder": plain("Colour"),
                "options": OPTIONS,
            },
        },
        {"type": "divider"},
        {
            "type": "context",
            "elements": [
                {"type": "image", "image_url": f"{base}/icon.gif", "alt_text": "icon"},
                md("by _the bot_"),
            ],
        },
        {
            "type": "actions",
            "block_id": "act",
            "elements": [
                {
                    "type": "button",
                    "action_id": "go",
                    "text": plain("Go"),
                    "style": "primary",
                    "value": "1",
                },
                {"type": "button", "action_id": "stop", "text": plain("Stop"), "style": "danger"},
                {"type": "overflow", "action_id": "more", "options": OPTIONS},
                {"type": "datepicker", "action_id": "day", "initial_date": "2026-12-24"},
                {"type": "radio_buttons", "action_id": "size", "options": OPTIONS},
            ],
        },
        {
            "type": "rich_text",
            "elements": [
                {
                    "type": "rich_text_section",
                    "elements": [
                        {"type": "text", "text": "bold", "style": {"bold": True}},
                        {"type": "text", "text": f" {HOSTILE} "},
                        {"type": "link", "url": "https://example.com/", "text": "site"},
                        {"type": "link", "url": "javascript:alert(3)", "text": "nolink"},
                        {"type": "emoji", "name": "wave"},
                    ],
                },
                {
                    "type": "rich_text_list",
                    "style": "ordered",
                    "elements": [
                        {
                            "type": "rich_text_section",
                            "elements": [{"type": "text", "text": "one"}],
                        },
                        {
                            "type": "rich_text_section",
                            "elements": [{"type": "text", "text": "two"}],
                        },
                    ],
                },
                {"type": "rich_text_quote", "elements": [{"type": "text", "text": "quoted"}]},
                {"type": "rich_text_preformatted", "elements": [{"type": "text", "text": "x = 1"}]},
            ],
        },
        {
            "type": "image",
            "image_url": f"{base}/pic.png",
            "alt_text": "a pic",
            "title": plain("Pic"),
        },
    ]


def test_every_block_type_is_drawn_as_text_with_images_through_the_proxy(
    context: BrowserContext, page: Page, server: Server, workspace: Workspace, images: Receiver
) -> None:
    axe.install(context)
    _made, bot, general = app_in_general(server, workspace, "Drawer")
    bot.chat_postMessage(channel=general, text="the fallback text", blocks=every_block(images.url))
    bot.chat_postMessage(
        channel=general,
        text="shown instead of blocks",
        blocks=[{"type": "section", "text": md("never")}, {"type": "video", "title": plain("v")}],
    )
    sign_in_as(page, server, workspace, "alice")
    open_conversation(page, "general")
    msg = page.locator("#messages article.msg", has=page.locator(".bk-header"))
    expect(msg.locator(".bk-header")).to_have_text("Release 🎉")
    expect(msg.locator(".meta .app-badge")).to_have_text("APP")
    expect(msg).not_to_contain_text("the fallback text")
    expect(msg.locator(".bk-section strong").first).to_have_text("Ready")
    expect(msg.locator(".bk-fields .bk-field")).to_have_count(2)
    expect(msg.locator(".bk-accessory button.bk-button")).to_have_text("Look")
    expect(msg.locator("button.bk-button.primary")).to_have_text("Go")
    expect(msg.locator("button.bk-button.danger")).to_have_text("Stop")
    expect(msg.locator("select.bk-select option")).to_have_text(["Colour", "Red", "Blue"])
    expect(msg.locator("select.bk-overflow")).to_have_count(1)
    expect(msg.locator("input.bk-date")).to_have_value("2026-12-24")
    expect(msg.locator(".bk-radios input[type=radio]")).to_have_count(2)
    expect(msg.locator("hr.bk-divider")).to_have_count(1)
    expect(msg.locator(".bk-context em")).to_have_text("the bot")
    expect(msg.locator(".bk-rich strong")).to_have_text("bold")
    expect(msg.locator(".bk-rich a")).to_have_text("site")
    expect(msg.locator(".bk-rich a")).to_have_attribute("href", "https://example.com/")
    expect(msg.locator(".bk-rich ol li")).to_have_text(["one", "two"])
    expect(msg.locator(".bk-rich blockquote")).to_have_text("quoted")
    expect(msg.locator(".bk-rich pre")).to_have_text("x = 1")
    # Every hostile string is text on the screen, never markup.
    expect(msg.locator(".bk-section", has_text="<script>alert(2)</script>")).to_have_count(2)
    assert msg.locator("img[src=x], script").count() == 0
    expect(msg.locator(".bk-rich")).to_contain_text("nolink")
    # Images come from the proxy, loaded, each from the page's own origin.
    ts = msg.get_attribute("data-ts")
    for cls, path in [
        ("bk-image-img", "/pic.png"),
        ("bk-accessory-img", "/side.jpg"),
        ("bk-context-img", "/icon.gif"),
    ]:
        src = msg.locator(f"img.{cls}").evaluate(
            "(img) => { const u = new URL(img.src); return [u.origin, u.pathname,"
            " u.searchParams.get('channel'), u.searchParams.get('ts'),"
            " u.searchParams.get('url')]; }"
        )
        assert src == [server.url, "/img", general, ts, images.url + path]
    msg.locator("img.bk-image-img").scroll_into_view_if_needed()
    pic = msg.locator("img.bk-image-img").element_handle()
    page.wait_for_function("(img) => img.complete && img.naturalWidth === 240", arg=pic)
    # A block type the client does not know: the message's text instead.
    expect(message(page, "shown instead of blocks")).to_be_visible()
    expect(page.locator("#messages")).not_to_contain_text("never")
    msg.scroll_into_view_if_needed()
    screenshot(page, "blocks")
    axe.assert_accessible(page)


def test_attachments_have_their_colour_fields_and_footer(
    page: Page, server: Server, workspace: Workspace, images: Receiver
) -> None:
    _made, bot, general = app_in_general(server, workspace, "Reporter")
    bot.chat_postMessage(
        channel=general,
        text="build report",
        attachments=[
            {
                "color": "#36a64f",
                "pretext": "Nightly *build*",
                "author_name": "CI",
                "title": "Build 42",
                "title_link": "https://ci.example.com/42",
                "text": "All green",
                "fields": [
                    {"title": "Tests", "value": "1200", "short": True},
                    {"title": "Time", "value": "4m", "short": True},
                    {"title": "Notes", "value": "long one", "short": False},
                ],
                "footer": "ci bot",
                "ts": 1700000000,
                "thumb_url": f"{images.url}/thumb.png",
            },
            {"color": "danger", "text": "second", "image_url": f"{images.url}/pic.png"},
            {"color": "red;background:url(x)", "text": "third"},
        ],
    )
    sign_in_as(page, server, workspace, "alice")
    open_conversation(page, "general")
    first = page.locator(".attachment", has_text="Build 42")
    expect(first.locator(".pretext strong")).to_have_text("build")
    expect(first.locator(".author-name")).to_have_text("CI")
    expect(first.locator(".title a")).to_have_attribute("href", "https://ci.example.com/42")
    expect(first.locator(".summary")).to_have_text("All green")
    expect(first.locator(".att-field.short")).to_have_count(2)
    expect(first.locator(".att-field:not(.short)")).to_have_count(1)
    expect(first.locator(".att-footer")).to_contain_text("ci bot")
    expect(first.locator("img.att-thumb")).to_have_count(1)
    colours = page.locator(".attachment").evaluate_all(
        "(nodes) => nodes.map((n) => getComputedStyle(n).borderLeftColor)"
    )
    assert colours[-3:] == ["rgb(54, 166, 79)", "rgb(163, 2, 0)", "rgb(207, 207, 207)"]
    for img in (first.locator("img.att-thumb"), page.locator(".attachment img.att-image")):
        img.scroll_into_view_if_needed()
        page.wait_for_function(
            "(img) => img.complete && img.naturalWidth > 1", arg=img.element_handle()
        )


def test_a_press_reaches_the_bolt_app_which_replaces_the_message(
    page: Page, server: Server, workspace: Workspace
) -> None:
    made, bot, general = app_in_general(server, workspace, "Deployer", socket_mode=True)
    app = App(client=bot)
    chosen: list[Any] = []

    @app.action("approve")
    def approve(ack: Any, body: dict[str, Any], respond: Any) -> None:
        ack()
        respond(replace_original=True, text=f"Approved by <@{body['user']['id']}>")

    @app.action("colour")
    def colour(ack: Any, action: dict[str, Any]) -> None:
        ack()
        chosen.append(action["selected_option"]["value"])

    @app.action("when")
    def when(ack: Any, action: dict[str, Any]) -> None:
        ack()
        chosen.append(action["selected_date"])

    bot.chat_postMessage(
        channel=general,
        text="Deploy?",
        blocks=[
            {"type": "section", "text": md("Deploy *now*?")},
            {
                "type": "actions",
                "block_id": "act",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "approve",
                        "text": plain("Approve"),
                        "style": "primary",
                    },
                    {
                        "type": "static_select",
                        "action_id": "colour",
                        "placeholder": plain("Colour"),
                        "options": OPTIONS,
                    },
                    {"type": "datepicker", "action_id": "when", "initial_date": "2026-12-24"},
                ],
            },
        ],
    )
    # An app that takes no presses: the person is told in words.
    _other, quiet, _ = app_in_general(server, workspace, "Quiet")
    quiet.chat_postMessage(
        channel=general,
        text="no presses",
        blocks=[
            {
                "type": "actions",
                "elements": [{"type": "button", "action_id": "x", "text": plain("Try")}],
            }
        ],
    )
    with bolt_socket_mode(app, made.app_token):
        sign_in_as(page, server, workspace, "alice")
        open_conversation(page, "general")
        page.get_by_role("button", name="Try", exact=True).click()
        expect(page.locator(".toast.error")).to_contain_text(
            "That app does not take button presses."
        )
        deploy = page.locator("#messages article.msg", has_text="Deploy now?")
        deploy.locator("select.bk-select").select_option("blue")
        deploy.locator("input.bk-date").fill("2026-12-31")
        wait_for(lambda: len(chosen) >= 2)
        # Two presses, each its own delivery: one the app's socket failed to acknowledge is
        # sent again after the other (seen on a loaded machine), as Slack retries.
        assert sorted(chosen) == ["2026-12-31", "blue"]
        deploy.get_by_role("button", name="Approve", exact=True).click()
        expect(message(page, "Approved by @alice")).to_be_visible()
        expect(page.get_by_role("button", name="Approve", exact=True)).to_have_count(0)
        expect(page.locator(".toast.error")).to_have_count(0)


MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "ship",
    "title": plain("Ship it"),
    "submit": plain("Ship"),
    "close": plain("Not now"),
    "notify_on_close": True,
    "blocks": [
        {"type": "section", "text": md("Tell us *where*.")},
        {
            "type": "input",
            "block_id": "name",
            "label": plain("Name"),
            "element": {"type": "plain_text_input", "action_id": "name_in"},
        },
        {
            "type": "input",
            "block_id": "notes",
            "optional": True,
            "label": plain("Notes"),
            "hint": plain("Anything else"),
            "element": {"type": "plain_text_input", "action_id": "notes_in", "multiline": True},
        },
        {
            "type": "input",
            "block_id": "env",
            "label": plain("Where"),
            "element": {"type": "static_select", "action_id": "env_in", "options": OPTIONS},
        },
        {
            "type": "input",
            "block_id": "size",
            "label": plain("Size"),
            "element": {"type": "radio_buttons", "action_id": "size_in", "options": OPTIONS},
        },
        {
            "type": "input",
            "block_id": "day",
            "label": plain("Day"),
            "element": {"type": "datepicker", "action_id": "day_in", "initial_date": "2026-12-24"},
        },
    ],
}


def test_a_modal_is_filled_refused_fixed_submitted_and_closed(
    context: BrowserContext, page: Page, server: Server, workspace: Workspace
) -> None:
    axe.install(context)
    made, bot, general = app_in_general(server, workspace, "Shipper", socket_mode=True)
    app = App(client=bot)
    submitted: list[dict[str, Any]] = []
    closed: list[str] = []

    @app.action("ship")
    def ship(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=MODAL)

    @app.view("ship")
    def on_submit(ack: Any, view: dict[str, Any]) -> None:
        values = view["state"]["values"]
        if values["name"]["name_in"]["value"] == "bad":
            ack(response_action="errors", errors={"name": "Not that name", "day": "Not that day"})
            return
        ack()
        submitted.append(values)

    @app.view_closed("ship")
    def on_close(ack: Any, view: dict[str, Any]) -> None:
        ack()
        closed.append(view["id"])

    bot.chat_postMessage(
        channel=general,
        text="Ship?",
        blocks=[
            {
                "type": "actions",
                "elements": [{"type": "button", "action_id": "ship", "text": plain("Open")}],
            }
        ],
    )
    with bolt_socket_mode(app, made.app_token):
        sign_in_as(page, server, workspace, "alice")
        open_conversation(page, "general")
        page.get_by_role("button", name="Open", exact=True).click()
        dialog = page.get_by_role("dialog", name="Ship it")
        expect(dialog).to_be_visible()
        expect(dialog.locator(".bk-section strong")).to_have_text("where")
        expect(dialog.locator("textarea")).to_have_count(1)
        expect(dialog.get_by_label("Day")).to_have_value("2026-12-24")
        # A required input left empty is said at once, and nothing is sent.
        dialog.get_by_role("button", name="Ship").click()
        expect(dialog.locator("[data-block-id=name] .bk-error")).to_have_text(
            "Please fill this in."
        )
        dialog.get_by_label("Name").fill("bad")
        dialog.get_by_label("Notes (optional)").fill("line one\nline two")
        dialog.get_by_label("Where").select_option("blue")
        dialog.get_by_label("Red").check()
        dialog.get_by_role("button", name="Ship").click()
        # The app's errors, each under its own input; the view stays.
        expect(dialog.locator("[data-block-id=name] .bk-error")).to_have_text("Not that name")
        expect(dialog.locator("[data-block-id=day] .bk-error")).to_have_text("Not that day")
        expect(dialog.locator("[data-block-id=env] .bk-error")).to_be_hidden()
        screenshot(page, "modal")
        axe.assert_accessible(page)
        dialog.get_by_label("Name").fill("good")
        dialog.get_by_label("Day").fill("2027-01-02")
        dialog.get_by_role("button", name="Ship").click()
        expect(dialog).to_have_count(0)
        wait_for(lambda: submitted)
        [values] = submitted
        assert values["name"]["name_in"]["value"] == "good"
        assert values["notes"]["notes_in"]["value"] == "line one\nline two"
        assert values["env"]["env_in"]["selected_option"]["value"] == "blue"
        assert values["size"]["size_in"]["selected_option"]["value"] == "red"
        assert values["day"]["day_in"]["selected_date"] == "2027-01-02"
        # Opened again and closed by its close button: views.close, the app told.
        page.get_by_role("button", name="Open", exact=True).click()
        expect(dialog).to_be_visible()
        dialog.get_by_role("button", name="Not now").click()
        expect(dialog).to_have_count(0)
        wait_for(lambda: closed)
        assert len(closed) == 1


def test_a_persons_rich_text_is_drawn_and_an_edit_replaces_it_with_the_text(
    page: Page, server: Server, workspace: Workspace
) -> None:
    """Slack's clients send rich_text blocks with what people type (and exports keep them):
    drawn as blocks; an edit in this client, which edits the text, takes them away."""
    alice = server.client(workspace.alice.token)
    general = next(
        c["id"] for c in alice.conversations_list()["channels"] if c["name"] == "general"
    )
    rich = [
        {
            "type": "rich_text",
            "elements": [
                {
                    "type": "rich_text_section",
                    "elements": [
                        {"type": "text", "text": "typed in "},
                        {"type": "text", "text": "Slack", "style": {"italic": True}},
                    ],
                }
            ],
        }
    ]
    alice.chat_postMessage(channel=general, text="typed in _Slack_", blocks=rich)
    sign_in_as(page, server, workspace, "alice")
    open_conversation(page, "general")
    mine = message(page, "typed in Slack")
    expect(mine.locator(".bk-rich em")).to_have_text("Slack")
    expect(mine.locator(".meta .app-badge")).to_have_count(0)
    mine.hover()
    mine.get_by_role("button", name="Edit message").click()
    box = page.get_by_role("textbox", name="Edit message")
    expect(box).to_have_value("typed in _Slack_")
    box.fill("typed here now")
    box.press("Enter")
    edited = message(page, "typed here now")
    expect(edited.locator(".edited")).to_have_text("(edited)")
    expect(edited.locator(".bk-rich")).to_have_count(0)
    [stored] = alice.conversations_history(channel=general, limit=1)["messages"]
    assert stored["text"] == "typed here now" and "blocks" not in stored


EXPECTED = Path(__file__).parent / "expected" / "blocks.png"

# Every block type and an attachment, drawn by the client's own code and style
# sheet on a white card of a fixed size; pictures as data: URLs (the CSP allows them), so the
# picture depends on nothing but the client.
CARD = """async ([blocks, attachments]) => {
  const { blockNodes, attachmentNodes } = await import('/static/blocks.js');
  const { h } = await import('/static/dom.js');
  const { Emoji } = await import('/static/emoji.js');
  const emoji = await Emoji.load();
  const canvas = document.createElement('canvas');
  canvas.width = 160; canvas.height = 80;
  const paint = canvas.getContext('2d');
  paint.fillStyle = '#2eb886'; paint.fillRect(0, 0, 160, 80);
  const picture = canvas.toDataURL('image/png');
  const ctx = {
    emoji: (n) => emoji.text(n),
    emojiNode: (t, label) => emoji.node(t, label),
    channelHref: (id) => `/client/T/${id}`,
    userName: () => 'alice',
    press: () => {},
    image: () => picture,
  };
  const card = h('div', { id: 'blocks-card', class: 'msg' },
    h('div', { class: 'body' },
      h('div', { class: 'text' }, blockNodes(blocks, ctx)),
      attachmentNodes(attachments, ctx)));
  card.style.cssText = 'position:fixed;top:0;left:0;z-index:99;background:#fff;padding:8px;' +
    'width:640px;height:760px;overflow:hidden;box-sizing:border-box';
  document.body.append(card);
  await Promise.all([...card.querySelectorAll('img')].map((img) => img.decode()));
  return card.querySelectorAll('.blocks > *').length;
}"""


def test_blocks_look_the_same_as_the_expected_picture(
    page: Page, server: Server, workspace: Workspace
) -> None:
    sign_in_as(page, server, workspace, "alice")
    attachments = [
        {
            "color": "warning",
            "author_name": "CI",
            "title": "Build 42",
            "title_link": "https://ci.example.com/42",
            "fields": [
                {"title": "Tests", "value": "1200", "short": True},
                {"title": "Time", "value": "4m", "short": True},
            ],
            "footer": "ci bot",
        }
    ]
    blocks = every_block("https://images.example.com")
    assert page.evaluate(CARD, [blocks, attachments]) == len(blocks)
    shot = page.locator("#blocks-card").screenshot(animations="disabled")
    if os.environ.get("HUBBUB_UPDATE_EXPECTED"):
        EXPECTED.parent.mkdir(exist_ok=True)
        EXPECTED.write_bytes(shot)
    # Fonts and anti-aliasing differ between machines: a few per cent of pixels may differ; a
    # block drawn otherwise, or not at all, moves far more.
    assert differing_share(shot, EXPECTED.read_bytes()) < 0.04


def test_a_bots_chosen_name_and_icon_are_shown(
    page: Page, server: Server, workspace: Workspace, images: Receiver
) -> None:
    """chat:write.customize: the name and the icon (an emoji's picture, or an image through the
    proxy) a bot chose for a message are what the client shows, each message apart."""
    _made, bot, general = app_in_general(
        server, workspace, "Custom", scopes=[*BOT_SCOPES, "chat:write.customize"]
    )
    bot.chat_postMessage(
        channel=general, text="deployed", username="Deploys", icon_emoji=":rocket:"
    )
    bot.chat_postMessage(
        channel=general, text="drawn", username="Pictures", icon_url=f"{images.url}/icon.gif"
    )
    sign_in_as(page, server, workspace, "alice")
    open_conversation(page, "general")
    deploys = page.locator("article.msg", has_text="deployed")
    expect(deploys.locator(".author")).to_have_text("Deploys")
    expect(deploys.locator(".avatar .avatar-emoji")).to_have_count(1)
    drawn = page.locator("article.msg", has_text="drawn")
    expect(drawn.locator(".author")).to_have_text("Pictures")
    icon = drawn.locator(".avatar img.avatar-image")
    expect(icon).to_have_attribute("src", re.compile(r"^/img\?"))
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 1", arg=icon.element_handle()
    )


def test_a_press_on_an_ephemeral_reaches_the_bolt_app_which_replaces_then_deletes_it(
    page: Page, server: Server, workspace: Workspace, images: Receiver
) -> None:
    """An app's ephemeral message (shown to alice alone, never history): its image comes
    through the proxy, its button reaches the app with container.is_ephemeral, and the app's
    respond() replaces it, then deletes it, on alice's screen."""
    made, bot, general = app_in_general(server, workspace, "Whisperer", socket_mode=True)
    app = App(client=bot)
    seen: list[dict[str, Any]] = []

    @app.action("confirm")
    def confirm(ack: Any, body: dict[str, Any], respond: Any) -> None:
        ack()
        seen.append(body)
        respond(
            replace_original=True,
            text="Confirmed",
            blocks=[
                {"type": "section", "text": md("*Confirmed*, just for you")},
                {
                    "type": "actions",
                    "elements": [
                        {"type": "button", "action_id": "dismiss", "text": plain("Dismiss")}
                    ],
                },
            ],
        )

    @app.action("dismiss")
    def dismiss(ack: Any, respond: Any) -> None:
        ack()
        respond(delete_original=True)

    with bolt_socket_mode(app, made.app_token):
        sign_in_as(page, server, workspace, "alice")
        open_conversation(page, "general")
        bot.chat_postEphemeral(
            channel=general,
            user=workspace.alice.user_id,
            text="Sure?",
            blocks=[
                {
                    "type": "section",
                    "text": md("Only you: *sure?*"),
                    "accessory": {
                        "type": "image",
                        "image_url": f"{images.url}/side.jpg",
                        "alt_text": "side",
                    },
                },
                {
                    "type": "actions",
                    "elements": [
                        {"type": "button", "action_id": "confirm", "text": plain("Confirm")}
                    ],
                },
            ],
        )
        shown = page.locator("#messages article.msg", has_text="Only you: sure?")
        expect(shown.locator(".ephemeral-note")).to_have_text("Only visible to you")
        icon = shown.locator("img.bk-accessory-img")
        expect(icon).to_have_attribute("src", re.compile(r"^/img\?.*ephemeral=1"))
        page.wait_for_function(
            "(img) => img.complete && img.naturalWidth === 88", arg=icon.element_handle()
        )
        shown.get_by_role("button", name="Confirm").click()
        confirmed = page.locator("#messages article.msg", has_text="Confirmed, just for you")
        expect(confirmed).to_be_visible()
        expect(page.locator("#messages")).not_to_contain_text("Only you: sure?")
        [body] = seen
        assert body["container"]["is_ephemeral"] is True and "message" not in body
        confirmed.get_by_role("button", name="Dismiss").click()
        expect(confirmed).to_have_count(0)
        expect(page.locator(".toast.error")).to_have_count(0)
