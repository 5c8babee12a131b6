"""Files in the browser client (issue 18, docs/files.md In the browser): two people in one
channel, each in their own browser context, send files by the paperclip, by dropping them and by
pasting them, see them live, open images full size, download cards, send files in a thread,
delete them live, and see an upload refused or cancelled."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, FilePayload, Locator, Page, Route, expect
from slack_sdk import WebClient

from hubbub.services.hub import EventLog
from hubbub.store.tx import Tx
from tests.browser import axe
from tests.browser.client import message, open_conversation, send, sign_in_as
from tests.browser.conftest import screenshot
from tests.support.images import png
from tests.support.servers import Running, Server, Workspace, threaded_app
from tests.support.waiting import wait_for

# The server's per-file limit (file_max_bytes) in these tests: every file sent is smaller.
LIMIT = 64 * 1024
# The colour of pictures whose colour is not the point.
ORANGE = (230, 120, 40)
PDF = b"%PDF-1.4\n" + b"0" * 3000 + b"\n%%EOF\n"


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    with threaded_app(tmp_path / "data", file_max_bytes=LIMIT) as app:
        yield app


@pytest.fixture
def server(running: Running) -> Server:
    return running.server


class Held:
    """Holds the browser's uploads to the upload URL until released: the progress bar and the
    cancel button can then be seen and used while an upload is under way, whatever the speed."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.routes: list[Route] = []
        page.route("**/upload/v1/**", self.hold)

    def hold(self, route: Route) -> None:
        self.routes.append(route)

    def wait(self, count: int = 1) -> None:
        def held() -> bool:
            if len(self.routes) < count:
                # Playwright calls hold() only while it runs: within its wait, not in a sleep.
                self.page.wait_for_timeout(20)
            return len(self.routes) >= count

        wait_for(held, timeout=10, interval=0, what=f"{count} uploads at the upload URL")

    def release(self) -> None:
        for route in self.routes:
            route.continue_()
        self.page.unroute("**/upload/v1/**")


def attach(page: Page, files: list[FilePayload], button: str = "Attach files") -> None:
    """Attaches files with the composer's paperclip, through the browser's file chooser."""
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name=button, exact=True).click()
    assert chooser.value.is_multiple()
    chooser.value.set_files(files)


def upload_row(page: Page, name: str) -> Locator:
    return page.locator(".uploads .upload", has=page.locator(".file-name", has_text=name))


def loaded(page: Page, img: Locator) -> None:
    """Waits until the image has arrived and decoded (the CSP, the cookie and the URL work)."""
    expect(img).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())


def file_node(page: Page, name: str, within: str = "#messages") -> Locator:
    return page.locator(f"{within} [data-file]", has=page.locator(".file-name", has_text=name))


def file_message(page: Page, name: str, within: str = "#messages") -> Locator:
    """The message showing a file of that name."""
    shown = page.locator("[data-file]", has=page.locator(".file-name", has_text=name))
    return page.locator(f"{within} article.msg", has=shown)


def data_transfer(page: Page, name: str, mime: str, data: bytes) -> Any:
    """A DataTransfer holding one File, as a drop or a paste carries it."""
    return page.evaluate_handle(
        """([name, mime, bytes]) => {
          const dt = new DataTransfer();
          dt.items.add(new File([new Uint8Array(bytes)], name, { type: mime }));
          return dt;
        }""",
        [name, mime, list(data)],
    )


