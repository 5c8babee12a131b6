// What the person does with messages: sending (text, files with it, /me, apps' slash
// commands), editing, deleting, reactions, pins, copying a message's link, and saying they
// are typing. Methods of Client (app.js).

import { call } from "./api.js";
import { autosize, h } from "./dom.js";
import { compose } from "./mrkdwn.js";

export class Acting {
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
      groupByHandle: (handle) => this.groupByHandle(handle),
    };
  }

  async send(input, threadTs) {
    const typed = input.value;
    const files = threadTs ? this.threadFiles() : this.channelFiles();
    const attached = files.attached();
    if ((!typed.trim() && !attached) || !this.current) return;
    const channel = threadTs ? this.thread.channel : this.current;
    input.value = "";
    autosize(input);
    const slash = /^(\/[a-z0-9_-]+)(?:\s+([\s\S]*))?$/i.exec(typed.trim());
    if (slash?.[1].toLowerCase() === "/me" && slash[2] && !attached) return this.meMessage(input, typed, channel, slash[2], threadTs);
    if (slash && !threadTs && !attached) return this.runCommand(input, typed, channel, slash[1], slash[2] ?? "");
    try {
      // Files go with the text as their message's initial_comment (uploads.js); the socket
      // brings the message. Should none of them go, the text goes alone.
      const text = typed.trim() ? compose(typed, this.composeCtx()) : "";
      if (attached && (await files.send(channel, threadTs, text))) return this.markSoon();
      if (!text) return;
      const data = await call("chat.postMessage", {
        channel,
        text,
        thread_ts: threadTs,
        client_msg_id: crypto.randomUUID(),
      });
      // The socket brings the same message; held by ts, it is shown once either way. Sent
      // from an old window, it is seen at the present, as in Slack.
      this.onMessage({ ...data.message, channel });
      if (!threadTs) this.jumpToPresent();
      this.clearErrors();
      this.markSoon();
    } catch (err) {
      input.value = typed;
      this.fail("Not sent.", err);
    }
  }

  // /me is Slack's own: an action in the third person (chat.meMessage), shown in italics. In
  // a thread it is a reply there, as Slack's clients post it (thread_ts: hubbub's extension of
  // the method, docs/integrations.md).
  async meMessage(input, typed, channel, text, threadTs) {
    try {
      await call("chat.meMessage", { channel, text: compose(text, this.composeCtx()), thread_ts: threadTs });
      this.clearErrors();
      this.markSoon();
    } catch (err) {
      input.value = typed;
      this.fail("Not sent.", err);
    }
  }

  // A slash command goes to its app (chat.command, docs/integrations.md); what the app shows
  // in the channel comes over the socket, and its answer for the caller alone is a toast.
  async runCommand(input, typed, channel, command, text) {
    try {
      const data = await call("chat.command", { channel, command, text });
      this.clearErrors();
      if (data.response?.text && data.response.response_type !== "in_channel") {
        this.toast(data.response.text);
      }
    } catch (err) {
      input.value = typed;
      this.fail(`${command} failed.`, err);
    }
  }

  async saveEdit(channel, ts, text) {
    try {
      // blocks: [] - the text typed is the whole message: rich_text blocks a Slack client
      // wrote with it (shown instead of the text) would otherwise be kept unchanged.
      await call("chat.update", { channel, ts, text: compose(text, this.composeCtx()), blocks: [] });
      this.clearErrors();
    } catch (err) {
      this.fail("Not saved.", err);
    }
    if (this.editing === ts) this.editing = null;
    if (this.editingReply === ts) this.editingReply = null;
    this.redraw(channel);
  }

  async remove(channel, ts) {
    if (!(await this.dialogs.confirm("Delete this message? This cannot be undone.", "Delete"))) return;
    try {
      await call("chat.delete", { channel, ts });
      this.onMessage({ type: "message", subtype: "message_deleted", channel, deleted_ts: ts });
      this.clearErrors();
    } catch (err) {
      this.fail("Not deleted.", err);
    }
  }

  async react(channel, m, name) {
    const mine = (m.reactions ?? []).find((r) => r.name === name)?.users.includes(this.me);
    try {
      await call(mine ? "reactions.remove" : "reactions.add", { channel, timestamp: m.ts, name });
      this.onReaction({ type: mine ? "reaction_removed" : "reaction_added", user: this.me, reaction: name, item: { type: "message", channel, ts: m.ts } });
      this.clearErrors();
    } catch (err) {
      if (err.error !== "already_reacted" && err.error !== "no_reaction") this.fail("No reaction added.", err);
    }
  }

  async pin(channel, m) {
    const pinned = Boolean(m.pinned_to?.length);
    try {
      await call(pinned ? "pins.remove" : "pins.add", { channel, timestamp: m.ts });
      this.onPin({ type: pinned ? "pin_removed" : "pin_added", channel_id: channel, item: { message: { ts: m.ts } } });
      this.clearErrors();
    } catch (err) {
      this.fail(pinned ? "Not unpinned." : "Not pinned.", err);
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
}
