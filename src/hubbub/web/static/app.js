// hubbub's browser client. It uses only what any Slack client has: the Web API (api.js) and the
// RTM socket (rtm.js). It draws into #app; the server sends only the shell (web/pages.py).
//
// One Client holds the state; its methods live in modules of one concern each, mixed into it
// at the end of this file: live events (live.js), the page's frame (layout.js), the messages
// (messages.js; their blocks blocks.js), what the person does with them (acting.js), apps'
// modals (modals.js), Home tabs (home.js) and shortcuts (shortcuts.js), files (files.js, uploads.js), search (search.js),
// opening at an old message (jump.js).

import { call, pages } from "./api.js";
import { clear, h, mixin } from "./dom.js";
import { displayName } from "./format.js";
import { Rtm } from "./rtm.js";
import { Timeline } from "./timeline.js";
import { Dialogs } from "./dialogs.js";
import { describe } from "./errors.js";
import { Emoji } from "./emoji.js";
import { Live } from "./live.js";
import { Layout } from "./layout.js";
import { Messages } from "./messages.js";
import { Acting } from "./acting.js";
import { Modals } from "./modals.js";
import { Home } from "./home.js";
import { Shortcuts } from "./shortcuts.js";
import { Files } from "./files.js";
import { Search } from "./search.js";
import { Jump } from "./jump.js";

const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.content ?? "";
const PAGE = 50;

class Client {
  constructor(root) {
    this.root = root;
    this.team = meta("hubbub-team");
    this.me = meta("hubbub-user");
    this.teamName = root.dataset.teamName;
    this.users = new Map();
    this.pendingUsers = new Map();
    this.usergroups = new Map(); // id -> Slack's usergroup, with its users
    this.channels = new Map();
    this.counts = new Map();
    this.timelines = new Map();
    this.threads = new Map();
    this.presence = new Map();
    this.typing = new Map(); // channel -> Map(user -> expiry)
    this.current = null;
    this.thread = null; // { channel, ts }
    this.editing = null; // ts being edited in the channel view
    this.editingReply = null; // ts being edited in the thread
    this.emoji = new Emoji(); // none until vendor/emoji.json is read
    this.lastTyping = 0;
    this.rtm = new Rtm((event) => this.onEvent(event), (status, info) => this.onStatus(status, info));
    this.dialogs = new Dialogs(this);
    this.build();
  }

  // -- boot -------------------------------------------------------------------------------

  async start() {
    const [, channel] = this.route();
    // The first screen needs four reads, in parallel: the conversation's newest page, the
    // sidebar's list, and the emoji names its text may use, standard and custom. The socket opens alongside.
    const emoji = Emoji.load();
    const custom = call("emoji.list").catch(() => null); // the workspace's own emoji
    const first = channel ? this.loadNewest(channel).catch(() => null) : null;
    const sidebar = this.loadSidebar();
    this.emoji = await emoji;
    this.emoji.setCustom((await custom)?.emoji);
    await sidebar;
    const open = channel && this.channels.has(channel) ? channel : this.defaultChannel();
    if (first) await first;
    if (open) await this.open(open, { replace: true, focus: this.params().get("ts") });
    const threadTs = this.params().get("thread_ts");
    if (open && threadTs) this.openThread(open, threadTs, this.params().get("ts"));
    this.rtm.start();
    this.refreshCounts();
    this.loadUsergroups();
    this.loadShortcuts();
    if (window.Notification?.permission === "default") {
      document.addEventListener("click", () => Notification.requestPermission().catch(() => {}), { once: true });
    }
    window.addEventListener("popstate", () => {
      const [, id] = this.route();
      if (id && id !== this.current) this.open(id, { push: false });
    });
    document.addEventListener("visibilitychange", () => {
      this.markSoon();
      if (document.visibilityState === "visible") this.loadShortcuts(); // apps may have changed meanwhile
    });
    document.addEventListener("keydown", (e) => this.onKey(e));
  }

