// Search (docs/search.md, In the browser): the box in the top bar, and the pane of results it
// opens: messages grouped by their conversation, with their time and the matched words marked,
// and files with their type and size. A message opens in its conversation, scrolled to and
// flashed (a reply: in its thread). Methods of Client (app.js).
//
// The query goes to search.messages and search.files as typed: the server parses the modifiers
// (in:, from:, has:, before:/after:/on:/during:, quotes, -excluded). Everything a match holds is
// drawn as text nodes; the highlight marks (\ue000 … \ue001) become <mark> elements.

import { call } from "./api.js";
import { append, clear, h, here } from "./dom.js";
import { clock, dayLabel, fileSize } from "./format.js";
import { editable } from "./mrkdwn.js";

const COUNT = 20;
const START = "\ue000";
const END = "\ue001";
export const HINT = 'in:#channel  from:@name  has:link  type:pdf  before:2026-01-31  during:month  "a phrase"  -word';

// Text with Slack's highlight marks as text nodes and <mark> elements; each piece goes through
// `plain` first (a stored message as its author typed it: mentions by name, no escapes).
export function marked(text, plain = (s) => s) {
  const out = [];
  const pieces = String(text ?? "").split(START);
  pieces.forEach((piece, i) => {
    if (i === 0) {
      if (piece) out.push(plain(piece.replaceAll(END, "")));
      return;
    }
    const at = piece.indexOf(END);
    const inside = at < 0 ? piece : piece.slice(0, at);
    const after = at < 0 ? "" : piece.slice(at + 1).replaceAll(END, "");
    if (inside) out.push(h("mark", {}, plain(inside)));
    if (after) out.push(plain(after));
  });
  return out;
}

// Where a match of search.messages opens: its conversation and ts, and the thread of a reply
// (its permalink's thread_ts, as Slack's permalinks carry it).
export function target(match) {
  let thread = null;
  try {
    thread = new URL(match.permalink).searchParams.get("thread_ts");
  } catch {
    thread = null;
  }
  return { channel: match.channel?.id, ts: match.ts, thread: thread && thread !== match.ts ? thread : null };
}

