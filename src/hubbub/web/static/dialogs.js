// The client's dialogs, on the browser's own <dialog>: it traps focus, closes on Escape and
// gives focus back where it was.

import { call, pages } from "./api.js";
import { append, clear, h } from "./dom.js";
import { describe } from "./errors.js";
import { displayName } from "./format.js";
import { render } from "./mrkdwn.js";
import { emojiPicker } from "./picker.js";

export class Dialogs {
  constructor(client) {
    this.client = client;
  }

  open(title, body, { onclose, wide = false, className = "" } = {}) {
    const id = `dialog-${Math.random().toString(36).slice(2)}`;
    const dialog = h(
      "dialog",
      { class: [wide ? "wide" : "", className].filter(Boolean).join(" "), "aria-labelledby": id },
      h("header", {}, h("h2", { id }, title), h("button", { class: "icon", "aria-label": "Close", onclick: () => dialog.close() }, "✕")),
      body,
    );
    dialog.addEventListener("close", () => {
      dialog.remove();
      onclose?.();
    });
    document.body.append(dialog);
    dialog.showModal();
    return dialog;
  }

  show(title, body) {
    return this.open(title, h("div", { class: "dialog-body" }, body));
  }

  confirm(question, yes) {
    return new Promise((resolve) => {
      let answer = false;
      const dialog = this.open("Are you sure?", h(
        "div",
        { class: "dialog-body" },
        h("p", {}, question),
        h("div", { class: "buttons" },
          h("button", { onclick: () => dialog.close() }, "Cancel"),
          h("button", { class: "danger", onclick: () => { answer = true; dialog.close(); } }, yes)),
      ), { onclose: () => resolve(answer) });
    });
  }

