// Opening a conversation at a message however far back (a search result, a pin, a permalink),
// as Slack does: a window of history around it (timeline.js `Timeline.window`), the message in
// the middle, flashed. Scrolling up reads older pages, scrolling down newer ones until the
// window joins the present; meanwhile a bar says "You're viewing older messages" with the
// count of new ones and "Jump to present". Methods of Client (app.js).

import { call } from "./api.js";
import { h } from "./dom.js";
import { Timeline } from "./timeline.js";

const HALF = 25; // messages read on each side of the one opened
const PAGE = 50;
const NEAR_END = 300; // px from the bottom at which the next newer page is read
const TS = /^\d{1,12}\.\d{1,6}$/;

export class Jump {
  // Brings a message (a permalink, a search result) into the timeline: it is there already, or
  // a window around it replaces what was held; a page more when it is among the oldest read,
  // so that it is seen with what came before it.
  async reveal(id, ts) {
    if (!TS.test(ts)) return; // a link's ts that is none opens the conversation as it is
    if (!this.timeline(id).get(ts)) await this.loadAround(id, ts);
    const tl = this.timeline(id);
    const above = tl.list().findIndex((m) => m.ts === ts);
    if (above >= 0 && above < 10 && tl.cursor) await this.loadOlder(id);
  }

  // conversations.history twice: the message and older (latest, inclusive), and the newer ones
  // nearest it (oldest alone: Slack reads forward from it, newest first, its cursor going on
  // forward). The window is in place before the reads, so a live message that comes meanwhile
  // is held, and joins if the newer read ends at the present.
  async loadAround(id, ts) {
    const tl = Timeline.window();
    this.timelines.set(id, tl);
    let before;
    let after;
    try {
      [before, after] = await Promise.all([
        call("conversations.history", { channel: id, latest: ts, inclusive: true, limit: HALF }),
        call("conversations.history", { channel: id, oldest: ts, limit: HALF }),
      ]);
    } catch (err) {
      // Not a window that never ends: the conversation as it is now, and why.
      this.fail("That message did not open.", err);
      this.timelines.set(id, new Timeline());
      await this.loadNewest(id);
      return;
    }
    for (const m of [...before.messages, ...after.messages]) tl.put(m);
    tl.cursor = before.has_more ? before.response_metadata?.next_cursor ?? "" : "";
    if (after.has_more && after.response_metadata?.next_cursor) tl.newer = after.response_metadata.next_cursor;
    else tl.joinPresent();
    tl.loaded = true;
    await this.ensureUsers([...before.messages, ...after.messages].map((m) => m.user));
  }

  // The next newer page of a detached window, drawn below with the reader's place kept.
  async loadNewer(id) {
    const tl = this.timeline(id);
    if (!tl.detached || tl.newer === "pending" || tl.loadingNewer) return;
    tl.loadingNewer = true;
    try {
      const data = await call("conversations.history", { channel: id, limit: PAGE, cursor: tl.newer });
      for (const m of data.messages) tl.put(m);
      if (data.has_more && data.response_metadata?.next_cursor) tl.newer = data.response_metadata.next_cursor;
      else tl.joinPresent();
      await this.ensureUsers(data.messages.map((m) => m.user));
    } catch (err) {
      this.fail("Newer messages did not load.", err);
    } finally {
      tl.loadingNewer = false;
    }
    if (id === this.current && this.timeline(id) === tl) this.drawMessages({ keepTop: true });
  }

  // Scrolled near the end of a detached window: the next newer page.
  nearEnd() {
    const list = this.list;
    if (this.current && list.scrollHeight - list.scrollTop - list.clientHeight < NEAR_END) this.loadNewer(this.current);
  }

  // Back to the newest messages: the window is dropped and the newest page read, as on opening.
  async jumpToPresent() {
    const id = this.current;
    if (!id || !this.timeline(id).detached) return;
    this.timelines.set(id, new Timeline());
    this.highlighted = null;
    await this.loadNewest(id);
    if (id !== this.current) return;
    this.drawMessages({ toBottom: true });
    this.markSoon();
    this.input.focus();
  }

  // The bar under a detached window; hidden once it reaches the present.
  drawPresentBar() {
    if (!this.presentBar) {
      this.presentNote = h("span", { class: "present-note" });
      this.presentBar = h(
        "div",
        { class: "present-bar", role: "status", hidden: true },
        this.presentNote,
        h("button", { class: "primary", onclick: () => this.jumpToPresent() }, "Jump to present"),
      );
      this.list.after(this.presentBar);
    }
    const tl = this.current ? this.timeline(this.current) : null;
    this.presentBar.hidden = !tl?.detached;
    if (!tl?.detached) return;
    const fresh = tl.held.size;
    this.presentNote.textContent = `You're viewing older messages${fresh ? ` · ${fresh} new ${fresh === 1 ? "message" : "messages"}` : ""}`;
  }
}
