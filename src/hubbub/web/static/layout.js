// The page's frame: the top bar (with the search box, search.js), the sidebar, the channel's
// header, the composers, the thread panel and the search pane. Methods of Client (app.js).

import { signOut } from "./api.js";
import { append, autosize, clear, h } from "./dom.js";
import { render } from "./mrkdwn.js";
import { Attachments, attachButton, dropTarget, pasteFiles, refuseStrayDrops } from "./uploads.js";

export class Layout {
  build() {
    this.status = h("p", { class: "status", role: "status", hidden: true });
    this.toasts = h("div", { class: "toasts", "aria-live": "polite" });
    this.sidebar = h("div", { class: "sidebar-lists" });
    this.heading = h("h1", { id: "channel-title" });
    this.topic = h("p", { class: "topic" });
    this.headerTools = h("div", { class: "header-tools" });
    this.tabsSlot = h("div", { class: "tabs-slot" }); // an app's DM: Home and Messages (home.js)
    this.homePane = h("section", { id: "app-home", class: "app-home", role: "tabpanel", "aria-labelledby": "tab-home", tabindex: "-1", hidden: true });
    this.list = h("div", { id: "messages", role: "log", "aria-labelledby": "channel-title", tabindex: "0" });
    this.typingLine = h("p", { class: "typing", "aria-live": "polite" });
    this.inputLabel = h("label", { for: "composer-input", class: "visually-hidden" }, "Message");
    this.input = h("textarea", { id: "composer-input", rows: 1, autocomplete: "off" });
    this.threadList = h("div", { class: "thread-list", role: "log", "aria-label": "Replies" });
    this.threadInput = h("textarea", { id: "thread-input", rows: 1, placeholder: "Reply…" });
    this.channelTray = h("div", { class: "uploads-slot" });
    this.threadTray = h("div", { class: "uploads-slot" });
    this.threadPanel = h(
      "aside",
      { class: "thread", "aria-labelledby": "thread-title", hidden: true },
      h("header", { class: "thread-header" }, h("h2", { id: "thread-title" }, "Thread"), h("button", { class: "icon", "aria-label": "Close thread", onclick: () => this.closeThread() }, "✕")),
      this.threadList,
      this.composer(this.threadInput, "Reply", () => this.thread?.ts, h("label", { for: "thread-input", class: "visually-hidden" }, "Reply in thread"), () => this.threadFiles(), this.threadTray, "Attach files to the reply"),
    );
    dropTarget(this.threadPanel, () => "Drop files to send them in this thread", (files) => this.threadFiles().add(files));
    const top = h(
      "header",
      { class: "topbar" },
      h("button", { class: "icon menu", "aria-label": "Show conversations", onclick: () => this.root.classList.toggle("nav-open") }, "☰"),
      h("span", { class: "team-name" }, this.teamName),
      h("button", { class: "switch", onclick: () => this.dialogs.switcher(), "aria-keyshortcuts": "Control+K" }, "Jump to… ", h("kbd", {}, "Ctrl K")),
      this.searchBox(),
      this.status,
      h("button", { class: "signout", onclick: signOut }, "Sign out"),
    );
    const nav = h("nav", { class: "sidebar", "aria-label": "Conversations" }, this.sidebar);
    this.followSidebarClicks(nav);
    const main = h(
      "main",
      { class: "channel" },
      h("header", { class: "channel-header" }, h("div", {}, this.heading, this.topic, this.tabsSlot), this.headerTools),
      this.list,
      this.homePane,
      this.typingLine,
      this.composer(this.input, "Send", () => undefined, this.inputLabel, () => this.channelFiles(), this.channelTray, "Attach files"),
    );
    this.main = main;
    refuseStrayDrops();
    dropTarget(main, () => `Drop files to send them to ${this.label(this.channels.get(this.current))}`, (files) => this.channelFiles().add(files));
    append(clear(this.root), [top, h("div", { class: "layout" }, nav, main, this.threadPanel, this.searchPane()), this.toasts]);
    this.root.classList.add("client");
    this.list.addEventListener("scroll", () => {
      if (this.list.scrollTop < 300) this.loadOlder(this.current);
      this.nearEnd(); // a window opened at an old message reads on towards the present (jump.js)
      if (this.atBottom()) this.markSoon();
    });
    // Whether each list is read to its end, for images that arrive after it was drawn (files.js).
    for (const list of [this.list, this.threadList]) {
      list.addEventListener("scroll", () => {
        list.dataset.stuck = String(list.scrollHeight - list.scrollTop - list.clientHeight < 40);
      });
    }
  }