  form(title, fields, submit, button) {
    const error = h("p", { class: "error", role: "alert", hidden: true });
    const form = h("form", { class: "dialog-body" }, fields, error, h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, button)));
    const dialog = this.open(title, form);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      try {
        await submit(new FormData(form));
        dialog.close();
      } catch (err) {
        error.hidden = false;
        error.textContent = describe(err);
      }
    });
    return dialog;
  }

  createChannel() {
    this.form(
      "Create a channel",
      [
        channelNameField(""),
        h("label", { class: "check" }, h("input", { type: "checkbox", name: "private" }), " Make private"),
      ],
      async (data) => {
        const name = String(data.get("name")).replace(/-+$/, "");
        const made = await call("conversations.create", { name, is_private: data.get("private") ? "true" : "false" });
        this.client.channels.set(made.channel.id, made.channel);
        await this.client.open(made.channel.id);
      },
      "Create",
    );
  }

  renameChannel(id) {
    const c = this.client.channels.get(id);
    this.form(
      "Rename this channel",
      [channelNameField(c?.name ?? "")],
      async (data) => {
        const renamed = await call("conversations.rename", { channel: id, name: String(data.get("name")).replace(/-+$/, "") });
        this.client.onRename({ type: "channel_rename", channel: renamed.channel });
      },
      "Save",
    );
  }

  async browse() {
    const list = h("ul", { class: "pick-list" });
    const search = h("input", { type: "search", "aria-label": "Search channels", placeholder: "Search channels" });
    this.open("Browse channels", h("div", { class: "dialog-body" }, search, list), { wide: true });
    const all = [];
    for await (const page of pages("conversations.list", { types: "public_channel", exclude_archived: true, limit: 500 }, "channels")) all.push(...page);
    const draw = () => {
      const q = search.value.trim().toLowerCase();
      const shown = all.filter((c) => c.name.includes(q)).sort((a, b) => a.name.localeCompare(b.name)).slice(0, 200);
      append(clear(list), shown.map((c) => {
        const member = this.client.channels.has(c.id);
        return h("li", {},
          h("span", { class: "name" }, `#${c.name}`),
          h("span", { class: "muted" }, c.purpose?.value ?? ""),
          h("button", {
            onclick: async () => {
              if (!member) {
                const joined = await call("conversations.join", { channel: c.id });
                this.client.channels.set(c.id, joined.channel);
              }
              document.querySelector("dialog[open]")?.close();
              await this.client.open(c.id);
            },
          }, member ? "Open" : "Join"));
      }));
    };
    search.addEventListener("input", draw);
    draw();
  }

  // The workspace's apps (their bots): one opens its DM, on its Home tab (home.js).
  async apps() {
    const list = h("ul", { class: "pick-list" });
    const dialog = this.open("Apps", h("div", { class: "dialog-body" }, list), { wide: true });
    const bots = (await this.client.allUsers()).filter((u) => u.is_bot && u.profile?.bot_id).sort((a, b) => displayName(a).localeCompare(displayName(b)));
    append(clear(list), bots.length ? bots.map((u) => h("li", {},
      h("span", { class: "name" }, displayName(u)),
      h("button", {
        onclick: async () => {
          dialog.close();
          try {
            const opened = await call("conversations.open", { users: u.id, return_im: true });
            this.client.channels.set(opened.channel.id, { ...opened.channel, user: u.id, is_im: true });
            await this.client.open(opened.channel.id);
          } catch (err) {
            this.client.fail("Cannot open that app.", err);
          }
        },
      }, "Open"))) : h("li", {}, "No apps are installed in this workspace."));
  }

  // Pick one or more people; act(users) runs once the dialog has closed.
  async people(title, button, act) {
    const list = h("ul", { class: "pick-list" });
    const search = h("input", { type: "search", "aria-label": "Search people", placeholder: "Search by name" });
    const picked = new Map();
    const go = h("button", { class: "primary", disabled: true, onclick: () => { chosen = [...picked.values()]; dialog.close(); } }, button);
    let chosen = null;
    const body = h("div", { class: "dialog-body" }, search, list, h("div", { class: "buttons" }, go));
    const dialog = this.open(title, body, { wide: true, onclose: () => chosen?.length && act(chosen) });
    search.focus();
    const everyone = (await this.client.allUsers()).filter((u) => u.id !== this.client.me && !u.is_bot);
    const draw = () => {
      const q = search.value.trim().toLowerCase();
      const shown = everyone.filter((u) => displayName(u).toLowerCase().includes(q) || (u.name ?? "").includes(q)).slice(0, 100);
      append(clear(list), shown.map((u) => {
        const box = h("input", { type: "checkbox", checked: picked.has(u.id) });
        box.addEventListener("change", () => {
          if (box.checked) picked.set(u.id, u);
          else picked.delete(u.id);
          go.disabled = picked.size === 0;
        });
        return h("li", {}, h("label", { class: "check" }, box, h("span", { class: "name" }, displayName(u)), h("span", { class: "muted" }, u.name ?? "")));
      }));
    };
    search.addEventListener("input", draw);
    draw();
  }

  newDm() {
    // One person is a DM; several are a group DM (conversations.open takes up to 8).
    this.people("New direct message", "Message", async (users) => {
      const opened = await call("conversations.open", { users: users.map((u) => u.id).join(","), return_im: true });
      const one = users.length === 1 ? { user: opened.channel.user ?? users[0].id, is_im: true } : {};
      this.client.channels.set(opened.channel.id, { ...opened.channel, ...one });
      await this.client.open(opened.channel.id);
    });
  }

  invite(channel) {
    this.people(`Add people to ${this.client.label(this.client.channels.get(channel))}`, "Add", async (users) => {
      try {
        await call("conversations.invite", { channel, users: users.map((u) => u.id).join(",") });
        this.client.clearErrors();
        this.client.toast(`Added ${users.map(displayName).join(", ")}.`);
      } catch (err) {
        this.client.fail("Not added.", err);
      }
    });
  }

  async inviteLink() {
    const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? "";
    const response = await fetch("/invites", { method: "POST", headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" });
    const data = await response.json();
    if (!data.ok) return this.client.fail("No invite link.", data);
    const box = h("input", { class: "link-box", readonly: true, value: data.url, "aria-label": "Invite link", id: "invite-link" });
    this.show(`Invite people to ${this.client.teamName}`, [h("p", {}, "Anyone with this link can join for the next 14 days."), box]);
    box.select();
  }

  async pins(channel) {
    const body = h("div", { class: "dialog-body pins-list" }, h("p", {}, "Loading…"));
    this.open("Pinned messages", body, { wide: true });
    const { items } = await call("pins.list", { channel });
    const messages = items.filter((i) => i.message).map((i) => i.message);
    await this.client.ensureUsers(messages.map((m) => m.user));
    append(clear(body), messages.length ? messages.map((m) => h("article", { class: "pin" },
      h("div", { class: "meta" }, h("span", { class: "author" }, this.client.userName(m.user))),
      h("div", { class: "text" }, render(m.text, this.client.ctx())),
      this.client.fileNodes(m.files, "pins"),
      h("a", { href: `/client/${this.client.team}/${channel}?ts=${m.ts}`, onclick: (e) => { e.preventDefault(); document.querySelector("dialog[open]")?.close(); this.client.open(channel, { push: false, focus: m.ts }); } }, "Open"))) : h("p", {}, "Nothing is pinned here yet."));
  }

  reactions(anchor, choose) {
    const picker = emojiPicker(this.client.emoji, (name) => {
      choose(name);
      dialog.close();
    });
    const dialog = this.open("Add a reaction", picker.node, { wide: true });
    picker.search.focus();
    anchor?.blur();
  }

  async switcher() {
    if (document.querySelector("dialog[open]")) return;
    const input = h("input", { type: "search", "aria-label": "Jump to a conversation", placeholder: "Jump to…", autocomplete: "off", role: "combobox", "aria-controls": "switcher-list", "aria-expanded": "true" });
    const list = h("ul", { class: "pick-list switcher", id: "switcher-list", role: "listbox", "aria-label": "Conversations" });
    // The choice is acted on once the dialog has closed and given focus back, so that the
    // conversation it opens can take the focus for its composer.
    let chosen = null;
    const dialog = this.open("Jump to a conversation", h("div", { class: "dialog-body" }, input, list), { onclose: () => chosen?.go() });
    let selected = 0;
    let shown = [];
    const items = () => {
      const convs = [...this.client.channels.values()].map((c) => ({ label: this.client.label(c), go: () => this.client.open(c.id) }));
      const dms = new Set([...this.client.channels.values()].filter((c) => c.is_im).map((c) => c.user));
      const people = [...this.client.users.values()]
        .filter((u) => !dms.has(u.id) && u.id !== this.client.me && !u.deleted && !u.is_bot)
        .map((u) => ({ label: displayName(u), go: async () => {
          const opened = await call("conversations.open", { users: u.id, return_im: true });
          this.client.channels.set(opened.channel.id, { ...opened.channel, user: u.id, is_im: true });
          await this.client.open(opened.channel.id);
        } }));
      return [...convs, ...people];
    };
    const draw = () => {
      const q = input.value.trim().toLowerCase().replace(/^#/, "");
      shown = items().filter((i) => i.label.toLowerCase().replace(/^#/, "").includes(q)).slice(0, 12);
      selected = Math.min(selected, Math.max(shown.length - 1, 0));
      append(clear(list), shown.map((item, i) => h("li", {
        role: "option",
        id: `switch-${i}`,
        "aria-selected": String(i === selected),
        class: i === selected ? "selected" : "",
        onclick: () => { chosen = item; dialog.close(); },
      }, item.label)));
      input.setAttribute("aria-activedescendant", shown.length ? `switch-${selected}` : "");
    };
    input.addEventListener("input", () => { selected = 0; draw(); });
    input.addEventListener("keydown", (e) => {
      if (e.key === "ArrowDown") selected = Math.min(selected + 1, shown.length - 1);
      else if (e.key === "ArrowUp") selected = Math.max(selected - 1, 0);
      else if (e.key === "Enter") {
        e.preventDefault();
        chosen = shown[selected];
        dialog.close();
        return;
      } else return;
      e.preventDefault();
      draw();
    });
    draw();
    input.focus();
    this.client.allUsers().then(draw).catch(() => {});
  }
}

const NAME_RULES = "Names must be lowercase, without spaces or periods, and can't be longer than 80 characters.";
const NAME_MAX = 80;

// A channel name as Slack's own dialog takes it: applied while typing (lower case, a space
// becomes a hyphen, anything but letters, digits, hyphens and underscores is left out, at most
// 80 characters) with the rules under the box and what was left out said aloud.
export function channelName(typed) {
  return typed.toLowerCase().replace(/\s/g, "-").replace(/[^a-z0-9_-]/g, "").slice(0, NAME_MAX);
}

function channelNameField(value) {
  const hint = h("p", { class: "hint", id: "channel-name-hint", "aria-live": "polite" }, NAME_RULES);
  const left = h("span", { class: "chars-left", "aria-hidden": "true" }, String(NAME_MAX - value.length));
  const input = h("input", { id: "channel-name", name: "name", required: true, maxlength: NAME_MAX, autocomplete: "off", placeholder: "e.g. plan-budget", "aria-describedby": "channel-name-hint", value });
  input.addEventListener("input", () => {
    const typed = input.value;
    const name = channelName(typed);
    if (name !== typed) {
      // The caret stays after what was typed before it, as it was.
      const caret = channelName(typed.slice(0, input.selectionStart ?? typed.length)).length;
      input.value = name;
      input.setSelectionRange(caret, caret);
    }
    const dropped = typed.replace(/\s/g, "-").length !== name.length;
    hint.textContent = dropped ? "Channel names can't contain spaces, periods or most punctuation: only letters, numbers, hyphens and underscores." : NAME_RULES;
    hint.classList.toggle("warn", dropped);
    left.textContent = String(NAME_MAX - name.length);
  });
  return [h("label", { for: "channel-name", class: "name-label" }, "Name", left), input, hint];
}