def test_image_by_paperclip_shows_live_opens_full_size_and_is_deleted_live(
    pair: tuple[Page, Page], server: Server
) -> None:
    alice, bob = pair
    image = png(48, 32, color=ORANGE)
    held = Held(alice)
    attach(alice, [{"name": "sunset.png", "mimeType": "image/png", "buffer": image}])
    row = upload_row(alice, "sunset.png")
    progress = row.get_by_role("progressbar", name="Uploading sunset.png")
    expect(progress).to_be_visible()
    expect(row.get_by_role("button", name="Cancel upload of sunset.png")).to_be_visible()
    held.wait()
    screenshot(alice, "files-uploading")
    axe.assert_accessible(alice)
    held.release()
    expect(row.locator(".upload-status")).to_have_text("Ready to send")
    assert progress.evaluate("p => p.value === p.max")

    send(alice, "Sunset from the roof")
    expect(alice.locator(".uploads .upload")).to_have_count(0)
    for page in (alice, bob):
        shown = message(page, "Sunset from the roof")
        loaded(page, shown.locator("figure.file.image img"))
        expect(shown.locator("figcaption .file-name")).to_have_text("sunset.png")
        expect(shown.locator("figcaption .file-meta")).to_have_text(f"{len(image)} B")

    # Bob opens it full size from the keyboard; Escape closes it and gives the focus back.
    thumb = bob.get_by_role("button", name="View sunset.png full size")
    thumb.focus()
    bob.keyboard.press("Enter")
    viewer = bob.get_by_role("dialog", name="sunset.png")
    expect(viewer).to_be_visible()
    loaded(bob, viewer.locator("img.full"))
    screenshot(bob, "files-viewer")
    download = viewer.get_by_role("link", name="Download")
    got = bob.request.get(download.get_attribute("href") or "")
    assert got.status == 200 and got.body() == image
    assert got.headers["content-disposition"].startswith("attachment")
    axe.assert_accessible(bob)
    # A message that comes in meanwhile redraws the list behind the dialog: the focus still
    # goes back to the image.
    send(alice, "nice one")
    expect(message(bob, "nice one")).to_be_attached()
    bob.keyboard.press("Escape")
    expect(viewer).to_have_count(0)
    expect(thumb).to_be_focused()

    # Only its uploader (or an admin) may delete it: Bob has no button for it; Alice has.
    expect(
        message(bob, "Sunset").get_by_role("button", name="Delete file sunset.png")
    ).to_have_count(0)
    src = message(bob, "Sunset").locator("img").get_attribute("src") or ""
    message(alice, "Sunset").get_by_role("button", name="Delete file sunset.png").click()
    alice.get_by_role("dialog").get_by_role("button", name="Delete file").click()
    for page in (alice, bob):
        gone = message(page, "Sunset from the roof")
        expect(gone.locator(".file.tombstone")).to_have_text("This file was deleted.")
        expect(gone.locator("img")).to_have_count(0)
    assert bob.request.get(src).status == 404
    # History says so too.
    bob.reload()
    expect(message(bob, "Sunset from the roof").locator(".file.tombstone")).to_be_visible()


