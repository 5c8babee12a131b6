// Drawing messages: the channel's list and the thread's, each message with its text, files,
// attachments, reactions and actions, and the box that edits one. Methods of Client (app.js).

import { append, clear, h } from "./dom.js";
import { clock, colourFor, dayKey, dayLabel, initials } from "./format.js";
import { editable, render } from "./mrkdwn.js";

export class Messages {
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
    focusEditBox(list);
  }

  drawThread() {
    if (!this.thread) return;
    const { channel, ts } = this.thread;
    const [parent, ...replies] = this.threads.get(`${channel}/${ts}`).list();
    const loaded = this.threads.get(`${channel}/${ts}`).loaded;
    // The parent, then the count as a divider, then the replies: the first reply starts a group
    // of its own, even from the parent's author.
    const nodes = [];
    if (parent) this.messageNodes([parent], channel, nodes, true);
    const count = replies.length;
    if (loaded) nodes.push(h("div", { class: "reply-count", role: "separator" }, h("span", {}, `${count} ${count === 1 ? "reply" : "replies"}`)));
    this.messageNodes(replies, channel, nodes, true, parent);
    append(clear(this.threadList), nodes);
    this.threadList.scrollTop = this.threadList.scrollHeight;
    focusEditBox(this.threadList);
  }

  // before: the message shown just above these, if any, so that a day is not marked twice.
  messageNodes(messages, channel, nodes, inThread, before = null) {
    let prev = null;
    let last = before;
    for (const m of messages) {
      if (!last || dayKey(last.ts) !== dayKey(m.ts)) {
        nodes.push(h("div", { class: "day", role: "separator" }, h("span", {}, dayLabel(m.ts))));
        prev = null;
      }
      const grouped = prev && prev.user === m.user && !prev.subtype && !m.subtype && Number(m.ts) - Number(prev.ts) < 300;
      nodes.push(this.messageNode(m, channel, grouped, inThread));
      prev = m;
      last = m;
    }
  }

  // Editing is one message at a time in each list: the channel's (editing) and the thread's
  // (editingReply).
  setEditing(ts, inThread) {
    if (inThread) {
      this.editingReply = ts;
      this.drawThread();
    } else {
      this.editing = ts;
      this.drawMessages({});
    }
  }

  ctx() {
    return {
      me: this.me,
      emoji: (name) => this.emoji.text(name),
      emojiNode: (text, label) => this.emoji.node(text, label),
      userName: (id) => (this.users.has(id) ? this.userName(id) : undefined),
      channelName: (id) => this.channels.get(id)?.name,
      groupHandle: (id) => this.usergroups.get(id)?.handle,
      channelHref: (id) => `/client/${this.team}/${id}`,
    };
  }

  messageNode(m, channel, grouped, inThread) {
    const name = m.user ? this.userName(m.user) : m.username ?? "bot";
    const own = m.user === this.me;
    const editing = (inThread ? this.editingReply : this.editing) === m.ts;
    const time = h("time", { datetime: new Date(Number(m.ts) * 1000).toISOString() }, clock(m.ts));
    // "(edited)" follows the text on its line, as in Slack.
    const text = editing
      ? this.editBox(channel, m, inThread)
      : h("div", { class: "text" }, render(m.text, this.ctx()), m.edited ? [" ", h("span", { class: "edited" }, "(edited)")] : null);
    const reactions = (m.reactions ?? []).map((r) => {
      const mine = r.users.includes(this.me);
      const who = r.users.map((u) => this.userName(u)).join(", ");
      return h(
        "button",
        { class: `reaction${mine ? " mine" : ""}`, "aria-pressed": String(mine), "aria-label": `${r.name} reaction, ${r.count}: ${who}`, title: `${who} reacted with :${r.name}:`, dataset: { name: r.name }, onclick: () => this.react(channel, m, r.name) },
        h("span", { class: "reaction-emoji", "aria-hidden": "true" }, this.emoji.named(r.name)),
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
      own ? h("button", { class: "icon", "aria-label": "Edit message", title: "Edit", onclick: () => this.setEditing(m.ts, inThread) }, "Edit") : null,
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
        this.fileNodes(m.files, inThread ? "thread" : "channel"),
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

  editBox(channel, m, inThread) {
    const box = h("textarea", { class: "edit-box", "aria-label": "Edit message" });
    box.value = editable(m.text, this.ctx());
    box.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey) {
        e.preventDefault();
        this.saveEdit(channel, m.ts, box.value);
      } else if (e.key === "Escape") {
        e.preventDefault();
        e.stopPropagation();
        this.setEditing(null, inThread);
        (inThread ? this.threadInput : this.input).focus();
      }
    });
    return h(
      "div",
      { class: "editing" },
      box,
      h("div", { class: "edit-actions" },
        h("button", { onclick: () => this.setEditing(null, inThread) }, "Cancel"),
        h("button", { class: "primary", onclick: () => this.saveEdit(channel, m.ts, box.value) }, "Save")),
    );
  }
}

// The box that edits a message, when a list has one: focused, the caret at its end.
function focusEditBox(list) {
  const input = list.querySelector(".edit-box");
  if (input) {
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
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
