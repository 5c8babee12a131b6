// Slack's mrkdwn, rendered to DOM nodes. Text arrives as Slack stores it: `&`, `<` and `>` are
// escaped, and `<…>` marks a link, a mention or a special word. Every piece of text ends up in a
// text node, so no message can inject markup.

import { h } from "./dom.js";
import { TYPED } from "./emoji.js";

const INLINE = new RegExp(
  [
    "(`[^`\\n]+`)", // 1 code
    "(<[^<>\\n]+>)", // 2 link, mention, special
    "(:[a-z0-9_+'\\-]+:(?::skin-tone-[2-6]:)?)", // 3 emoji shortcode, maybe with a skin tone
    "((?<![\\w*])\\*(?=\\S)[^*\\n]*?\\S?\\*(?![\\w*]))", // 4 bold
    "((?<![\\w_])_(?=\\S)[^_\\n]*?\\S?_(?![\\w_]))", // 5 italic
    "((?<![\\w~])~(?=\\S)[^~\\n]*?\\S?~(?![\\w~]))", // 6 strike
    // 7 a bare link: it ends at a space, a "|" or an escaped < or >, and not on punctuation
    "(https?:\\/\\/(?:(?!&[lg]t;)[^\\s<>|])*(?:(?!&[lg]t;)[^\\s<>|.,;:!?)\\]'\"]))",
  ].join("|"),
  "g",
);

const SAFE_SCHEMES = /^(https?:|mailto:)/i;

export function decode(text) {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

// What a person types becomes Slack's stored form.
export function encode(text) {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function render(text, ctx) {
  const out = [];
  const parts = String(text ?? "").split("```");
  parts.forEach((part, i) => {
    // Odd parts sit between a pair of fences; an unclosed fence is shown as typed.
    if (i % 2 === 1 && i < parts.length - 1) {
      out.push(h("pre", { class: "code-block" }, decode(part.replace(/^\n/, ""))));
    } else {
      if (i % 2 === 1) out.push("```");
      out.push(...blocks(part, ctx));
    }
  });
  return out;
}

function blocks(text, ctx) {
  const out = [];
  let quote = null;
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    const quoted = line.match(/^(&gt;|>) ?(.*)$/);
    if (quoted) {
      if (!quote) {
        quote = h("blockquote");
        out.push(quote);
      } else {
        quote.append(h("br"));
      }
      quote.append(...inline(quoted[2], ctx));
      return;
    }
    quote = null;
    out.push(...inline(line, ctx));
    if (i < lines.length - 1 && !(lines[i + 1] ?? "").match(/^(&gt;|>)/)) out.push(h("br"));
  });
  return out;
}

export function inline(text, ctx) {
  const out = [];
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    if (match.index > last) out.push(...plain(decode(text.slice(last, match.index)), ctx));
    out.push(token(match, ctx));
    last = match.index + match[0].length;
  }
  if (last < text.length) out.push(...plain(decode(text.slice(last)), ctx));
  return out;
}

// Plain text, with the emoji typed in it as characters shown by their pictures (ctx.emojiNode).
function plain(text, ctx) {
  const out = [];
  let last = 0;
  for (const match of text.matchAll(TYPED)) {
    if (match.index > last) out.push(text.slice(last, match.index));
    out.push(ctx.emojiNode(match[0], match[0]));
    last = match.index + match[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

function token(match, ctx) {
  const [whole, code, angle, emoji, bold, italic, strike, bare] = match;
  if (code) return h("code", {}, decode(code.slice(1, -1)));
  if (angle) return special(angle.slice(1, -1), ctx);
  if (emoji) {
    const custom = ctx.customEmoji?.(emoji.slice(1, -1));
    if (custom) return custom;
    const char = ctx.emoji(emoji.slice(1, -1));
    return char ? ctx.emojiNode(char, emoji) : emoji;
  }
  if (bold) return h("strong", {}, inline(bold.slice(1, -1), ctx));
  if (italic) return h("em", {}, inline(italic.slice(1, -1), ctx));
  if (strike) return h("del", {}, inline(strike.slice(1, -1), ctx));
  if (bare) return link(decode(bare), decode(bare));
  return whole;
}

function special(body, ctx) {
  const [target, label] = splitOnce(body, "|");
  if (target.startsWith("@U") || target.startsWith("@W") || target.startsWith("@B")) {
    const id = target.slice(1);
    const name = label || ctx.userName?.(id) || id;
    const me = id === ctx.me;
    return h("span", { class: me ? "mention me" : "mention", dataset: { user: id } }, `@${name}`);
  }
  if (target.startsWith("#C") || target.startsWith("#G")) {
    const id = target.slice(1);
    const name = label || ctx.channelName?.(id) || id;
    return h("a", { class: "channel-link", href: ctx.channelHref?.(id) ?? "#" }, `#${name}`);
  }
  if (target.startsWith("!")) {
    const word = target.slice(1).split("^")[0];
    if (["here", "channel", "everyone"].includes(word)) {
      return h("span", { class: "mention broadcast" }, `@${word}`);
    }
    if (word === "subteam") {
      const id = target.split("^")[1] ?? "";
      const handle = label.replace(/^@/, "") || ctx.groupHandle?.(id) || id;
      return h("span", { class: "mention group", dataset: { usergroup: id } }, `@${handle}`);
    }
    return decode(label || `<${target}>`);
  }
  const url = decode(target);
  if (SAFE_SCHEMES.test(url)) return link(url, decode(label || target));
  // Another scheme's link shows its label alone; what is no link at all (a bot's raw
  // "<script>") shows as it was written.
  return decode(label || (/^[a-z][a-z0-9+.-]*:/i.test(target) ? target : `<${target}>`));
}

function link(url, text) {
  return h("a", { href: url, target: "_blank", rel: "noopener noreferrer nofollow" }, text);
}

function splitOnce(text, sep) {
  const at = text.indexOf(sep);
  return at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + 1)];
}

// A stored message back into what its author would type, for editing.
export function editable(text, ctx) {
  return decode(
    String(text ?? "")
      .replace(/<([@#])([A-Z0-9]+)(?:\|([^>]*))?>/g, (_all, sigil, id, label) => {
        if (sigil === "@") return `@${ctx.userName?.(id) ?? id}`;
        return `#${label || ctx.channelName?.(id) || id}`;
      })
      .replace(/<!subteam\^([A-Z0-9]+)(?:\|@?([^>]*))?>/g, (_all, id, label) => `@${label || ctx.groupHandle?.(id) || id}`),
  );
}

// What a person typed, for sending: escaped, with @name and #channel of known people and
// channels turned into Slack's mentions.
export function compose(typed, ctx) {
  return encode(typed)
    .replace(/(^|[\s(])@([\w.\-]+)/g, (all, before, name) => {
      const id = ctx.userByName?.(name);
      if (id) return `${before}<@${id}>`;
      // A user group's handle, as Slack's clients write its mention.
      const group = ctx.groupByHandle?.(name);
      return group ? `${before}<!subteam^${group.id}|@${group.handle}>` : all;
    })
    .replace(/(^|[\s(])#([\w\-]+)/g, (all, before, name) => {
      const id = ctx.channelByName?.(name);
      return id ? `${before}<#${id}|${name}>` : all;
    })
    .replace(/(^|\s)@(here|channel|everyone)\b/g, "$1<!$2>");
}