export class Search {
  searchBox() {
    this.searchInput = h("input", {
      id: "search-input",
      type: "search",
      autocomplete: "off",
      placeholder: "Search messages and files",
      title: HINT,
      "aria-describedby": "search-hint",
      enterkeyhint: "search",
    });
    this.searchInput.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        e.preventDefault();
        e.stopPropagation();
        this.closeSearch();
      }
    });
    return h(
      "form",
      {
        role: "search",
        class: "search-box",
        onsubmit: (e) => {
          e.preventDefault();
          this.search(this.searchInput.value);
        },
      },
      h("label", { for: "search-input", class: "visually-hidden" }, "Search"),
      h("span", { id: "search-hint", class: "visually-hidden" }, `Press Enter to search. Modifiers: ${HINT}`),
      this.searchInput,
    );
  }

  searchPane() {
    this.searchTitle = h("h2", { id: "search-title" }, "Search");
    this.searchBody = h("div", { class: "search-body" });
    this.searchPanel = h(
      "aside",
      { class: "search-pane", "aria-labelledby": "search-title", hidden: true },
      h("header", { class: "thread-header" }, this.searchTitle, h("button", { class: "icon", "aria-label": "Close search", onclick: () => this.closeSearch() }, "✕")),
      this.searchBody,
    );
    return this.searchPanel;
  }

  async search(query) {
    const text = String(query ?? "").trim();
    if (!text) return;
    const asked = (this.searchAsked = (this.searchAsked ?? 0) + 1);
    this.searchPanel.hidden = false;
    this.root.classList.add("search-open");
    this.searchTitle.textContent = `Results for “${text}”`;
    append(clear(this.searchBody), [h("p", { class: "loading", role: "status" }, "Searching…")]);
    let messages;
    let files;
    try {
      [messages, files] = await Promise.all([this.searchPage("messages", text, "*"), this.searchPage("files", text, "*")]);
    } catch (err) {
      if (asked !== this.searchAsked) return;
      append(clear(this.searchBody), [h("p", { class: "error", role: "alert" }, `Search failed: ${err.error ?? err}`)]);
      return;
    }
    if (asked !== this.searchAsked) return; // a newer search is under way
    this.found = { text, messages, files };
    this.drawSearch();
  }

  // One page of search.messages or search.files, with the people it names known. By
  // cursor: the pages after the first hold what they held when it was read, so a message
  // posted meanwhile neither shifts them nor shows twice.
  async searchPage(kind, text, cursor) {
    const data = await call(`search.${kind}`, { query: text, count: COUNT, cursor, highlight: true });
    const section = data[kind];
    // The authors, and the other person of each DM (a DM is named by their id).
    if (kind === "messages") await this.ensureUsers(section.matches.flatMap((m) => [m.user, m.channel?.is_im ? m.channel.name : null]));
    return section;
  }

  // The next page of one kind, added under what is shown.
  async searchMore(kind) {
    const found = this.found;
    const asked = this.searchAsked;
    const cursor = found[kind].response_metadata?.next_cursor;
    if (!cursor) return;
    let more;
    try {
      more = await this.searchPage(kind, found.text, cursor);
    } catch (err) {
      this.fail("Search failed.", err);
      return;
    }
    if (asked !== this.searchAsked || found !== this.found) return;
    const first = found[kind].matches.length;
    found[kind] = { ...more, matches: [...found[kind].matches, ...more.matches] };
    this.drawSearch({ kind, first });
  }

  // more: after "More …", which kind grew and the index of its first new match.
  drawSearch(more = null) {
    const { messages, files } = this.found;
    const nodes = [];
    const total = messages.total + files.total;
    nodes.push(h("p", { class: "search-summary", role: "status" }, total ? `${messages.total} ${messages.total === 1 ? "message" : "messages"}, ${files.total} ${files.total === 1 ? "file" : "files"}` : "Nothing found. Try fewer words, or other modifiers."));
    if (messages.matches.length) {
      nodes.push(h("h3", { class: "search-section" }, "Messages"));
      // Grouped by conversation, in the order their best match comes.
      const groups = new Map();
      for (const m of messages.matches) {
        const id = m.channel?.id ?? "";
        if (!groups.has(id)) groups.set(id, []);
        groups.get(id).push(m);
      }
      for (const [id, matches] of groups) {
        const name = this.searchChannelName(matches[0].channel);
        nodes.push(h("section", { class: "search-group", "aria-label": name, dataset: { channel: id } }, h("h4", {}, name), h("ul", {}, matches.map((m) => this.searchHit(m)))));
      }
      nodes.push(this.moreButton("messages", "More messages"));
    }
    if (files.matches.length) {
      nodes.push(h("h3", { class: "search-section" }, "Files"));
      nodes.push(h("ul", { class: "search-files" }, files.matches.map((f) => this.searchFile(f))));
      nodes.push(this.moreButton("files", "More files"));
    }
    const scrolled = this.searchBody.scrollTop;
    append(clear(this.searchBody), nodes);
    if (more) {
      // The reader stays where they were, and goes on from the first of the new ones.
      this.searchBody.scrollTop = scrolled;
      // Found by what it is: a message may join a conversation's group shown further up.
      const match = this.found[more.kind].matches[more.first];
      const first = more.kind === "messages"
        ? this.searchBody.querySelector(`.search-hit[data-ts="${CSS.escape(match.ts)}"][data-channel="${CSS.escape(match.channel?.id ?? "")}"]`)
        : this.searchBody.querySelector(`.search-file[data-file="${CSS.escape(String(match.id))}"] .file-name`);
      if (first) {
        if (!first.matches("a, button")) first.tabIndex = -1;
        first.focus();
      }
    }
  }

  moreButton(kind, label) {
    const left = this.found[kind].response_metadata?.next_cursor;
    return left ? h("button", { class: "search-more", onclick: () => this.searchMore(kind) }, label) : null;
  }

  searchChannelName(channel) {
    const known = this.channels.get(channel?.id);
    if (known) return this.label(known);
    if (channel?.is_im) return this.userName(channel.name);
    return channel?.is_mpim ? "Group message" : `#${channel?.name ?? "?"}`;
  }

  searchHit(m) {
    const where = target(m);
    const author = m.user ? this.userName(m.user) : m.username || "bot";
    const when = `${dayLabel(m.ts)} ${clock(m.ts)}`;
    const plain = (s) => editable(s, this.ctx());
    return h(
      "li",
      {},
      h(
        "button",
        {
          class: "search-hit",
          dataset: { ts: m.ts, channel: where.channel ?? "" },
          onclick: () => this.jumpTo(where),
        },
        h("span", { class: "search-meta" }, h("span", { class: "author" }, author), h("time", { datetime: new Date(Number(m.ts) * 1000).toISOString() }, when), where.thread ? h("span", { class: "muted" }, "in a thread") : null),
        h("span", { class: "search-text" }, marked(m.text, plain)),
      ),
    );
  }

  searchFile(f) {
    const open = here(f.url_private);
    const download = here(f.url_private_download);
    const name = f.name ?? f.title ?? "file";
    const title = f.title && f.title.replaceAll(START, "").replaceAll(END, "") !== name ? marked(f.title) : null;
    return h(
      "li",
      { class: "search-file", dataset: { file: String(f.id) } },
      h("span", { class: "file-icon", "aria-hidden": "true" }, String(f.filetype || "file").slice(0, 4).toUpperCase()),
      h(
        "span",
        { class: "file-info" },
        open ? h("a", { class: "file-name", href: open, target: "_blank", rel: "noopener" }, name) : h("span", { class: "file-name" }, name),
        title ? h("span", { class: "file-title" }, title) : null,
        h("span", { class: "file-meta" }, `${f.pretty_type ?? f.filetype ?? ""} · ${fileSize(f.size)}`),
      ),
      download ? h("a", { class: "file-download", href: download, download: name, "aria-label": `Download ${name}` }, "Download") : null,
    );
  }

  // Opens a match: its conversation, history read back to it, scrolled to it and flashed; a
  // reply opens its thread as well, with the reply marked.
  async jumpTo({ channel, ts, thread }) {
    if (!channel) return;
    this.closeSearch({ focus: false });
    await this.open(channel, { focus: thread ?? ts });
    if (thread) await this.openThread(channel, thread, ts);
  }

  closeSearch({ focus = true } = {}) {
    if (!this.searchPanel || this.searchPanel.hidden) return false;
    this.searchAsked = (this.searchAsked ?? 0) + 1; // a search under way draws nothing now
    this.searchPanel.hidden = true;
    this.root.classList.remove("search-open");
    if (focus) this.searchInput.focus();
    return true;
  }
}