def test_dropped_pdf_pasted_image_and_a_file_in_a_thread(pair: tuple[Page, Page]) -> None:
    alice, bob = pair
    # Files dragged over the conversation show where they will go; dropped, they are attached.
    carried = data_transfer(alice, "report.pdf", "application/pdf", PDF)
    zone = alice.locator("main.channel .drop-zone")
    expect(zone).to_be_hidden()
    alice.dispatch_event("main.channel", "dragenter", {"dataTransfer": carried})
    expect(zone).to_be_visible()
    expect(zone).to_have_text("Drop files to send them to #general")
    # One dropped beside the zones is refused (else the browser would leave for the file).
    refused = alice.locator("nav.sidebar").evaluate(
        """(nav, dt) => !nav.dispatchEvent(
              new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }))""",
        carried,
    )
    assert refused
    expect(alice.locator("main .uploads .upload")).to_have_count(0)
    alice.dispatch_event("main.channel", "drop", {"dataTransfer": carried})
    expect(zone).to_be_hidden()
    expect(upload_row(alice, "report.pdf").locator(".upload-status")).to_have_text("Ready to send")
    alice.locator("#composer-input").press("Enter")

    for page in (alice, bob):
        card = file_node(page, "report.pdf")
        expect(card).to_have_class("file card")
        expect(card.locator(".file-meta")).to_have_text("PDF · 2.9 KB")
        expect(card.locator(".file-icon")).to_have_text("PDF")
    link = file_node(bob, "report.pdf").get_by_role("link", name="Download report.pdf")
    got = bob.request.get(link.get_attribute("href") or "")
    assert got.status == 200 and got.body() == PDF
    assert got.headers["content-disposition"].startswith("attachment")
    assert got.headers["content-type"] == "application/pdf"

    # An image pasted into the composer is attached to it.
    image = png(300, 180, color=(40, 90, 200))
    alice.locator("#composer-input").evaluate(
        """(box, dt) => box.dispatchEvent(new ClipboardEvent("paste", {
              clipboardData: dt, bubbles: true, cancelable: true }))""",
        data_transfer(alice, "image.png", "image/png", image),
    )
    expect(upload_row(alice, "image.png").locator(".upload-status")).to_have_text("Ready to send")
    send(alice, "pasted it")
    loaded(bob, message(bob, "pasted it").locator("img"))
    expect(alice.locator("#composer-input")).to_have_value("")

    # Bob answers in the PDF's thread with a file from the thread's own paperclip.
    pdf_message = file_message(bob, "report.pdf")
    pdf_message.hover()
    pdf_message.get_by_role("button", name="Reply in thread").click()
    expect(file_node(bob, "report.pdf", within="aside.thread")).to_be_visible()
    board = png(64, 64, color=(20, 140, 90))
    attach(
        bob,
        [
            {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"minutes\n" * 300},
            {"name": "board.png", "mimeType": "image/png", "buffer": board},
        ],
        button="Attach files to the reply",
    )
    for name in ("notes.txt", "board.png"):
        expect(upload_row(bob, name).locator(".upload-status")).to_have_text("Ready to send")
    send(bob, "my notes", box="#thread-input")
    reply = message(bob, "my notes", within="aside.thread")
    expect(reply.locator("[data-file]")).to_have_count(2)
    loaded(bob, reply.locator("img"))
    # A reply that is only in the thread is not in the channel.
    expect(file_node(bob, "notes.txt")).to_have_count(0)

    replies = file_message(alice, "report.pdf")
    expect(replies.locator(".replies")).to_have_text("1 reply")
    replies.locator(".replies").click()
    notes = file_node(alice, "notes.txt", within="aside.thread")
    expect(notes.locator(".file-meta")).to_have_text("Plain Text · 2.3 KB")
    loaded(alice, file_node(alice, "board.png", within="aside.thread").locator("img"))
    expect(file_node(alice, "notes.txt")).to_have_count(0)
    screenshot(alice, "files")
    axe.assert_accessible(alice)

    # At a phone's width, cards and images fit the screen.
    alice.keyboard.press("Escape")
    alice.set_viewport_size({"width": 360, "height": 740})
    expect(alice.locator("nav.sidebar")).not_to_be_in_viewport()
    for name in ("report.pdf", "image.png"):
        box = file_node(alice, name).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360
    screenshot(alice, "files-phone")


def _general(client: WebClient) -> str:
    channels = client.conversations_list()["channels"]
    return str(next(c["id"] for c in channels if c["name"] == "general"))


def history(server: Server, workspace: Workspace) -> list[dict[str, Any]]:
    client = server.client(workspace.alice.token)
    messages: list[dict[str, Any]] = client.conversations_history(channel=_general(client))[
        "messages"
    ]
    return messages


def test_a_file_over_the_limit_is_refused_in_words_and_nothing_is_posted(
    pair: tuple[Page, Page], server: Server, workspace: Workspace
) -> None:
    alice, bob = pair
    attach(
        alice,
        [
            {
                "name": "huge.bin",
                "mimeType": "application/octet-stream",
                "buffer": b"x" * (LIMIT + 1),
            }
        ],
    )
    row = upload_row(alice, "huge.bin")
    expect(row.get_by_role("alert")).to_have_text(
        "Not uploaded: huge.bin is larger than this workspace allows."
    )
    expect(row.get_by_role("progressbar")).to_have_count(0)
    screenshot(alice, "files-refused")
    # Enter sends nothing: the only file failed and there is no text.
    alice.locator("#composer-input").press("Enter")
    send(alice, "after the refusal")
    expect(message(bob, "after the refusal")).to_be_visible()
    assert not [m for m in history(server, workspace) if m.get("files")]
    assert not alice.locator("#messages [data-file]").count()
    # The failed row goes when asked, and the focus goes back to the box.
    row.get_by_role("button", name="Remove huge.bin").click()
    expect(row).to_have_count(0)
    expect(alice.locator("main .uploads")).to_be_hidden()
    expect(alice.locator("#composer-input")).to_be_focused()