  route() {
    const parts = window.location.pathname.split("/").filter(Boolean);
    return parts[0] === "client" ? [parts[1], parts[2]] : [];
  }

  params() {
    return new URLSearchParams(window.location.search);
  }

  defaultChannel() {
    const named = [...this.channels.values()].filter((c) => !c.is_im && !c.is_mpim);
    return (named.find((c) => c.is_general) ?? named[0] ?? [...this.channels.values()][0])?.id;
  }

  async loadSidebar() {
    const types = "public_channel,private_channel,mpim,im";
    for await (const page of pages("users.conversations", { types, exclude_archived: true, limit: 500 }, "channels")) {
      for (const c of page) this.channels.set(c.id, c);
    }
    const ims = [...this.channels.values()].filter((c) => c.is_im).map((c) => c.user);
    await this.ensureUsers([...ims, this.me]); // me: whether I am an admin (files.js)
    this.subscribePresence();
    this.drawSidebar();
  }

  async refreshCounts() {
    clearTimeout(this.countsTimer);
    this.countsTimer = null;
    try {
      const data = await call("client.counts");
      for (const entry of [...data.channels, ...data.mpims, ...data.ims]) this.counts.set(entry.id, entry);
    } catch (err) {
      console.warn("counts", err);
    }
    if (this.current) this.zeroCount(this.current, false);
    this.drawSidebar();
    this.markSoon();
  }

  countsSoon() {
    this.countsTimer ??= setTimeout(() => this.refreshCounts(), 150);
  }

  // -- people -----------------------------------------------------------------------------

  async ensureUsers(ids) {
    const missing = [...new Set(ids)].filter((id) => id && !this.users.has(id));
    await Promise.all(missing.map((id) => this.fetchUser(id)));
  }

  fetchUser(id) {
    if (!this.pendingUsers.has(id)) {
      const pending = call("users.info", { user: id })
        .then((data) => this.users.set(id, data.user))
        .catch(() => this.users.set(id, { id, name: id }));
      this.pendingUsers.set(id, pending);
    }
    return this.pendingUsers.get(id);
  }

  async allUsers() {
    if (!this.usersListed) {
      this.usersListed = (async () => {
        for await (const page of pages("users.list", { limit: 500 }, "members")) {
          for (const u of page) this.users.set(u.id, u);
        }
      })();
    }
    await this.usersListed;
    return [...this.users.values()].filter((u) => !u.deleted);
  }

  userName(id) {
    return displayName(this.users.get(id)) || id;
  }

  // -- user groups: `@handle` typed becomes their mention; subteam_* events keep them current.

  async loadUsergroups() {
    try {
      const data = await call("usergroups.list", { include_users: true });
      for (const g of data.usergroups) this.usergroups.set(g.id, g);
    } catch (err) {
      console.warn("usergroups", err);
    }
  }

  onUsergroup(group) {
    const known = this.usergroups.get(group.id);
    this.usergroups.set(group.id, { ...group, users: group.users ?? known?.users ?? [] });
  }

  groupByHandle(handle) {
    const lower = handle.toLowerCase();
    return [...this.usergroups.values()].find((g) => g.handle === lower && !g.date_delete) ?? null;
  }

  myGroups() {
    return [...this.usergroups.values()].filter((g) => !g.date_delete && g.users?.includes(this.me)).map((g) => g.id);
  }

  subscribePresence() {
    const ids = new Set([...this.channels.values()].filter((c) => c.is_im).map((c) => c.user));
    for (const tl of this.timelines.values()) for (const m of tl.list().slice(-PAGE)) if (m.user) ids.add(m.user);
    ids.delete(undefined);
    this.rtm.send({ type: "presence_sub", ids: [...ids].slice(0, 500) });
  }

  // -- conversations ----------------------------------------------------------------------

