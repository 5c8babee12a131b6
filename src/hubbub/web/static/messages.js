// Drawing messages: the channel's list and the thread's, each message with its text, files,
// attachments, reactions and actions, and the box that edits one. Methods of Client (app.js).

import { call } from "./api.js";
import { attachmentNodes, blockNodes } from "./blocks.js";
import { append, clear, h } from "./dom.js";
import { clock, colourFor, dayKey, dayLabel, displayName, initials } from "./format.js";
import { editable, render } from "./mrkdwn.js";

export class Messages {
  // keepTop: newer messages were added below (jump.js): the reader stays where they were.
  drawMessages({ toBottom = false, keepBottomOffset = false, keepTop = false }) {
    if (!this.current) return;
    const list = this.list;
    const wasAtBottom = this.atBottom();
    const fromBottom = list.scrollHeight - list.scrollTop;
    const fromTop = list.scrollTop;
    // A message focused (one opened by a link or a search) stays so when the list is redrawn.
    const focused = list.contains(document.activeElement) ? document.activeElement.dataset?.ts : null;
    const tl = this.timeline(this.current);
    const nodes = [];
    if (tl.cursor) nodes.push(h("p", { class: "loading older" }, "Loading older messages…"));
    else if (tl.loaded) nodes.push(h("p", { class: "start" }, `This is the very beginning of ${this.label(this.channels.get(this.current))}.`));
    this.messageNodes(tl.list(), this.current, nodes, false);
    if (tl.detached) nodes.push(h("p", { class: "loading newer" }, "Loading newer messages…"));
    append(clear(list), nodes);
    if (keepTop) list.scrollTop = fromTop;
    else if (toBottom || (wasAtBottom && !keepBottomOffset)) list.scrollTop = list.scrollHeight;
    else if (keepBottomOffset) list.scrollTop = list.scrollHeight - fromBottom;
    if (focused) list.querySelector(`article.msg[data-ts="${CSS.escape(focused)}"]`)?.focus({ preventScroll: true });
    this.drawPresentBar();
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
      // A bot's messages under different names or icons are apart, as Slack shows them.
      const grouped = prev && prev.user === m.user && prev.username === m.username && JSON.stringify(prev.icons) === JSON.stringify(m.icons) && !prev.subtype && !m.subtype && Number(m.ts) - Number(prev.ts) < 300;
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
      customEmoji: (name) => this.emoji.customNode(name),
      userName: (id) => (this.users.has(id) ? this.userName(id) : undefined),
      channelName: (id) => this.channels.get(id)?.name,
      groupHandle: (id) => this.usergroups.get(id)?.handle,
      channelHref: (id) => `/client/${this.team}/${id}`,
      // What apps' people and conversation pickers list (pickers.js).
      people: () => this.allUsers(),
      personName: (u) => displayName(u) || u.id,
      conversations: () => [...this.channels.values()],
      conversationLabel: (c) => this.label(c),
    };
  }

  messageNode(m, channel, grouped, inThread) {
    // A bot's own name and icon for this message (chat:write.customize), as Slack shows them.
    const name = m.bot_id && m.username ? m.username : m.user ? this.userName(m.user) : m.username ?? "bot";
    const own = m.user === this.me;
    const editing = (inThread ? this.editingReply : this.editing) === m.ts;
    const time = h("time", { datetime: new Date(Number(m.ts) * 1000).toISOString() }, clock(m.ts));
    // "(edited)" follows the text on its line, as in Slack. Blocks, where the client draws
    // them all, are shown instead of the text, as Slack does.
    const blockCtx = this.blockCtx(channel, m);
    const text = editing
      ? this.editBox(channel, m, inThread)
      : h("div", { class: "text" }, blockNodes(m.blocks, blockCtx) ?? render(m.text, this.ctx()), m.edited ? [" ", h("span", { class: "edited" }, "(edited)")] : null);
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
      this.moreActions(channel, m), // apps' message shortcuts (shortcuts.js)
    );
    const replies = !inThread && m.reply_count
      ? h("button", { class: "replies", onclick: () => this.openThread(channel, m.ts) }, `${m.reply_count} ${m.reply_count === 1 ? "reply" : "replies"}`)
      : null;
    const avatar = grouped
      ? h("div", { class: "gutter" }, time.cloneNode(true))
      : h("div", { class: "avatar", "aria-hidden": "true" }, this.botIcon(channel, m) ?? initials(name));
    // Coloured by style property, not an inline style attribute: the CSP allows no inline styles.
    if (!grouped) avatar.style.backgroundColor = colourFor(m.user ?? name);
    const node = h(
      "article",
      { class: `msg${grouped ? " grouped" : ""}${!inThread && m.ts === this.highlighted ? " highlight" : ""}${m.pinned_to?.length ? " pinned" : ""}${m.subtype ? ` ${m.subtype}` : ""}`, dataset: { ts: m.ts, user: m.user ?? "" }, tabindex: "-1", "aria-label": `${name}, ${clock(m.ts)}` },
      avatar,
      h(
        "div",
        { class: "body" },
        grouped ? null : h("div", { class: "meta" }, h("span", { class: "author" }, name), m.bot_id || m.app_id ? h("span", { class: "app-badge" }, "APP") : null, m.user ? h("span", { class: `presence ${this.presence.get(m.user) ?? "away"}`, dataset: { user: m.user }, "aria-hidden": "true" }) : null, time),
        m.pinned_to?.length ? h("div", { class: "pinned-note" }, "Pinned") : null,
        m.is_ephemeral ? h("div", { class: "ephemeral-note" }, "Only visible to you") : null,
        text,
        this.fileNodes(m.files, inThread ? "thread" : "channel"),
        attachmentNodes(m.attachments, blockCtx),
        reactions.length ? h("div", { class: "reactions" }, reactions) : null,
        replies,
      ),
      editing ? null : actions,
    );
    return node;
  }

  // The context blocks are drawn with in a message: a press calls blocks.actions (the app
  // answers by changing the message, which comes back over the socket), an image is shown
  // through the server's proxy, which checks it against this message.
  // The icon a bot chose for a message: an emoji's picture, or its image through the server's
  // image proxy (the page's CSP allows no other host); null for everyone else.
  botIcon(channel, m) {
    if (!m.bot_id || !m.icons) return null;
    const emoji = typeof m.icons.emoji === "string" ? m.icons.emoji.replace(/^:|:$/g, "") : "";
    if (emoji) return h("span", { class: "avatar-emoji" }, this.emoji.named(emoji));
    const url = m.icons.image_48;
    return typeof url === "string" && /^https?:\/\//.test(url) ? h("img", { class: "avatar-image", src: imageUrl(channel, m, url), alt: "" }) : null;
  }

  blockCtx(channel, m) {
    return {
      ...this.ctx(),
      image: (url) => imageUrl(channel, m, url),
      press: async (b, e, choice) => {
        try {
          // An ephemeral message is the server's for a day (services/ephemerals.py), not history.
          await call("blocks.actions", { channel, ts: m.ts, block_id: b.block_id, action_id: e.action_id, is_ephemeral: m.is_ephemeral ? true : undefined, ...choice });
          this.clearErrors();
        } catch (err) {
          this.fail("That did not work.", err);
        }
      },
    };
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

// The server's image proxy (web/images.py): it fetches the picture only if this message shows
// it (an app's ephemeral one, as the server keeps it for a day), so nothing else can be fetched
// through it.
function imageUrl(channel, m, url) {
  if (typeof url !== "string" || !/^https?:\/\//i.test(url) || !m.ts) return null;
  return `/img?${new URLSearchParams({ channel, ts: m.ts, url, ...(m.is_ephemeral ? { ephemeral: "1" } : {}) })}`;
}