  // files(): the Attachments of the conversation (or thread) the composer writes to; tray: where
  // their rows go.
  composer(input, button, threadTs, label, files, tray, attach) {
    pasteFiles(input, (picked) => files().add(picked));
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.send(input, threadTs());
      } else if (e.key === "ArrowUp" && !input.value && !threadTs()) {
        if (this.editLast()) e.preventDefault();
      }
    });
    input.addEventListener("input", () => {
      autosize(input);
      const channel = threadTs() ? this.thread.channel : this.current;
      if (input.value) this.sendTyping(channel);
    });
    return h(
      "form",
      { class: "composer", onsubmit: (e) => { e.preventDefault(); this.send(input, threadTs()); } },
      tray,
      label,
      this.shortcutsButton(),
      attachButton(attach, (picked) => files().add(picked)),
      input,
      h("button", { type: "submit", class: "send" }, button),
    );
  }

  // Files attached are kept per conversation and per thread, as a draft is: each composer shows
  // the rows of the one it writes to, and sends them there.
  attachments(key, input, label) {
    this.attached ??= new Map();
    if (!this.attached.has(key)) this.attached.set(key, new Attachments(input, label));
    return this.attached.get(key);
  }

  channelFiles() {
    const files = this.attachments(this.current, this.input, "Files to send");
    if (files.tray.parentNode !== this.channelTray) this.channelTray.replaceChildren(files.tray);
    return files;
  }

  threadFiles() {
    const key = this.thread ? `${this.thread.channel}/${this.thread.ts}` : "";
    const files = this.attachments(key, this.threadInput, "Files to send in the thread");
    if (files.tray.parentNode !== this.threadTray) this.threadTray.replaceChildren(files.tray);
    return files;
  }

  atBottom() {
    return this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 40;
  }

  redraw(channel) {
    if (!channel || channel === this.current) this.drawMessages({});
    if (this.thread && (!channel || channel === this.thread.channel)) this.drawThread();
  }

  drawHeader() {
    const c = this.channels.get(this.current);
    this.heading.textContent = this.label(c);
    append(clear(this.topic), render(c?.topic?.value ?? "", this.ctx()));
    document.title = `${this.label(c)} · ${this.teamName} · hubbub`;
    append(clear(this.headerTools), [
      h("button", { class: "pins", onclick: () => this.dialogs.pins(this.current) }, "Pinned"),
      c && !c.is_im && !c.is_mpim ? h("button", { onclick: () => this.dialogs.invite(this.current) }, "Add people") : null,
      c && !c.is_im && !c.is_mpim && !c.is_general ? h("button", { onclick: () => this.dialogs.renameChannel(this.current) }, "Rename") : null,
    ]);
  }

  // The sidebar is drawn anew on every count, presence or conversation change, and one drawn
  // between a press and its release loses the click: the pressed control is gone, and the
  // browser sends no click to the new one. So the release is heard on the nav, which stays:
  // when the control pressed has been replaced and the release lands on its successor (the
  // same conversation's link, the button of the same label), that one is clicked. A
  // conversation's link opens it, heard here too.
  followSidebarClicks(nav) {
    const CONTROL = "a.conv, button";
    const key = (el) => el?.dataset.channel ?? el?.getAttribute("aria-label") ?? null;
    let pressed = null;
    let replayed = null; // { key, at }: a click the browser may still send is not a second one
    nav.addEventListener("pointerdown", (e) => { pressed = e.button === 0 ? e.target.closest?.(CONTROL) ?? null : null; });
    nav.addEventListener("pointerup", (e) => {
      const control = pressed;
      pressed = null;
      replayed = null;
      if (!control || control.isConnected || key(control) === null) return; // not drawn again: the click follows
      const now = document.elementFromPoint(e.clientX, e.clientY)?.closest(CONTROL);
      if (now && nav.contains(now) && key(now) === key(control)) {
        replayed = { key: key(now), at: e.timeStamp };
        now.click();
      }
    });
    // In the capture phase, before a button's own handler: a repeat is stopped there.
    nav.addEventListener("click", (e) => {
      const control = e.target.closest?.(CONTROL);
      const again = replayed && e.isTrusted && key(control) === replayed.key && e.timeStamp - replayed.at < 1000;
      if (e.isTrusted) replayed = null;
      if (again) {
        e.preventDefault();
        e.stopPropagation();
      } else if (control?.matches("a.conv")) {
        e.preventDefault();
        this.open(control.dataset.channel);
      }
    }, true);
  }

  drawSidebar() {
    const all = [...this.channels.values()];
    const named = all.filter((c) => !c.is_im && !c.is_mpim).sort((a, b) => a.name.localeCompare(b.name));
    // Apps: DMs with an app's bot, as Slack lists them apart (each opens on its Home, home.js).
    const isApp = (c) => c.is_im && this.users.get(c.user)?.is_bot && Boolean(this.users.get(c.user)?.profile?.bot_id);
    const byTitle = (a, b) => this.title(a).localeCompare(this.title(b));
    const direct = all.filter((c) => (c.is_im || c.is_mpim) && !isApp(c)).sort(byTitle);
    const apps = all.filter(isApp).sort(byTitle);
    const item = (c) => {
      const count = this.counts.get(c.id);
      const unread = c.id !== this.current && count?.has_unreads;
      const badge = c.id !== this.current ? count?.mention_count ?? 0 : 0;
      // The link is named by its content (no aria-label, which must hold the visible text):
      // the name as shown, then, for screen readers only, what the bold and the badge say.
      const said = [unread ? "unread" : "", badge ? `${badge} mention${badge > 1 ? "s" : ""}` : ""].filter(Boolean);
      const dot = c.is_im ? h("span", { class: `presence ${this.presence.get(c.user) ?? "away"}`, dataset: { user: c.user }, "aria-hidden": "true" }) : h("span", { class: "sigil", "aria-hidden": "true" }, c.is_private ? this.emoji.node("🔒", "private") : "#");
      return h(
        "li",
        {},
        h(
          "a",
          {
            href: `/client/${this.team}/${c.id}`,
            class: `conv${unread ? " unread" : ""}${c.id === this.current ? " active" : ""}`,
            "aria-current": c.id === this.current ? "page" : undefined,
            dataset: { channel: c.id },
          },
          dot,
          h("span", { class: "name" }, c.is_im || c.is_mpim ? this.title(c) : c.name),
          said.length ? h("span", { class: "visually-hidden" }, `(${said.join(", ")})`) : null,
          badge ? h("span", { class: "badge", "aria-hidden": "true" }, String(badge)) : null,
        ),
      );
    };
    const section = (title, items, actions) =>
      h("section", { "aria-label": title }, h("div", { class: "section-head" }, h("h2", {}, title), ...actions), h("ul", {}, items.map(item)));
    append(clear(this.sidebar), [
      section("Channels", named, [
        h("button", { class: "icon", "aria-label": "Browse channels", title: "Browse channels", onclick: () => this.dialogs.browse() }, "☰"),
        h("button", { class: "icon", "aria-label": "Create a channel", title: "Create a channel", onclick: () => this.dialogs.createChannel() }, "+"),
      ]),
      section("Direct messages", direct, [
        h("button", { class: "icon", "aria-label": "New direct message", title: "New direct message", onclick: () => this.dialogs.newDm() }, "+"),
      ]),
      section("Apps", apps, [
        h("button", { class: "icon", "aria-label": "Add apps", title: "Add apps", onclick: () => this.dialogs.apps() }, "+"),
      ]),
      h("button", { class: "invite-people", onclick: () => this.dialogs.inviteLink() }, "Invite people to ", this.teamName),
    ]);
    const unread = [...this.counts.values()].reduce((n, c) => n + (c.mention_count ?? 0), 0);
    const c = this.channels.get(this.current);
    document.title = `${unread ? `(${unread}) ` : ""}${c ? `${this.label(c)} · ` : ""}${this.teamName} · hubbub`;
  }

  drawPresence() {
    for (const dot of this.root.querySelectorAll(".presence[data-user]")) {
      dot.className = `presence ${this.presence.get(dot.dataset.user) ?? "away"}`;
    }
  }

  drawTyping() {
    const now = Date.now();
    const who = [...(this.typing.get(this.current) ?? new Map())].filter(([, until]) => until > now).map(([u]) => this.userName(u));
    this.typingLine.textContent = who.length === 0 ? "" : who.length === 1 ? `${who[0]} is typing…` : `${who.slice(0, -1).join(", ")} and ${who.at(-1)} are typing…`;
  }
}