  title(c) {
    if (!c) return "";
    if (c.is_im) return this.userName(c.user);
    // Slack names a group DM mpdm-<a>--<b>--<c>-1: everyone in it, the reader too.
    if (c.is_mpim) return c.name.replace(/^mpdm-/, "").replace(/-\d+$/, "").split("--").join(", ");
    return c.name;
  }

  label(c) {
    return c.is_im || c.is_mpim ? this.title(c) : `#${c.name}`;
  }

  timeline(id) {
    if (!this.timelines.has(id)) this.timelines.set(id, new Timeline());
    return this.timelines.get(id);
  }

  async loadNewest(id) {
    // A window around an old message reads its way to the present (jump.js): no gap in it.
    if (this.timeline(id).detached) return this.timeline(id);
    const data = await call("conversations.history", { channel: id, limit: PAGE });
    const tl = this.timeline(id);
    for (const m of data.messages) tl.put(m);
    if (!tl.loaded) tl.cursor = data.has_more ? data.response_metadata?.next_cursor ?? "" : "";
    tl.loaded = true;
    await this.ensureUsers(data.messages.map((m) => m.user));
    return tl;
  }

  async loadOlder(id) {
    const tl = this.timeline(id);
    if (!tl.cursor || tl.loadingOlder) return;
    tl.loadingOlder = true;
    try {
      const data = await call("conversations.history", { channel: id, limit: PAGE, cursor: tl.cursor });
      for (const m of data.messages) tl.put(m);
      tl.cursor = data.has_more ? data.response_metadata?.next_cursor ?? "" : "";
      await this.ensureUsers(data.messages.map((m) => m.user));
    } finally {
      tl.loadingOlder = false;
    }
    if (id === this.current) this.drawMessages({ keepBottomOffset: true });
  }

  async open(id, { push = true, replace = false, focus = null } = {}) {
    if (!this.channels.has(id)) {
      try {
        const data = await call("conversations.info", { channel: id });
        this.channels.set(id, data.channel);
      } catch (err) {
        this.fail("Cannot open that conversation.", err);
        return;
      }
    }
    this.current = id;
    this.channelFiles(); // its own files attached, if any, under its box
    this.editing = null;
    this.highlighted = focus; // kept across redraws, so a live event does not drop it
    if (!focus) this.input.focus();
    const url = `/client/${this.team}/${id}`;
    if (replace) history.replaceState(null, "", url + window.location.search);
    else if (push) history.pushState(null, "", url);
    this.root.classList.remove("nav-open");
    await this.resolveApp(this.channels.get(id)); // an app's DM has its Home tab (home.js)
    if (this.current !== id) return; // another was opened meanwhile
    this.drawHeader();
    this.drawTabs(focus);
    this.drawSidebar();
    const tl = this.timeline(id);
    if (!tl.loaded) {
      clear(this.list).append(h("p", { class: "loading" }, "Loading…"));
      await this.loadNewest(id);
    }
    if (focus) await this.reveal(id, focus);
    this.drawMessages({ toBottom: !focus });
    if (focus) this.highlight(focus);
    this.drawTyping();
    this.zeroCount(id, true);
    this.input.placeholder = `Message ${this.label(this.channels.get(id))}`;
    this.inputLabel.textContent = `Message ${this.label(this.channels.get(id))}`;
    if (!focus) this.input.focus();
  }

  highlight(ts) {
    const node = this.list.querySelector(`[data-ts="${CSS.escape(ts)}"]`);
    if (!node) return;
    node.scrollIntoView({ block: "center" });
    node.focus({ preventScroll: true });
    flash(node);
  }

  // -- read state -------------------------------------------------------------------------

  zeroCount(id, mark) {
    const count = this.counts.get(id);
    if (count) Object.assign(count, { unread_count: 0, mention_count: 0, has_unreads: false });
    this.drawSidebar();
    if (mark) this.markSoon();
  }

  markSoon() {
    clearTimeout(this.markTimer);
    this.markTimer = setTimeout(() => this.markRead(), 300);
  }