def test_cancel_stops_an_upload_under_way(
    pair: tuple[Page, Page], server: Server, workspace: Workspace
) -> None:
    alice, bob = pair
    held = Held(alice)
    attach(
        alice, [{"name": "slow.bin", "mimeType": "application/octet-stream", "buffer": b"y" * 4096}]
    )
    row = upload_row(alice, "slow.bin")
    expect(row.get_by_role("progressbar", name="Uploading slow.bin")).to_be_visible()
    held.wait()
    with alice.expect_event("requestfailed", lambda r: "/upload/v1/" in r.url):
        row.get_by_role("button", name="Cancel upload of slow.bin").click()
    expect(row).to_have_count(0)
    expect(alice.locator("#composer-input")).to_be_focused()
    send(alice, "no file after all")
    expect(message(bob, "no file after all")).to_be_visible()
    assert not [m for m in history(server, workspace) if m.get("files")]
    assert not bob.locator("#messages [data-file]").count()

    # Enter while an upload is under way sends the message once the upload has ended.
    attach(
        alice, [{"name": "later.bin", "mimeType": "application/octet-stream", "buffer": b"z" * 900}]
    )
    held.wait(2)
    send(alice, "sent while uploading")
    expect(alice.locator("#composer-input")).to_have_value("")
    held.release()
    shown = file_message(bob, "later.bin")
    expect(shown.locator(".text")).to_have_text("sent while uploading")
    expect(shown.locator(".file-meta")).to_have_text("Binary · 900 B")
    expect(upload_row(alice, "later.bin")).to_have_count(0)


def test_file_change_redraws_the_file_live(
    pair: tuple[Page, Page], running: Running, workspace: Workspace
) -> None:
    """A file_change (as when its thumbnails and size are made) is read again with files.info
    and the image redrawn: here it gains the size it is shown at."""
    alice, bob = pair
    wide = png(720, 90, color=ORANGE)
    attach(alice, [{"name": "wide.png", "mimeType": "image/png", "buffer": wide}])
    expect(upload_row(alice, "wide.png").locator(".upload-status")).to_have_text("Ready to send")
    send(alice, "a wide one")
    img = message(bob, "a wide one").locator("img")
    loaded(bob, img)
    file_id = message(bob, "a wide one").locator("[data-file]").get_attribute("data-file")
    assert file_id

    channel = bob.url.split("?")[0].rsplit("/", 1)[1]

    def unit(tx: Tx, log: EventLog) -> None:
        # What the thumbnail job does once it has read the image: its size, and the event.
        tx.set_file(workspace.team_id, file_id, original_w=720, original_h=90)
        change = {"type": "file_change", "file_id": file_id, "file": {"id": file_id}}
        log.channel_event(workspace.team_id, channel, {**change, "channel_id": channel})

    running.run(running.front.api.hub.commit(workspace.team_id, unit)).result(10)
    expect(img).to_have_attribute("width", "360")
    expect(img).to_have_attribute("height", "45")
    loaded(bob, message(bob, "a wide one").locator("img"))


