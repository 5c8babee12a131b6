// hubbub's browser client. It uses only what any Slack client has: the Web API (api.js) and the
// RTM socket (rtm.js). It draws into #app; the server sends only the shell (web/pages.py).

import { call, pages, signOut, SlackError } from "./api.js";
import { append, clear, h } from "./dom.js";
import { clock, colourFor, dayKey, dayLabel, displayName, initials } from "./format.js";
import { compose, editable, render } from "./mrkdwn.js";
import { Rtm } from "./rtm.js";
import { mentions, threadOnly, Timeline, withReaction } from "./timeline.js";
import { Dialogs } from "./dialogs.js";

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
    this.channels = new Map();
    this.counts = new Map();
    this.timelines = new Map();
    this.threads = new Map();
    this.presence = new Map();
    this.typing = new Map(); // channel -> Map(user -> expiry)
    this.current = null;
    this.thread = null; // { channel, ts }
    this.editing = null; // ts being edited in the channel view
    this.emojiMap = null;
    this.lastTyping = 0;
    this.rtm = new Rtm((event) => this.onEvent(event), (status, info) => this.onStatus(status, info));
    this.dialogs = new Dialogs(this);
    this.build();
  }

  // -- boot -------------------------------------------------------------------------------

  async start() {
    const [, channel] = this.route();
    // The first screen needs three reads, in parallel: the conversation's newest page, the
    // sidebar's list, and the emoji names its text may use. The socket opens alongside.
    const emoji = fetch("/static/vendor/emoji.json").then((r) => (r.ok ? r.json() : {})).catch(() => ({}));
    const first = channel ? this.loadNewest(channel).catch(() => null) : null;
    const sidebar = this.loadSidebar();
    this.emojiMap = await emoji;
    await sidebar;
    const open = channel && this.channels.has(channel) ? channel : this.defaultChannel();
    if (first) await first;
    if (open) await this.open(open, { replace: true, focus: this.params().get("ts") });
    const threadTs = this.params().get("thread_ts");
    if (open && threadTs) this.openThread(open, threadTs, this.params().get("ts"));
    this.rtm.start();
    this.refreshCounts();
    if (window.Notification?.permission === "default") {
      document.addEventListener("click", () => Notification.requestPermission().catch(() => {}), { once: true });
    }
    window.addEventListener("popstate", () => {
      const [, id] = this.route();
      if (id && id !== this.current) this.open(id, { push: false });
    });
    document.addEventListener("visibilitychange", () => this.markSoon());
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
    await this.ensureUsers(ims);
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
    // Slack names a group DM mpdm-<a>--<b>--<c>-1.
    if (c.is_mpim) {
      const mine = this.users.get(this.me)?.name;
      const names = c.name.replace(/^mpdm-/, "").replace(/-\d+$/, "").split("--");
      return names.filter((n) => n !== mine).join(", ");
    }
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
        this.toast(err instanceof SlackError ? `Cannot open that conversation (${err.error}).` : String(err));
        return;
      }
    }
    this.current = id;
    this.editing = null;
    this.highlighted = focus; // kept across redraws, so a live event does not drop it
    if (!focus) this.input.focus();
    const url = `/client/${this.team}/${id}`;
    if (replace) history.replaceState(null, "", url + window.location.search);
    else if (push) history.pushState(null, "", url);
    this.root.classList.remove("nav-open");
    this.drawHeader();
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

  async reveal(id, ts) {
    const tl = this.timeline(id);
    for (let i = 0; i < 40 && !tl.get(ts) && tl.cursor; i++) await this.loadOlder(id);
  }

  highlight(ts) {
    const node = this.list.querySelector(`[data-ts="${CSS.escape(ts)}"]`);
    if (!node) return;
    node.scrollIntoView({ block: "center" });
    node.focus({ preventScroll: true });
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

  // -- live events ------------------------------------------------------------------------

  onStatus(status, info) {
    this.status.textContent = { live: "", connecting: "Connecting…", reconnecting: "Reconnecting…", offline: "Offline: reconnecting…" }[status] ?? status;
    this.status.hidden = status === "live";
    if (status !== "live") return;
    this.subscribePresence();
    this.refreshCounts();
    // A fresh session (not resumed) starts from now: what was posted while the page loaded is
    // read once more from history; a resumed one has had it replayed.
    if (!info?.resumed && this.current) this.loadNewest(this.current).then(() => this.drawMessages({}));
  }

  onEvent(e) {
    switch (e.type) {
      case "message":
        return this.onMessage(e);
      case "reaction_added":
      case "reaction_removed":
        return this.onReaction(e);
      case "pin_added":
      case "pin_removed":
        return this.onPin(e);
      case "user_typing":
        return this.onTyping(e);
      case "presence_change":
        for (const id of e.users ?? [e.user]) this.presence.set(id, e.presence);
        return this.drawPresence();
      case "channel_marked":
      case "group_marked":
      case "im_marked":
      case "mpim_marked":
        return this.onMarked(e);
      case "member_joined_channel":
      case "channel_joined":
      case "group_joined":
      case "im_created":
      case "mpim_joined":
        return this.onJoined(e);
      case "member_left_channel":
      case "channel_left":
      case "group_left":
        return this.onLeft(e);
      case "channel_rename":
      case "group_rename":
        return this.onRename(e);
      case "user_change":
      case "team_join":
        this.users.set(e.user.id, e.user);
        return this.redraw();
      case "desktop_notification":
        return this.onNotification(e);
      case "hubbub_resync":
        this.timelines.clear();
        this.threads.clear();
        return this.current && this.open(this.current, { push: false });
      default:
        return undefined;
    }
  }

  // Someone mentioned me, wrote to me or in a thread of mine (docs/integrations.md): the
  // system's notification while the page is hidden and notifications are allowed, else a
  // toast; none for the conversation in view. Permission is asked on the first click.
  onNotification(e) {
    const visible = document.visibilityState === "visible";
    if (visible && e.channel === this.current) return;
    if (!visible && window.Notification?.permission === "granted") {
      const note = new Notification(`${e.subtitle} (${e.title})`, { body: e.content, tag: `${e.channel}/${e.msg}` });
      note.onclick = () => {
        window.focus();
        this.open(e.channel, { focus: e.msg });
        note.close();
      };
      return;
    }
    this.toast(`${e.subtitle}: ${e.content}`);
  }

  onMessage(e) {
    const channel = e.channel;
    if (e.subtype === "message_changed") {
      const m = e.message;
      this.timeline(channel).update(m.ts, (old) => ({ ...old, ...m }));
      this.threadOf(channel, m.thread_ts)?.update(m.ts, (old) => ({ ...old, ...m }));
      return this.redraw(channel);
    }
    if (e.subtype === "message_deleted") {
      const gone = this.timeline(channel).get(e.deleted_ts);
      this.timeline(channel).remove(e.deleted_ts);
      const thread = e.previous_message?.thread_ts ?? gone?.thread_ts;
      if (this.threadOf(channel, thread)?.remove(e.deleted_ts) && thread !== e.deleted_ts) {
        this.timeline(channel).update(thread, (p) => ({ ...p, reply_count: Math.max(0, (p.reply_count ?? 1) - 1) }));
      }
      return this.redraw(channel);
    }
    const m = { ...e };
    delete m.hubbub_cursor;
    const known = this.users.has(m.user);
    let fresh;
    if (threadOnly(m)) {
      const thread = this.threadOf(channel, m.thread_ts);
      fresh = thread ? thread.put(m) : !this.seenReplies(channel).has(m.ts);
      this.seenReplies(channel).add(m.ts);
      if (fresh) {
        this.timeline(channel).update(m.thread_ts, (p) => ({
          ...p,
          reply_count: (p.reply_count ?? 0) + 1,
          reply_users: [...new Set([...(p.reply_users ?? []), m.user])],
          latest_reply: m.ts,
        }));
      }
    } else {
      fresh = this.timeline(channel).put(m);
      if (m.thread_ts) this.threadOf(channel, m.thread_ts)?.put(m);
    }
    this.clearTyping(channel, m.user);
    if (fresh && m.user !== this.me && !threadOnly(m)) this.countUnread(channel, m);
    if (!known) this.ensureUsers([m.user]).then(() => this.redraw(channel));
    this.redraw(channel);
  }

  seenReplies(channel) {
    this.replySeen ??= new Map();
    if (!this.replySeen.has(channel)) this.replySeen.set(channel, new Set());
    return this.replySeen.get(channel);
  }

  countUnread(channel, m) {
    const conv = this.channels.get(channel);
    const atBottom = this.atBottom();
    if (channel === this.current && document.visibilityState === "visible" && atBottom) {
      this.markSoon();
      return;
    }
    const count = this.counts.get(channel) ?? { id: channel, mention_count: 0, unread_count: 0 };
    count.has_unreads = true;
    count.unread_count = (count.unread_count ?? 0) + 1;
    if (conv?.is_im || mentions(m, this.me)) count.mention_count = (count.mention_count ?? 0) + 1;
    this.counts.set(channel, count);
    this.drawSidebar();
  }

  onMarked(e) {
    const count = this.counts.get(e.channel) ?? { id: e.channel };
    count.last_read = e.ts;
    if (e.unread_count_display !== undefined) {
      count.unread_count = e.unread_count_display;
      count.mention_count = e.mention_count_display ?? e.mention_count ?? 0;
      count.has_unreads = count.unread_count > 0;
      this.counts.set(e.channel, count);
      this.drawSidebar();
    } else {
      this.countsSoon();
    }
  }

  onReaction(e) {
    if (e.item?.type !== "message") return;
    const change = (m) => withReaction(m, e.reaction, e.user, e.type === "reaction_added");
    this.timeline(e.item.channel).update(e.item.ts, change);
    for (const tl of this.threadsOf(e.item.channel)) tl.update(e.item.ts, change);
    this.redraw(e.item.channel);
  }

  onPin(e) {
    const channel = e.channel_id ?? e.item?.channel;
    const ts = e.item?.message?.ts ?? e.item?.ts;
    if (!channel || !ts) return;
    const pinned = e.type === "pin_added";
    const change = (m) => ({ ...m, pinned_to: pinned ? [channel] : undefined });
    this.timeline(channel).update(ts, change);
    for (const tl of this.threadsOf(channel)) tl.update(ts, change);
    this.redraw(channel);
  }

  onTyping(e) {
    if (e.user === this.me) return;
    if (!this.typing.has(e.channel)) this.typing.set(e.channel, new Map());
    this.typing.get(e.channel).set(e.user, Date.now() + 6000);
    this.ensureUsers([e.user]).then(() => this.drawTyping());
    setTimeout(() => this.drawTyping(), 6100);
  }

  clearTyping(channel, user) {
    if (this.typing.get(channel)?.delete(user)) this.drawTyping();
  }

  async onJoined(e) {
    const id = e.channel?.id ?? e.channel;
    if (e.type === "member_joined_channel" && e.user !== this.me) return;
    if (typeof e.channel === "object" && e.channel.id) this.channels.set(id, { ...e.channel, is_member: true });
    try {
      const data = await call("conversations.info", { channel: id });
      this.channels.set(id, data.channel);
      if (data.channel.is_im) await this.ensureUsers([data.channel.user]);
    } catch (err) {
      console.warn("join", err);
    }
    this.drawSidebar();
  }

  onLeft(e) {
    if (e.type === "member_left_channel" && e.user !== this.me) return;
    const id = e.channel?.id ?? e.channel;
    this.channels.delete(id);
    this.drawSidebar();
    if (id === this.current) this.open(this.defaultChannel());
  }

  onRename(e) {
    const c = this.channels.get(e.channel.id);
    if (c) c.name = e.channel.name;
    this.drawSidebar();
    if (e.channel.id === this.current) this.drawHeader();
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
    }
    this.threadInput.focus();
  }

  closeThread() {
    this.thread = null;
    this.threadPanel.hidden = true;
    this.root.classList.remove("thread-open");
    this.input.focus();
  }

  // -- acting -----------------------------------------------------------------------------

  composeCtx() {
    return {
      userByName: (name) => {
        const lower = name.toLowerCase();
        for (const u of this.users.values()) {
          const p = u.profile ?? {};
          if ([u.name, p.display_name].some((n) => n && n.toLowerCase() === lower)) return u.id;
        }
        return null;
      },
      channelByName: (name) => [...this.channels.values()].find((c) => c.name === name && !c.is_im)?.id ?? null,
    };
  }

  async send(input, threadTs) {
    const typed = input.value;
    if (!typed.trim() || !this.current) return;
    const channel = threadTs ? this.thread.channel : this.current;
    input.value = "";
    autosize(input);
    const slash = /^(\/[a-z0-9_-]+)(?:\s+([\s\S]*))?$/i.exec(typed.trim());
    if (slash && !threadTs) return this.runCommand(input, typed, channel, slash[1], slash[2] ?? "");
    try {
      const data = await call("chat.postMessage", {
        channel,
        text: compose(typed, this.composeCtx()),
        thread_ts: threadTs,
        client_msg_id: crypto.randomUUID(),
      });
      // The socket brings the same message; held by ts, it is shown once either way.
      this.onMessage({ ...data.message, channel });
      this.markSoon();
    } catch (err) {
      input.value = typed;
      this.toast(`Not sent: ${err.error ?? err}`);
    }
  }

  // A slash command goes to its app (chat.command, docs/integrations.md); what the app shows
  // in the channel comes over the socket, and its answer for the caller alone is a toast.
  async runCommand(input, typed, channel, command, text) {
    try {
      const data = await call("chat.command", { channel, command, text });
      if (data.response?.text && data.response.response_type !== "in_channel") {
        this.toast(data.response.text);
      }
    } catch (err) {
      input.value = typed;
      this.toast(`${command} failed: ${err.error ?? err}`);
    }
  }

  async saveEdit(channel, ts, text) {
    try {
      await call("chat.update", { channel, ts, text: compose(text, this.composeCtx()) });
    } catch (err) {
      this.toast(`Not saved: ${err.error ?? err}`);
    }
    this.editing = null;
    this.redraw(channel);
  }

  async remove(channel, ts) {
    if (!(await this.dialogs.confirm("Delete this message? This cannot be undone.", "Delete"))) return;
    try {
      await call("chat.delete", { channel, ts });
      this.onMessage({ type: "message", subtype: "message_deleted", channel, deleted_ts: ts });
    } catch (err) {
      this.toast(`Not deleted: ${err.error ?? err}`);
    }
  }

  async react(channel, m, name) {
    const mine = (m.reactions ?? []).find((r) => r.name === name)?.users.includes(this.me);
    try {
      await call(mine ? "reactions.remove" : "reactions.add", { channel, timestamp: m.ts, name });
      this.onReaction({ type: mine ? "reaction_removed" : "reaction_added", user: this.me, reaction: name, item: { type: "message", channel, ts: m.ts } });
    } catch (err) {
      if (err.error !== "already_reacted" && err.error !== "no_reaction") this.toast(`Reaction failed: ${err.error ?? err}`);
    }
  }

  async pin(channel, m) {
    const pinned = Boolean(m.pinned_to?.length);
    try {
      await call(pinned ? "pins.remove" : "pins.add", { channel, timestamp: m.ts });
      this.onPin({ type: pinned ? "pin_removed" : "pin_added", channel_id: channel, item: { message: { ts: m.ts } } });
    } catch (err) {
      this.toast(`Pin failed: ${err.error ?? err}`);
    }
  }

  async copyLink(channel, m) {
    const { permalink } = await call("chat.getPermalink", { channel, message_ts: m.ts });
    try {
      await navigator.clipboard.writeText(permalink);
      this.toast("Link copied.");
    } catch {
      this.dialogs.show("Link to message", h("input", { class: "link-box", readonly: true, value: permalink, "aria-label": "Link to message" }));
    }
  }

  editLast() {
    const own = this.timeline(this.current).list().filter((m) => m.user === this.me && !m.subtype);
    const last = own[own.length - 1];
    if (!last) return false;
    this.editing = last.ts;
    this.drawMessages({});
    return true;
  }

  sendTyping(channel) {
    const now = Date.now();
    if (now - this.lastTyping < 3000) return;
    this.lastTyping = now;
    this.rtm.send({ type: "typing", channel });
  }

  onKey(e) {
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "k") {
      e.preventDefault();
      this.dialogs.switcher();
      return;
    }
    if (e.key === "Escape" && !document.querySelector("dialog[open]")) {
      if (this.editing) {
        this.editing = null;
        this.drawMessages({});
      } else if (this.thread) {
        this.closeThread();
      } else {
        this.root.classList.remove("nav-open");
      }
    }
  }

  toast(text) {
    const note = h("div", { class: "toast", role: "status" }, text);
    this.toasts.append(note);
    setTimeout(() => note.remove(), 4000);
  }

  // -- drawing ----------------------------------------------------------------------------

  build() {
    this.status = h("p", { class: "status", role: "status", hidden: true });
    this.toasts = h("div", { class: "toasts", "aria-live": "polite" });
    this.sidebar = h("div", { class: "sidebar-lists" });
    this.heading = h("h1", { id: "channel-title" });
    this.topic = h("p", { class: "topic" });
    this.headerTools = h("div", { class: "header-tools" });
    this.list = h("div", { id: "messages", role: "log", "aria-labelledby": "channel-title", tabindex: "0" });
    this.typingLine = h("p", { class: "typing", "aria-live": "polite" });
    this.inputLabel = h("label", { for: "composer-input", class: "visually-hidden" }, "Message");
    this.input = h("textarea", { id: "composer-input", rows: 1, autocomplete: "off" });
    this.threadList = h("div", { class: "thread-list", role: "log", "aria-label": "Replies" });
    this.threadInput = h("textarea", { id: "thread-input", rows: 1, placeholder: "Reply…" });
    this.threadPanel = h(
      "aside",
      { class: "thread", "aria-labelledby": "thread-title", hidden: true },
      h("header", { class: "thread-header" }, h("h2", { id: "thread-title" }, "Thread"), h("button", { class: "icon", "aria-label": "Close thread", onclick: () => this.closeThread() }, "✕")),
      this.threadList,
      this.composer(this.threadInput, "Reply", () => this.thread?.ts, h("label", { for: "thread-input", class: "visually-hidden" }, "Reply in thread")),
    );
    const top = h(
      "header",
      { class: "topbar" },
      h("button", { class: "icon menu", "aria-label": "Show conversations", onclick: () => this.root.classList.toggle("nav-open") }, "☰"),
      h("span", { class: "team-name" }, this.teamName),
      h("button", { class: "switch", onclick: () => this.dialogs.switcher(), "aria-keyshortcuts": "Control+K" }, "Jump to… ", h("kbd", {}, "Ctrl K")),
      this.status,
      h("button", { class: "signout", onclick: signOut }, "Sign out"),
    );
    const nav = h("nav", { class: "sidebar", "aria-label": "Conversations" }, this.sidebar);
    const main = h(
      "main",
      { class: "channel" },
      h("header", { class: "channel-header" }, h("div", {}, this.heading, this.topic), this.headerTools),
      this.list,
      this.typingLine,
      this.composer(this.input, "Send", () => undefined, this.inputLabel),
    );
    append(clear(this.root), [top, h("div", { class: "layout" }, nav, main, this.threadPanel), this.toasts]);
    this.root.classList.add("client");
    this.list.addEventListener("scroll", () => {
      if (this.list.scrollTop < 300) this.loadOlder(this.current);
      if (this.atBottom()) this.markSoon();
    });
  }

  composer(input, button, threadTs, label) {
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
      label,
      input,
      h("button", { type: "submit", class: "send" }, button),
    );
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
    this.topic.textContent = c?.topic?.value ?? "";
    document.title = `${this.label(c)} · ${this.teamName} · hubbub`;
    append(clear(this.headerTools), [
      h("button", { class: "pins", onclick: () => this.dialogs.pins(this.current) }, "Pinned"),
      c && !c.is_im && !c.is_mpim ? h("button", { onclick: () => this.dialogs.invite(this.current) }, "Add people") : null,
    ]);
  }

  drawSidebar() {
    const all = [...this.channels.values()];
    const named = all.filter((c) => !c.is_im && !c.is_mpim).sort((a, b) => a.name.localeCompare(b.name));
    const direct = all.filter((c) => c.is_im || c.is_mpim).sort((a, b) => this.title(a).localeCompare(this.title(b)));
    const item = (c) => {
      const count = this.counts.get(c.id);
      const unread = c.id !== this.current && count?.has_unreads;
      const badge = c.id !== this.current ? count?.mention_count ?? 0 : 0;
      const label = [this.label(c), unread ? "unread" : "", badge ? `${badge} mention${badge > 1 ? "s" : ""}` : ""].filter(Boolean).join(", ");
      const dot = c.is_im ? h("span", { class: `presence ${this.presence.get(c.user) ?? "away"}`, dataset: { user: c.user }, "aria-hidden": "true" }) : h("span", { class: "sigil", "aria-hidden": "true" }, c.is_private ? "🔒" : "#");
      return h(
        "li",
        {},
        h(
          "a",
          {
            href: `/client/${this.team}/${c.id}`,
            class: `conv${unread ? " unread" : ""}${c.id === this.current ? " active" : ""}`,
            "aria-current": c.id === this.current ? "page" : undefined,
            "aria-label": label,
            dataset: { channel: c.id },
            onclick: (e) => { e.preventDefault(); this.open(c.id); },
          },
          dot,
          h("span", { class: "name" }, c.is_im || c.is_mpim ? this.title(c) : c.name),
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

  drawMessages({ toBottom = false, keepBottomOffset = false }) {
    if (!this.current) return;
    const list = this.list;
    const wasAtBottom = this.atBottom();
    const fromBottom = list.scrollHeight - list.scrollTop;
    const tl = this.timeline(this.current);
    const nodes = [];
    if (tl.cursor) nodes.push(h("p", { class: "loading older" }, "Loading older messages…"));
    else if (tl.loaded) nodes.push(h("p", { class: "start" }, `This is the very beginning of ${this.label(this.channels.get(this.current))}.`));
    this.messageNodes(tl.list(), this.current, nodes, false);
    append(clear(list), nodes);
    if (toBottom || (wasAtBottom && !keepBottomOffset)) list.scrollTop = list.scrollHeight;
    else if (keepBottomOffset) list.scrollTop = list.scrollHeight - fromBottom;
    const input = list.querySelector(".edit-box");
    if (input) {
      input.focus();
      input.setSelectionRange(input.value.length, input.value.length);
    }
  }

  drawThread() {
    if (!this.thread) return;
    const { channel, ts } = this.thread;
    const tl = this.threads.get(`${channel}/${ts}`);
    const nodes = [];
    this.messageNodes(tl.list(), channel, nodes, true);
    const count = Math.max(0, tl.list().length - 1);
    if (tl.loaded) nodes.splice(1, 0, h("p", { class: "reply-count" }, `${count} ${count === 1 ? "reply" : "replies"}`));
    append(clear(this.threadList), nodes);
    this.threadList.scrollTop = this.threadList.scrollHeight;
  }

  messageNodes(messages, channel, nodes, inThread) {
    let prev = null;
    for (const m of messages) {
      if (!prev || dayKey(prev.ts) !== dayKey(m.ts)) {
        nodes.push(h("div", { class: "day", role: "separator" }, h("span", {}, dayLabel(m.ts))));
        prev = null;
      }
      const grouped = prev && prev.user === m.user && !prev.subtype && !m.subtype && Number(m.ts) - Number(prev.ts) < 300;
      nodes.push(this.messageNode(m, channel, grouped, inThread));
      prev = m;
    }
  }

  ctx() {
    return {
      me: this.me,
      emoji: (name) => this.emojiMap?.[name],
      userName: (id) => (this.users.has(id) ? this.userName(id) : undefined),
      channelName: (id) => this.channels.get(id)?.name,
      channelHref: (id) => `/client/${this.team}/${id}`,
    };
  }

  messageNode(m, channel, grouped, inThread) {
    const name = m.user ? this.userName(m.user) : m.username ?? "bot";
    const own = m.user === this.me;
    const editing = !inThread && this.editing === m.ts;
    const time = h("time", { datetime: new Date(Number(m.ts) * 1000).toISOString() }, clock(m.ts));
    const text = editing ? this.editBox(channel, m) : h("div", { class: "text" }, render(m.text, this.ctx()));
    const reactions = (m.reactions ?? []).map((r) => {
      const mine = r.users.includes(this.me);
      const who = r.users.map((u) => this.userName(u)).join(", ");
      const char = this.emojiMap?.[r.name] ?? `:${r.name}:`;
      return h(
        "button",
        { class: `reaction${mine ? " mine" : ""}`, "aria-pressed": String(mine), "aria-label": `${r.name} reaction, ${r.count}: ${who}`, title: `${who} reacted with :${r.name}:`, dataset: { name: r.name }, onclick: () => this.react(channel, m, r.name) },
        h("span", { class: "emoji", "aria-hidden": "true" }, char),
        h("span", { class: "count" }, String(r.count)),
      );
    });
    const actions = h(
      "div",
      { class: "actions", role: "toolbar", "aria-label": "Message actions" },
      h("button", { class: "icon", "aria-label": "Add reaction", title: "Add reaction", onclick: (e) => this.dialogs.reactions(e.currentTarget, (n) => this.react(channel, this.find(channel, m.ts) ?? m, n)) }, "☺"),
      inThread ? null : h("button", { class: "icon", "aria-label": "Reply in thread", title: "Reply in thread", onclick: () => this.openThread(channel, m.ts) }, "Reply"),
      h("button", { class: "icon", "aria-label": m.pinned_to?.length ? "Unpin" : "Pin to channel", title: m.pinned_to?.length ? "Unpin" : "Pin", onclick: () => this.pin(channel, m) }, m.pinned_to?.length ? "Unpin" : "Pin"),
      h("button", { class: "icon", "aria-label": "Copy link", title: "Copy link", onclick: () => this.copyLink(channel, m) }, "Link"),
      own && !inThread ? h("button", { class: "icon", "aria-label": "Edit message", title: "Edit", onclick: () => { this.editing = m.ts; this.drawMessages({}); } }, "Edit") : null,
      own ? h("button", { class: "icon", "aria-label": "Delete message", title: "Delete", onclick: () => this.remove(channel, m.ts) }, "Delete") : null,
    );
    const replies = !inThread && m.reply_count
      ? h("button", { class: "replies", onclick: () => this.openThread(channel, m.ts) }, `${m.reply_count} ${m.reply_count === 1 ? "reply" : "replies"}`)
      : null;
    const avatar = grouped
      ? h("div", { class: "gutter" }, time.cloneNode(true))
      : h("div", { class: "avatar", "aria-hidden": "true" }, initials(name));
    // Coloured by style property, not an inline style attribute: the CSP allows no inline styles.
    if (!grouped) avatar.style.backgroundColor = colourFor(m.user ?? name);
    const node = h(
      "article",
      { class: `msg${grouped ? " grouped" : ""}${!inThread && m.ts === this.highlighted ? " highlight" : ""}${m.pinned_to?.length ? " pinned" : ""}${m.subtype ? ` ${m.subtype}` : ""}`, dataset: { ts: m.ts, user: m.user ?? "" }, tabindex: "-1", "aria-label": `${name}, ${clock(m.ts)}` },
      avatar,
      h(
        "div",
        { class: "body" },
        grouped ? null : h("div", { class: "meta" }, h("span", { class: "author" }, name), m.user ? h("span", { class: `presence ${this.presence.get(m.user) ?? "away"}`, dataset: { user: m.user }, "aria-hidden": "true" }) : null, time),
        m.pinned_to?.length ? h("div", { class: "pinned-note" }, "Pinned") : null,
        text,
        m.edited && !editing ? h("span", { class: "edited" }, "(edited)") : null,
        attachmentNodes(m.attachments),
        reactions.length ? h("div", { class: "reactions" }, reactions) : null,
        replies,
      ),
      editing ? null : actions,
    );
    return node;
  }

  find(channel, ts) {
    return this.timeline(channel).get(ts) ?? this.threadOf(channel, this.thread?.ts)?.get(ts);
  }

  editBox(channel, m) {
    const box = h("textarea", { class: "edit-box", "aria-label": "Edit message" });
    box.value = editable(m.text, this.ctx());
    box.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey) {
        e.preventDefault();
        this.saveEdit(channel, m.ts, box.value);
      } else if (e.key === "Escape") {
        e.preventDefault();
        e.stopPropagation();
        this.editing = null;
        this.drawMessages({});
        this.input.focus();
      }
    });
    return h(
      "div",
      { class: "editing" },
      box,
      h("div", { class: "edit-actions" },
        h("button", { onclick: () => { this.editing = null; this.drawMessages({}); } }, "Cancel"),
        h("button", { class: "primary", onclick: () => this.saveEdit(channel, m.ts, box.value) }, "Save")),
    );
  }
}

// Slack attachments, as link previews and bots send them: the service, a linked title and the
// text, all as text. Images are left out: the page loads nothing from other hosts.
function attachmentNodes(attachments) {
  if (!Array.isArray(attachments) || !attachments.length) return null;
  const safe = (url) => (typeof url === "string" && /^https?:\/\//i.test(url) ? url : null);
  return attachments.filter((a) => a && typeof a === "object").map((a) => {
    const link = safe(a.title_link ?? a.from_url);
    const title = a.title ? (link ? h("a", { href: link, target: "_blank", rel: "noopener noreferrer nofollow" }, String(a.title)) : String(a.title)) : null;
    return h(
      "div",
      { class: "attachment" },
      a.service_name ? h("div", { class: "service" }, String(a.service_name)) : null,
      title ? h("div", { class: "title" }, title) : null,
      a.text || a.fallback ? h("div", { class: "summary" }, String(a.text || a.fallback)) : null,
    );
  });
}

function autosize(input) {
  input.style.height = "auto";
  input.style.height = `${Math.min(input.scrollHeight, 200)}px`;
}

const root = document.getElementById("app");
if (root) {
  window.hubbub = new Client(root);
  window.hubbub.start();
}
