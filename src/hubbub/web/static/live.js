// The client's live events: what the RTM socket brings, applied to what the client holds and
// drawn. Methods of Client (app.js).

import { call } from "./api.js";
import { mentions, threadOnly, withReaction } from "./timeline.js";

export class Live {
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
      case "subteam_created":
      case "subteam_updated":
        return this.onUsergroup(e.subteam);
      case "emoji_changed":
        this.emoji.changeCustom(e);
        return this.redraw();
      case "user_change":
      case "team_join":
        this.users.set(e.user.id, e.user);
        if (e.user.is_bot) this.loadShortcuts(); // a new app's, if it has any
        return this.redraw();
      case "file_deleted":
        return this.fileGone(e.file_id);
      case "file_change":
        return this.onFileChange(e);
      case "view_opened":
        return this.onViewOpened(e);
      case "view_updated":
        return this.onViewUpdated(e);
      case "view_closed":
        return this.onViewClosed(e);
      case "view_published":
        return this.onViewPublished(e);
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
    // In a DM the subtitle is the author, whom the content already names ("bob: hi").
    this.toast(e.content.startsWith(`${e.subtitle}: `) ? e.content : `${e.subtitle}: ${e.content}`);
  }

  onMessage(e) {
    const channel = e.channel;
    if (e.subtype === "message_changed") {
      // The changed message is whole: blocks and attachments it no longer has are gone (an
      // app's replace_original with text alone), while what the client counted (replies)
      // stays.
      const m = { blocks: undefined, attachments: undefined, ...e.message };
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
      fresh = this.timeline(channel).arrive(m); // held apart while an old window is shown
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
    if (channel === this.current && document.visibilityState === "visible" && atBottom && !this.timeline(channel).detached) {
      this.markSoon();
      return;
    }
    const count = this.counts.get(channel) ?? { id: channel, mention_count: 0, unread_count: 0 };
    count.has_unreads = true;
    count.unread_count = (count.unread_count ?? 0) + 1;
    if (conv?.is_im || mentions(m, this.me, this.myGroups())) count.mention_count = (count.mention_count ?? 0) + 1;
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
    // mpim_joined brings the whole conversation; im_created only a stub ({id, user, created}),
    // which must not replace what the client holds (a DM it just opened has no name to sort
    // by): conversations.info below brings the whole one either way.
    if (typeof e.channel === "object" && "is_im" in e.channel) this.channels.set(id, { ...e.channel, is_member: true });
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
}
