// Apps' shortcuts (docs/integrations.md, Shortcuts), as Slack's clients offer them: the
// workspace's apps' global shortcuts under the composers' lightning bolt, their message
// shortcuts under each message's "More actions". Choosing one calls shortcuts.run; the app
// gets `shortcut` or `message_action` with a trigger_id, and what it opens with it arrives as
// any modal does (view_opened, modals.js). Both buttons are hidden while there is nothing to
// list. Methods of Client (app.js).

import { call } from "./api.js";
import { append, clear, h } from "./dom.js";

// Past this many, a list is searched rather than read through.
const SEARCH_FROM = 6;

export class Shortcuts {
  // shortcuts.list, at start and again when apps may have changed (a bot joined, the person
  // came back to the tab): an app added or changed since shows without a reload.
  async loadShortcuts() {
    try {
      const { shortcuts } = await call("shortcuts.list");
      const changed = JSON.stringify(shortcuts) !== JSON.stringify(this.appShortcuts ?? []);
      this.appShortcuts = shortcuts;
      if (!changed) return;
    } catch (err) {
      console.warn("shortcuts", err);
      return;
    }
    for (const button of this.shortcutButtons ?? []) button.hidden = !this.shortcutsOf("global").length;
    this.redraw(); // each message's "More actions", shown or not
  }

  shortcutsOf(type) {
    return (this.appShortcuts ?? []).filter((s) => s.type === type).sort((a, b) => a.name.localeCompare(b.name) || a.app_name.localeCompare(b.app_name));
  }

  // The lightning bolt by a composer; global shortcuts take no conversation.
  shortcutsButton() {
    const button = h("button", {
      type: "button",
      class: "icon shortcuts-button",
      "aria-label": "Shortcuts",
      title: "Shortcuts",
      "aria-haspopup": "dialog",
      hidden: !this.shortcutsOf("global").length,
      onclick: () => this.pickShortcut("global", "Shortcuts", {}),
    });
    (this.shortcutButtons ??= []).push(button);
    return button;
  }

  // "More actions" in a message's toolbar, when some app has a message shortcut and the
  // message is one the server can hand an app (not an ephemeral one, not a deleted one's stub).
  moreActions(channel, m) {
    if (m.is_ephemeral || m.subtype === "tombstone" || !this.shortcutsOf("message").length) return null;
    return h(
      "button",
      { class: "icon more-actions", "aria-label": "More actions", title: "More actions", "aria-haspopup": "dialog", onclick: () => this.pickShortcut("message", "More actions", { channel, ts: m.ts }) },
      "⋯",
    );
  }

  // A dialog listing the shortcuts of one kind, searchable when long. The one chosen runs
  // once the dialog has closed and given focus back, so that the app's modal takes it next.
  pickShortcut(kind, title, target) {
    const all = this.shortcutsOf(kind);
    const list = h("ul", { class: "pick-list shortcut-list", "aria-label": kind === "global" ? "Shortcuts" : "Message shortcuts" });
    const search = all.length >= SEARCH_FROM ? h("input", { type: "search", "aria-label": "Search shortcuts", placeholder: "Search shortcuts", autocomplete: "off" }) : null;
    let chosen = null;
    const dialog = this.dialogs.open(title, h("div", { class: "dialog-body" }, search, list), { onclose: () => chosen && this.runShortcut(chosen, target) });
    const choose = (s) => {
      chosen = s;
      dialog.close();
    };
    const draw = () => {
      const q = search?.value.trim().toLowerCase() ?? "";
      const shown = all.filter((s) => [s.name, s.app_name, s.description].join(" ").toLowerCase().includes(q));
      append(clear(list), shown.length
        ? shown.map((s) => h("li", {}, h("button", { type: "button", class: "shortcut", dataset: { callbackId: s.callback_id }, onclick: () => choose(s) },
            h("span", { class: "name" }, s.name),
            h("span", { class: "muted" }, s.description ? `${s.app_name} · ${s.description}` : s.app_name))))
        : h("li", { class: "muted" }, "No shortcuts match."));
    };
    search?.addEventListener("input", draw);
    // Enter in the search runs the first match; the arrows walk the search and the list.
    search?.addEventListener("keydown", (e) => {
      if (e.key !== "Enter") return;
      e.preventDefault();
      list.querySelector("button")?.click();
    });
    dialog.addEventListener("keydown", (e) => {
      if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
      const stops = [search, ...list.querySelectorAll("button")].filter(Boolean);
      const at = stops.indexOf(document.activeElement);
      if (at < 0) return;
      e.preventDefault();
      stops[Math.max(0, Math.min(stops.length - 1, at + (e.key === "ArrowDown" ? 1 : -1)))].focus();
    });
    draw();
    (search ?? list.querySelector("button"))?.focus();
  }

  async runShortcut(s, target) {
    try {
      await call("shortcuts.run", { app_id: s.app_id, callback_id: s.callback_id, ...target });
      this.clearErrors();
    } catch (err) {
      this.fail(`“${s.name}” did not run.`, err);
    }
  }
}
