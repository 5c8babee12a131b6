"""The client's first hour: what a new team trips over in its first conversations."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from slack_sdk import WebClient

from tests.browser.client import message, send, sign_in_as
from tests.support.servers import Server, Workspace


def _general(client: WebClient) -> str:
    return next(c["id"] for c in client.conversations_list()["channels"] if c["is_general"])


def _errors(page: Page) -> list[str]:
    """The page's uncaught errors, collected as they happen."""
    seen: list[str] = []
    page.on("pageerror", lambda err: seen.append(str(err)))
    return seen


def test_a_new_dm_from_the_plus_dialog_opens_without_an_error(
    server: Server, workspace: Workspace, page: Page
) -> None:
    errors = _errors(page)
    sign_in_as(page, server, workspace, "alice")
    page.get_by_role("button", name="New direct message").click()
    page.get_by_label("Search people").fill("bob")
    page.get_by_role("dialog").get_by_role("checkbox").first.check()
    page.get_by_role("dialog").get_by_role("button", name="Message").click()
    expect(page.locator("#channel-title")).to_have_text("bob")
    expect(page).to_have_url(re.compile(r"/client/T\w+/D\w+$"))
    expect(page.locator("#composer-input")).to_have_attribute("placeholder", "Message bob")
    page.get_by_role("button", name="Create a channel").click()  # a later draw of the sidebar
    page.keyboard.press("Escape")
    expect(page.locator("nav .conv[aria-current=page] .name")).to_have_text("bob")
    assert errors == []


def test_error_toasts_speak_words_clear_on_success_and_leave_the_composer_free(
    server: Server, workspace: Workspace, page: Page
) -> None:
    sign_in_as(page, server, workspace, "alice")
    send(page, "x" * 40_001)
    toast = page.locator(".toast.error")
    expect(toast).to_have_text("Not sent. The message is too long. Split it into shorter ones.")
    expect(toast).to_have_attribute("title", "msg_too_long")
    box, composer = toast.bounding_box(), page.locator("form.composer").first.bounding_box()
    assert box is not None and composer is not None
    assert box["y"] + box["height"] <= composer["y"]  # above the composer, not over it

    page.locator("#composer-input").fill("short enough")
    page.locator("#composer-input").press("Enter")
    expect(message(page, "short enough")).to_be_visible()
    expect(toast).to_have_count(0)


def test_a_dm_notification_names_its_sender_once(
    server: Server, workspace: Workspace, page: Page
) -> None:
    sign_in_as(page, server, workspace, "alice")
    bob = server.client(workspace.bob.token)
    dm = bob.conversations_open(users=workspace.alice.user_id)["channel"]["id"]
    bob.chat_postMessage(channel=dm, text="are you there?")
    expect(page.locator(".toast")).to_have_text("bob: are you there?")


def test_channel_names_follow_slacks_rules_while_typing(
    server: Server, workspace: Workspace, page: Page
) -> None:
    sign_in_as(page, server, workspace, "alice")
    page.get_by_role("button", name="Create a channel").click()
    dialog = page.get_by_role("dialog", name="Create a channel")
    name = dialog.get_by_label("Name")
    hint = dialog.locator(".hint")
    expect(hint).to_have_text(
        "Names must be lowercase, without spaces or periods, "
        "and can't be longer than 80 characters."
    )
    name.press_sequentially("Q3 Plans")
    expect(name).to_have_value("q3-plans")
    expect(hint).not_to_have_class(re.compile("warn"))
    name.press_sequentially(".v2!")
    expect(name).to_have_value("q3-plansv2")
    expect(hint).to_have_class(re.compile("warn"))
    name.fill("a" * 90)
    expect(name).to_have_value("a" * 80)
    expect(dialog.locator(".chars-left")).to_have_text("0")

    name.fill("general")
    dialog.get_by_role("button", name="Create").click()
    expect(dialog.get_by_role("alert")).to_have_text(
        "That name is already taken by a channel, a person or a user group."
    )
    name.fill("Road Map")
    dialog.get_by_role("button", name="Create").click()
    expect(page.locator("#channel-title")).to_have_text("#road-map")

    page.get_by_role("button", name="Rename").click()
    dialog = page.get_by_role("dialog", name="Rename this channel")
    expect(dialog.get_by_label("Name")).to_have_value("road-map")
    dialog.get_by_label("Name").fill("Road Map 2027")
    dialog.get_by_role("button", name="Save").click()
    expect(page.locator("#channel-title")).to_have_text("#road-map-2027")