def test_attached_files_stay_with_their_conversation(pair: tuple[Page, Page]) -> None:
    alice, bob = pair
    attach(alice, [{"name": "plan.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    expect(upload_row(alice, "plan.pdf").locator(".upload-status")).to_have_text("Ready to send")
    open_conversation(alice, "random")
    expect(upload_row(alice, "plan.pdf")).to_have_count(0)
    send(alice, "nothing attached here")
    open_conversation(bob, "random")
    expect(message(bob, "nothing attached here")).to_be_visible()
    expect(bob.locator("#messages [data-file]")).to_have_count(0)

    open_conversation(alice, "general")
    expect(upload_row(alice, "plan.pdf").locator(".upload-status")).to_have_text("Ready to send")
    send(alice, "the plan")
    open_conversation(bob, "general")
    expect(file_message(bob, "plan.pdf").locator(".text")).to_have_text("the plan")


def test_a_refused_share_keeps_the_text_and_the_files(
    pair: tuple[Page, Page], server: Server, workspace: Workspace
) -> None:
    alice, _ = pair
    api = server.client(workspace.alice.token)
    plans = api.conversations_create(name="plans")["channel"]["id"]
    alice.goto(f"{server.url}/client/{workspace.team_id}/{plans}")
    expect(alice.locator("#channel-title")).to_have_text("#plans")
    attach(alice, [{"name": "budget.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    row = upload_row(alice, "budget.pdf")
    expect(row.locator(".upload-status")).to_have_text("Ready to send")
    api.conversations_archive(channel=plans)
    send(alice, "the budget")
    expect(alice.locator(".toast")).to_have_text(
        "Not sent. The conversation is archived: nothing more can be posted in it."
    )
    expect(alice.locator("#composer-input")).to_have_value("the budget")
    expect(row.locator(".upload-status")).to_have_text("Ready to send")
    expect(row.get_by_role("button", name="Remove budget.pdf")).to_be_enabled()
    assert not [m for m in api.conversations_history(channel=plans)["messages"] if m.get("files")]


def test_files_work_where_the_browser_names_the_server_otherwise(
    server: Server, workspace: Workspace, two: tuple[BrowserContext, BrowserContext]
) -> None:
    """public_url says 127.0.0.1, the browser came by localhost: the upload URL and the file
    URLs the server hands out are used at the page's own address (its CSP allows only that, and
    the session cookie is that address's)."""
    named = Server(server.url.replace("127.0.0.1", "localhost"), server.data_dir)
    page = two[0].new_page()
    sign_in_as(page, named, workspace, "alice")
    image = png(40, 40, color=(200, 30, 30))
    attach(page, [{"name": "red.png", "mimeType": "image/png", "buffer": image}])
    expect(upload_row(page, "red.png").locator(".upload-status")).to_have_text("Ready to send")
    send(page, "by another name")
    shown = message(page, "by another name")
    loaded(page, shown.locator("img"))
    assert (shown.locator("img").get_attribute("src") or "").startswith(named.url + "/files-pri/")
    (file,) = next(m for m in history(server, workspace) if m.get("files"))["files"]
    assert file["url_private"].startswith(server.url)


def test_pinned_messages_show_their_files(
    pair: tuple[Page, Page], server: Server, workspace: Workspace
) -> None:
    """The pinned messages' dialog shows a pinned message's image (with its alt text) and its
    other files' cards, as the channel does."""
    _, bob = pair
    api = server.client(workspace.alice.token)
    channel = bob.url.split("?")[0].rsplit("/", 1)[1]
    chart = png(60, 40, color=ORANGE)
    given = api.files_getUploadURLExternal(
        filename="chart.png", length=len(chart), alt_txt="Sales by month"
    )
    assert httpx.post(given["upload_url"], content=chart, timeout=30).status_code == 200
    image = api.files_completeUploadExternal(
        files=[{"id": given["file_id"]}], channel_id=channel, initial_comment="the chart"
    )["files"][0]
    card = api.files_upload_v2(channel=channel, file=PDF, filename="notes.pdf")["file"]
    for file in (image, card):
        shares = api.files_info(file=file["id"])["file"]["shares"]["public"][channel]
        api.pins_add(channel=channel, timestamp=shares[0]["ts"])
    expect(file_message(bob, "notes.pdf")).to_be_visible()
    bob.get_by_role("button", name="Pinned", exact=True).click()
    dialog = bob.get_by_role("dialog")
    expect(dialog.locator(".pin")).to_have_count(2)
    img = dialog.locator("figure.file.image img")
    loaded(bob, img)
    expect(img).to_have_attribute("alt", "Sales by month")
    expect(dialog.locator(".file.card .file-name")).to_have_text("notes.pdf")
    axe.assert_accessible(bob)