  async markRead() {
    const id = this.current;
    if (!id || document.visibilityState !== "visible") return;
    if (this.timeline(id).detached) return; // read up to an old window's end is not read up to now
    const last = this.timeline(id).last();
    if (!last) return;
    const count = this.counts.get(id);
    if (count && count.last_read >= last.ts) return;
    this.counts.set(id, { ...(count ?? { id }), last_read: last.ts, unread_count: 0, mention_count: 0, has_unreads: false });
    try {
      await call("conversations.mark", { channel: id, ts: last.ts });
    } catch (err) {
      console.warn("mark", err);
    }
  }


  // -- threads ----------------------------------------------------------------------------

  threadOf(channel, ts) {
    return ts ? this.threads.get(`${channel}/${ts}`) : undefined;
  }

  threadsOf(channel) {
    return [...this.threads].filter(([key]) => key.startsWith(`${channel}/`)).map(([, tl]) => tl);
  }

  async openThread(channel, ts, focus) {
    this.thread = { channel, ts };
    this.editingReply = null;
    this.threadFiles();
    const key = `${channel}/${ts}`;
    if (!this.threads.has(key)) this.threads.set(key, new Timeline());
    const tl = this.threads.get(key);
    this.threadPanel.hidden = false;
    this.root.classList.add("thread-open");
    this.drawThread();
    let cursor = "";
    do {
      const data = await call("conversations.replies", { channel, ts, limit: 200, cursor: cursor || undefined });
      for (const m of data.messages) {
        tl.put(m);
        this.seenReplies(channel).add(m.ts);
      }
      await this.ensureUsers(data.messages.map((m) => m.user));
      cursor = data.has_more ? data.response_metadata?.next_cursor ?? "" : "";
    } while (cursor);
    tl.loaded = true;
    this.drawThread();
    if (focus) {
      const node = this.threadList.querySelector(`[data-ts="${CSS.escape(focus)}"]`);
      node?.classList.add("highlight");
      node?.scrollIntoView({ block: "center" });
      if (node) flash(node);
    }
    this.threadInput.focus();
  }

  closeThread() {
    this.thread = null;
    this.threadPanel.hidden = true;
    this.root.classList.remove("thread-open");
    this.input.focus();
  }

  // -- keys and toasts --------------------------------------------------------------------

  onKey(e) {
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "k") {
      e.preventDefault();
      this.dialogs.switcher();
      return;
    }
    if (e.key === "Escape" && !document.querySelector("dialog[open]")) {
      if (this.closeSearch()) {
        // The search pane first: it sits over the rest.
      } else if (this.editing) {
        this.editing = null;
        this.drawMessages({});
      } else if (this.thread) {
        this.closeThread();
      } else {
        this.root.classList.remove("nav-open");
      }
    }
  }

  // A note for a few seconds; an error's stays longer, until something works again.
  toast(text, { error = false, code = "" } = {}) {
    const note = h("div", { class: error ? "toast error" : "toast", role: error ? "alert" : "status", title: code || undefined }, text);
    this.toasts.append(note);
    setTimeout(() => note.remove(), error ? 10_000 : 4000);
  }

  fail(what, err) {
    console.warn(what, err);
    this.toast(`${what} ${describe(err)}`, { error: true, code: err?.error });
  }

  clearErrors() {
    for (const note of this.toasts.querySelectorAll(".toast.error")) note.remove();
  }
}

// A message brought into view (a permalink, a search result) flashes once, by a CSS animation.
function flash(node) {
  node.classList.remove("flash");
  void node.offsetWidth; // restarts the animation when it flashes again
  node.classList.add("flash");
  node.addEventListener("animationend", () => node.classList.remove("flash"), { once: true });
}

mixin(Client, Live, Layout, Messages, Acting, Modals, Home, Shortcuts, Files, Search, Jump);

const root = document.getElementById("app");
if (root) {
  window.hubbub = new Client(root);
  window.hubbub.start();
}