def test_a_thread_shows_its_parent_then_the_count_then_replies_each_editable(
    server: Server, workspace: Workspace, page: Page
) -> None:
    alice = server.client(workspace.alice.token)
    general = _general(alice)
    parent = alice.chat_postMessage(channel=general, text="the plan")["ts"]
    alice.chat_postMessage(channel=general, text="first step", thread_ts=parent)
    alice.chat_postMessage(channel=general, text="second step", thread_ts=parent)
    sign_in_as(page, server, workspace, "alice")
    root = message(page, "the plan")
    root.hover()
    root.get_by_role("button", name="Reply in thread").click()
    thread = page.locator("aside.thread .thread-list")
    expect(thread.locator(".reply-count")).to_have_text("2 replies")
    order = thread.locator("article.msg, .reply-count").evaluate_all(
        "nodes => nodes.map(n => n.classList.contains('reply-count') ? 'count' : n.innerText)"
    )
    assert [o.split("\n")[-1] if o != "count" else o for o in order] == [
        "the plan",
        "count",
        "first step",
        "second step",
    ]
    first = message(page, "first step", within="aside.thread")
    expect(first).not_to_have_class(re.compile("grouped"))
    expect(first.locator(".author")).to_have_text("alice")
    expect(message(page, "second step", within="aside.thread")).to_have_class(re.compile("grouped"))

    first.hover()
    first.get_by_role("button", name="Edit message").click()
    box = page.locator("aside.thread").get_by_role("textbox", name="Edit message")
    expect(box).to_be_focused()
    box.fill("step one")
    box.press("Enter")
    edited = message(page, "step one", within="aside.thread")
    expect(edited.locator(".text")).to_have_text("step one (edited)")  # on the text's own line
    assert alice.conversations_replies(channel=general, ts=parent)["messages"][1]["text"] == (
        "step one"
    )


def test_me_messages_topics_and_typed_links_render_as_slack_does(
    server: Server, workspace: Workspace, page: Page
) -> None:
    alice = server.client(workspace.alice.token)
    general = _general(alice)
    alice.conversations_setTopic(channel=general, topic="*Q3* goals <script>x</script> :tada:")
    sign_in_as(page, server, workspace, "alice")
    topic = page.locator(".channel-header .topic")
    expect(topic).to_have_text("Q3 goals <script>x</script> 🎉")
    expect(topic.locator("strong")).to_have_text("Q3")
    expect(topic.locator("script")).to_have_count(0)

    send(page, "/me waves")
    waved = message(page, "waves")
    expect(waved).to_have_class(re.compile("me_message"))
    expect(waved.locator(".text")).to_have_css("font-style", "italic")
    assert alice.conversations_history(channel=general, limit=1)["messages"][0]["subtype"] == (
        "me_message"
    )

    send(page, "<https://example.com|a link>")
    typed = message(page, "a link")
    expect(typed.locator(".text")).to_have_text("<https://example.com|a link>")
    expect(typed.locator("a")).to_have_count(1)
    expect(typed.locator("a")).to_have_attribute("href", "https://example.com")


def test_me_in_a_thread_is_an_italic_reply_there(
    server: Server, workspace: Workspace, page: Page
) -> None:
    """/me in the thread's composer is a me_message reply in that thread, as Slack posts it,
    not the text "/me …" and not a message in the channel."""
    alice = server.client(workspace.alice.token)
    general = _general(alice)
    parent = alice.chat_postMessage(channel=general, text="who is in for lunch")["ts"]
    sign_in_as(page, server, workspace, "alice")
    root = message(page, "who is in for lunch")
    root.hover()
    root.get_by_role("button", name="Reply in thread").click()
    send(page, "/me raises a hand", box="#thread-input")
    raised = message(page, "raises a hand", within="aside.thread")
    expect(raised).to_have_class(re.compile("me_message"))
    expect(raised.locator(".text")).to_have_text("raises a hand")
    expect(raised.locator(".text")).to_have_css("font-style", "italic")
    expect(root.get_by_role("button", name="1 reply")).to_be_visible()
    expect(message(page, "raises a hand")).to_have_count(0)
    [_, reply] = alice.conversations_replies(channel=general, ts=parent)["messages"]
    assert (reply["subtype"], reply["text"], reply["thread_ts"]) == (
        "me_message",
        "raises a hand",
        parent,
    )


def test_the_signup_hints_sit_under_their_boxes(server: Server, page: Page) -> None:
    page.goto(server.url + "/signup")
    hint = page.locator("#password-hint").bounding_box()
    box = page.get_by_label("Password").bounding_box()
    button = page.get_by_role("button", name="Create workspace").bounding_box()
    assert hint is not None and box is not None and button is not None
    assert box["y"] + box["height"] <= hint["y"]
    assert hint["y"] + hint["height"] <= button["y"]
