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
    return this.names[base];
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

  // The node for a short name, or the name as typed when it is unknown.
  named(name) {
    const text = this.text(name);
    return text ? this.node(text, `:${name}:`) : `:${name}:`;
  }
}

// Emoji typed as characters: every fully spelled emoji (RGI), to be shown by its picture.
export const TYPED = /\p{RGI_Emoji}/gv;
