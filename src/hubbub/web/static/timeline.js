// The messages of one conversation (or one thread) as the client holds them: keyed by ts, so a
// message that arrives twice (a history page and a live event, or a replay after a reconnect)
// is held once, and kept in ts order, which is the order every member sees.
//
// What is held is one run of history with no gap: the newest messages and older pages, or a
// window opened around an old message (a search result, a pin, a permalink), which reaches back
// by `cursor` and forward by `newer` until it joins the present. While it does not (detached),
// live messages are held apart, not drawn into the window, and join it with the present.

export class Timeline {
  constructor() {
    this.byTs = new Map();
    this.sorted = null;
    this.cursor = ""; // where the next older page starts; "" when there is none
    this.newer = ""; // where the next newer page starts; "" when the present is reached
    this.held = new Map(); // live messages that came while detached, by ts
    this.loaded = false; // the newest page (or a window) has been read
  }

  // A window around an old message: the present is not reached until a newer page says so.
  static window() {
    const tl = new Timeline();
    tl.newer = "pending";
    return tl;
  }

  get detached() {
    return Boolean(this.newer);
  }

  // A live message: into the timeline, or, while detached, held until it joins the present.
  arrive(message) {
    if (!this.detached) return this.put(message);
    const had = this.held.get(message.ts) ?? this.byTs.get(message.ts);
    this.held.set(message.ts, had ? { ...had, ...message } : message);
    return !had;
  }

  // The window has read to the newest message: what was held joins it.
  joinPresent() {
    this.newer = "";
    for (const m of this.held.values()) this.put(m);
    this.held.clear();
  }

  put(message) {
    const had = this.byTs.get(message.ts);
    this.byTs.set(message.ts, had ? { ...had, ...message } : message);
    this.sorted = null;
    return !had;
  }

  update(ts, change) {
    const waiting = this.held.get(ts);
    if (waiting) this.held.set(ts, change(waiting));
    const had = this.byTs.get(ts);
    if (!had) return Boolean(waiting);
    this.byTs.set(ts, change(had));
    this.sorted = null;
    return true;
  }

  remove(ts) {
    const waiting = this.held.delete(ts);
    if (!this.byTs.delete(ts)) return waiting;
    this.sorted = null;
    return true;
  }

  get(ts) {
    return this.byTs.get(ts);
  }

  list() {
    // A ts is seconds and microseconds with fixed digits after the dot: compare as numbers.
    this.sorted ??= [...this.byTs.values()].sort((a, b) => Number(a.ts) - Number(b.ts) || (a.ts < b.ts ? -1 : 1));
    return this.sorted;
  }

  last() {
    const all = this.list();
    return all[all.length - 1];
  }
}

// A reply of a thread that is not also shown in the channel.
export function threadOnly(message) {
  return Boolean(message.thread_ts && message.thread_ts !== message.ts && message.subtype !== "thread_broadcast");
}

export function withReaction(message, name, user, added) {
  const reactions = (message.reactions ?? []).map((r) => ({ ...r, users: [...r.users] }));
  let found = reactions.find((r) => r.name === name);
  if (added) {
    if (!found) reactions.push((found = { name, users: [], count: 0 }));
    if (!found.users.includes(user)) found.users.push(user);
  } else if (found) {
    found.users = found.users.filter((u) => u !== user);
  }
  for (const r of reactions) r.count = r.users.length;
  return { ...message, reactions: reactions.filter((r) => r.count > 0) };
}

export function mentions(message, me, groups = []) {
  const text = message.text ?? "";
  return (
    text.includes(`<@${me}>`) ||
    text.includes(`<@${me}|`) ||
    /<!(here|channel|everyone)[>|]/.test(text) ||
    groups.some((g) => text.includes(`<!subteam^${g}>`) || text.includes(`<!subteam^${g}|`))
  );
}
