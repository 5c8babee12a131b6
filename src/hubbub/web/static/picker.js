// The emoji picker of the reaction dialog: search by name, Slack's skin tones, the emoji used
// lately (kept in localStorage, per browser, as Slack's "Frequently used"), the workspace's
// custom emoji ("Custom") and every emoji by category, each button showing its picture from
// the sheet, or a custom one's image (emoji.js).

import { append, clear, h } from "./dom.js";
import { TONES } from "./emoji.js";

const RECENT = "hubbub.emoji.recent";
const TONE = "hubbub.emoji.tone";
const KEEP = 24;
const RESULTS = 120;
// Until something has been used: the reactions people reach for first.
const STARTERS = ["+1", "heart", "joy", "tada", "eyes", "white_check_mark", "pray", "fire", "smile", "thinking_face", "rocket", "100"];

function stored(key, fallback) {
  try {
    return JSON.parse(localStorage.getItem(key) ?? "null") ?? fallback;
  } catch {
    return fallback;
  }
}

function store(key, value) {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage full or refused (a private window): the picker still works, it just forgets.
  }
}

export function recentEmoji() {
  const names = stored(RECENT, []);
  return Array.isArray(names) && names.length ? names.filter((n) => typeof n === "string").slice(0, KEEP) : STARTERS;
}

// Remembered by base name: the tone is the picker's, applied when shown.
function remember(name) {
  const base = name.split("::")[0];
  store(RECENT, [base, ...recentEmoji().filter((n) => n !== base)].slice(0, KEEP));
}

// choose(name): the short name picked, with its skin tone when it has one ("+1::skin-tone-3").
export function emojiPicker(emoji, choose) {
  const search = h("input", { type: "search", "aria-label": "Search emoji", placeholder: "Search emoji, e.g. rocket", autocomplete: "off", enterkeyhint: "done" });
  const tone = h("select", { "aria-label": "Skin tone" }, TONES.map((label, i) => h("option", { value: String(i) }, label)));
  const saved = Number(stored(TONE, 0));
  tone.value = String(Number.isInteger(saved) && saved >= 0 && saved < TONES.length ? saved : 0);
  const sections = h("div", { class: "emoji-sections" });
  let first = null;

  const pick = (name) => {
    remember(name);
    choose(name);
  };
  const button = (name) => {
    const shown = emoji.toned(name, Number(tone.value));
    return h("button", { type: "button", class: "pick-emoji", "aria-label": name, title: `:${shown}:`, onclick: () => pick(shown) }, emoji.named(shown));
  };
  const section = (title, names) => h("section", { class: "emoji-section", "aria-label": title }, h("h3", {}, title), h("div", { class: "emoji-grid" }, names.map(button)));

  const draw = () => {
    const q = search.value.trim().toLowerCase().replace(/^:|:$/g, "");
    if (q) {
      // One button per emoji, by its first name that matches: +1 and thumbsup are one.
      // The workspace's own emoji are found by name too, each one its own.
      const seen = new Set();
      const found = [...Object.keys(emoji.names), ...emoji.customNames()]
        .filter((name) => name.includes(q))
        .sort((a, b) => Number(!a.startsWith(q)) - Number(!b.startsWith(q)) || a.length - b.length)
        .filter((name) => {
          const key = emoji.names[name] ?? `custom:${name}`;
          return !seen.has(key) && seen.add(key);
        })
        .slice(0, RESULTS);
      first = found[0] ? emoji.toned(found[0], Number(tone.value)) : q;
      append(clear(sections), [found.length ? section("Search results", found) : h("p", { class: "muted" }, `No emoji named “${q}”. Enter adds it as typed.`)]);
      return;
    }
    first = null;
    const custom = emoji.customNames();
    append(clear(sections), [
      section("Frequently used", recentEmoji().filter((n) => emoji.known(n))),
      custom.length ? section("Custom", custom) : null,
      emoji.categories.map(([title, names]) => section(title, names)),
    ]);
  };
  search.addEventListener("input", draw);
  search.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      if (first) pick(first);
    }
  });
  tone.addEventListener("change", () => {
    store(TONE, Number(tone.value));
    draw();
  });
  draw();
  return { node: h("div", { class: "dialog-body emoji-picker" }, h("div", { class: "emoji-tools" }, search, tone), sections), search };
}
