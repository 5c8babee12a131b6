// Emoji as pictures, the same on every desktop: Twemoji's sprite sheet
// (vendor/emoji-twitter-32.png) and its index (vendor/emoji.json, tools/vendor_emoji.py). A
// system without an emoji font would show empty boxes for most of them.

import { h } from "./dom.js";

// Slack's skin tones: `+1::skin-tone-2` to `::skin-tone-6`.
export const TONES = ["Default", "Light", "Medium-light", "Medium", "Medium-dark", "Dark"];

export class Emoji {
  constructor(data = {}) {
    this.names = data.names ?? {};
    this.sheet = data.sheet ?? {};
    this.skins = data.skins ?? {};
    this.categories = data.categories ?? [];
    this.custom = new Map(); // name -> image URL or "alias:<name>", as emoji.list gives them
  }

  // The workspace's custom emoji, as emoji.list answers them (all at once).
  setCustom(map) {
    this.custom = new Map(Object.entries(map ?? {}).filter(([, v]) => typeof v === "string"));
  }

  // emoji_changed: `add` with name and value, `remove` with names, `rename` with old_name,
  // new_name and the new name's value (aliases of the old name now name the new one).
  changeCustom(e) {
    if (e.subtype === "add" && typeof e.name === "string" && typeof e.value === "string") this.custom.set(e.name, e.value);
    if (e.subtype === "remove") for (const name of e.names ?? []) this.custom.delete(name);
    if (e.subtype === "rename" && typeof e.old_name === "string" && typeof e.new_name === "string") this.rename(e);
  }

  rename({ old_name: old, new_name: name, value }) {
    this.custom.delete(old);
    if (typeof value === "string") this.custom.set(name, value);
    for (const [other, v] of this.custom) if (v === `alias:${old}`) this.custom.set(other, `alias:${name}`);
  }

  // The custom names, sorted, for the picker.
  customNames() {
    return [...this.custom.keys()].sort();
  }

  // Where a custom name leads: [path of its image] or [undefined, standard name] through
  // aliases (a few steps at most), or [] if it is none of the workspace's.
  resolve(name) {
    let value = this.custom.get(name);
    for (let steps = 0; value !== undefined && steps < 4; steps++) {
      if (!value.startsWith("alias:")) return [imagePath(value)];
      const target = value.slice("alias:".length);
      if (!this.custom.has(target)) return [undefined, target];
      value = this.custom.get(target);
    }
    return [];
  }

  // Whether a short name is any emoji, standard or the workspace's.
  known(name) {
    return Boolean(this.text(name) || this.resolve(name)[0]);
  }

  static async load() {
    try {
      const response = await fetch("/static/vendor/emoji.json");
      return new Emoji(response.ok ? await response.json() : {});
    } catch {
      return new Emoji();
    }
  }

  // The text of a short name, with its skin tone if it names one; undefined for unknown names.
  text(name) {
    const [base, tone] = String(name).split("::skin-tone-");
    if (tone) return this.skins[base]?.[Number(tone) - 2] ?? this.names[base];
    // A custom alias of a standard emoji is that emoji.
    return this.names[base] ?? (this.custom.has(base) ? this.names[this.resolve(base)[1]] : undefined);
  }

  // A short name in a skin tone (0 the default, 1 to 5 Slack's skin-tone-2 to -6), if it has tones.
  toned(name, tone) {
    return tone && this.skins[name] ? `${name}::skin-tone-${tone + 1}` : name;
  }

  // The picture of a text (the sheet has them with and without U+FE0F), as a node whose text is
  // the emoji itself, kept for copying and finding but transparent; the text alone if the
  // sheet has no picture of it.
  node(text, label) {
    const cell = this.sheet[text] ?? this.sheet[text.replace(/\uFE0F/g, "")];
    const node = h("span", { class: cell ? "emoji pic" : "emoji", title: label, "aria-label": label, role: "img" }, text);
    // Custom properties set through the CSSOM: the CSP allows no inline style attribute.
    if (cell) {
      node.style.setProperty("--x", String(cell[0]));
      node.style.setProperty("--y", String(cell[1]));
    }
    return node;
  }

  // A custom emoji's image, if the name is one of the workspace's with an image.
  customNode(name) {
    const [src] = this.resolve(name);
    if (!src) return undefined;
    const label = `:${name}:`;
    return h("img", { class: "emoji custom", src, alt: label, title: label, draggable: "false" });
  }

  // The node for a short name, or the name as typed when it is unknown.
  named(name) {
    const custom = this.customNode(name);
    if (custom) return custom;
    const text = this.text(name);
    return text ? this.node(text, `:${name}:`) : `:${name}:`;
  }
}

// The path of an emoji image URL on this server (/emoji/…), or undefined for anything else: the
// image is read from the page's own origin, as the CSP allows, whatever host the URL names.
function imagePath(url) {
  try {
    const path = new URL(url, window.location.href).pathname;
    return path.startsWith("/emoji/") ? path : undefined;
  } catch {
    return undefined;
  }
}

// Emoji typed as characters: every fully spelled emoji (RGI), to be shown by its picture.
export const TYPED = /\p{RGI_Emoji}/gv;
