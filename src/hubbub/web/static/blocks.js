// Slack's Block Kit, drawn to DOM nodes: the blocks of apps' messages and of views (modals, Home
// tabs: their inputs too), and legacy attachments. Every piece of text goes through mrkdwn.js
// or into a text node; images only through the server's proxy (ctx.image), so the page's CSP
// stays img-src 'self'.
//
// ctx: mrkdwn.js's context, plus
//   press(block, element, choice) or null: an element was used (null: drawn disabled);
//   image(url): the proxied address of an image, or null where none may be shown.

import { h } from "./dom.js";
import { clock } from "./format.js";
import { inline, render } from "./mrkdwn.js";
import { GROUPED, KINDS, drawElement } from "./pickers.js";

const KNOWN = new Set(["section", "context", "divider", "header", "actions", "rich_text", "image", "input"]);

// The nodes of a message's blocks, or null when it has none or one of a type this client does
// not draw: the message's text is shown instead, as Slack does.
export function blockNodes(blocks, ctx) {
  if (!Array.isArray(blocks) || !blocks.length) return null;
  if (!blocks.every((b) => b && typeof b === "object" && KNOWN.has(b.type) && b.type !== "input")) return null;
  return h("div", { class: "blocks" }, blocks.map((b) => block(b, ctx)));
}

export function block(b, ctx) {
  switch (b.type) {
    case "section":
      return section(b, ctx);
    case "context":
      return h("div", { class: "bk-context" }, list(b.elements).map((e) => (e?.type === "image" ? image(e, ctx, "bk-context-img") : text(e, ctx))));
    case "divider":
      return h("hr", { class: "bk-divider" });
    case "header":
      return h("h3", { class: "bk-header" }, plain(b.text, ctx));
    case "actions":
      return h("div", { class: "bk-actions" }, list(b.elements).map((e) => element(b, e, ctx)));
    case "rich_text":
      return h("div", { class: "bk-rich" }, list(b.elements).map((e) => richBlock(e, ctx)));
    case "input":
      return input(b, ctx);
    case "image":
      return h(
        "figure",
        { class: "bk-image" },
        b.title ? h("figcaption", {}, plain(b.title, ctx)) : null,
        image(b, ctx, "bk-image-img"),
      );
    default:
      return null;
  }
}

function section(b, ctx) {
  const fields = list(b.fields);
  return h(
    "div",
    { class: "bk-section" },
    h(
      "div",
      { class: "bk-section-main" },
      b.text ? h("div", { class: "bk-text" }, text(b.text, ctx)) : null,
      fields.length ? h("div", { class: "bk-fields" }, fields.map((f) => h("div", { class: "bk-field" }, text(f, ctx)))) : null,
    ),
    b.accessory ? h("div", { class: "bk-accessory" }, b.accessory.type === "image" ? image(b.accessory, ctx, "bk-accessory-img") : element(b, b.accessory, ctx)) : null,
  );
}

// A text object: mrkdwn rendered, plain text as text (its :emoji: shown unless emoji: false).
export function text(t, ctx) {
  if (!t || typeof t !== "object") return null;
  if (t.type === "mrkdwn") return render(String(t.text ?? ""), ctx);
  return plain(t, ctx);
}

export function plain(t, ctx) {
  const value = typeof t === "string" ? t : String(t?.text ?? "");
  if (t?.emoji === false) return value;
  const out = [];
  let last = 0;
  for (const match of value.matchAll(/:([a-z0-9_+'-]+):/g)) {
    const char = ctx.emoji(match[1]);
    if (!char) continue;
    if (match.index > last) out.push(value.slice(last, match.index));
    out.push(ctx.emojiNode(char, match[0]));
    last = match.index + match[0].length;
  }
  if (last < value.length) out.push(value.slice(last));
  return out;
}

function image(e, ctx, cls) {
  const alt = String(e.alt_text ?? "");
  const src = ctx.image(e.image_url);
  if (!src) return h("span", { class: `bk-img-missing ${cls}` }, alt ? `[${alt}]` : "[image]");
  return h("img", { class: cls, src, alt, loading: "lazy", referrerpolicy: "no-referrer" });
}

// -- interactive elements -------------------------------------------------------------------

// An element of an actions block or a section's accessory, wired to ctx.press.
function element(b, e, ctx) {
  if (!e || typeof e !== "object") return null;
  const use = ctx.press ? (choice) => ctx.press(b, e, choice) : null;
  switch (e.type) {
    case "button":
      return button(e, ctx, use);
    case "static_select":
      return select(e, ctx, use, (v) => ({ value: v }));
    case "overflow":
      return overflow(e, ctx, use);
    case "datepicker":
      return datepicker(e, use);
    case "radio_buttons":
      return radios(e, ctx, `${b.block_id ?? ""}/${e.action_id ?? ""}`, use);
    case "image":
      return image(e, ctx, "bk-accessory-img");
    default:
      // Number, email and URL inputs live in input blocks only.
      return KINDS.has(e.type) && !e.type.endsWith("_input") ? drawElement(e, ctx, { use, label: labelOf(e), text: (t) => text(t, ctx) }) : null;
  }
}

// What names an element drawn outside an input block, for assistive technology.
function labelOf(e) {
  return String(e.placeholder?.text ?? e.type.replace(/_/g, " "));
}

function button(e, ctx, use) {
  const style = e.style === "primary" || e.style === "danger" ? ` ${e.style}` : "";
  const url = typeof e.url === "string" && /^https?:\/\//i.test(e.url) ? e.url : null;
  return h(
    "button",
    {
      class: `bk-button${style}`,
      type: "button",
      disabled: !use,
      dataset: { actionId: String(e.action_id ?? "") },
      onclick: async (ev) => {
        const node = ev.currentTarget;
        if (url) window.open(url, "_blank", "noopener,noreferrer");
        node.disabled = true;
        try {
          await use?.({});
        } finally {
          node.disabled = false;
        }
      },
    },
    plain(e.text, ctx),
  );
}

function options(e) {
  const all = list(e.options);
  for (const group of list(e.option_groups)) all.push(...list(group?.options));
  return all.filter((o) => o && typeof o === "object");
}

// A static select: a native <select> (its first option the placeholder), as it is in modals.
export function select(e, ctx, use, choice, name) {
  const chosen = e.initial_option?.value;
  const node = h(
    "select",
    { class: "bk-select", disabled: !use && !name, name, "aria-label": name ? undefined : String(e.placeholder?.text ?? "Choose an option"), dataset: { actionId: String(e.action_id ?? "") } },
    h("option", { value: "", disabled: !name, selected: chosen === undefined }, String(e.placeholder?.text ?? "Choose an option")),
    options(e).map((o) => h("option", { value: String(o.value ?? ""), selected: o.value === chosen }, String(o.text?.text ?? o.value ?? ""))),
  );
  if (use) node.addEventListener("change", () => node.value && use(choice(node.value)));
  return node;
}

// Slack's overflow menu ("…"): a select whose first entry is its label, back there after each
// choice.
function overflow(e, ctx, use) {
  const node = h(
    "select",
    { class: "bk-overflow", disabled: !use, "aria-label": "More actions", dataset: { actionId: String(e.action_id ?? "") } },
    h("option", { value: "" }, "⋯"),
    options(e).map((o) => h("option", { value: String(o.value ?? "") }, String(o.text?.text ?? ""))),
  );
  node.addEventListener("change", () => {
    const value = node.value;
    node.value = "";
    if (value) use?.({ value });
  });
  return node;
}

export function datepicker(e, use, name) {
  const node = h("input", {
    type: "date",
    class: "bk-date",
    name,
    disabled: !use && !name,
    // In a modal its input's label names it.
    "aria-label": name ? undefined : String(e.placeholder?.text ?? "Pick a date"),
    dataset: { actionId: String(e.action_id ?? "") },
  });
  if (typeof e.initial_date === "string" && /^\d{4}-\d{2}-\d{2}$/.test(e.initial_date)) node.value = e.initial_date;
  if (use) node.addEventListener("change", () => node.value && use({ selected_date: node.value }));
  return node;
}

export function radios(e, ctx, group, use, name) {
  const chosen = e.initial_option?.value;
  const field = `bk-radio-${group}-${Math.random().toString(36).slice(2, 8)}`;
  return h(
    "fieldset",
    { class: "bk-radios", dataset: { actionId: String(e.action_id ?? "") } },
    options(e).map((o) => {
      const input = h("input", { type: "radio", name: name ?? field, value: String(o.value ?? ""), checked: o.value === chosen, disabled: !use && !name });
      if (use) input.addEventListener("change", () => input.checked && use({ value: input.value }));
      return h("label", { class: "bk-radio" }, input, " ", text(o.text, ctx));
    }),
  );
}

// An input block (a modal's or a Home tab's): its label, the element (named
// block_id/action_id, as views.submit reads a modal's form), its hint, and a place for the
// app's error. With dispatch_action the element also presses blocks.actions as it is used, as
// in Slack: a choice when made, a text input's text on Enter (Ctrl or Cmd+Enter when
// multiline).
export function input(b, ctx) {
  const e = b.element ?? {};
  const name = `${b.block_id}/${e.action_id}`;
  const fieldId = `bk-${Math.random().toString(36).slice(2, 10)}`;
  const use = b.dispatch_action === true && ctx.press ? (choice) => ctx.press(b, e, choice) : null;
  let control = null;
  switch (e.type) {
    case "plain_text_input": {
      const props = { id: fieldId, name, placeholder: e.placeholder?.text ? String(e.placeholder.text) : undefined, maxlength: Number(e.max_length) > 0 ? Number(e.max_length) : undefined };
      control = e.multiline ? h("textarea", props) : h("input", { ...props, type: "text" });
      if (typeof e.initial_value === "string") control.value = e.initial_value;
      if (use) {
        const field = control;
        field.addEventListener("keydown", (ev) => {
          if (ev.key !== "Enter" || ev.isComposing || (e.multiline && !(ev.ctrlKey || ev.metaKey))) return;
          // Not the form's submit: the app hears the text.
          ev.preventDefault();
          if (field.value.trim()) use({ value: field.value });
        });
      }
      break;
    }
    case "static_select":
      control = select(e, ctx, use, (v) => ({ value: v }), name);
      control.id = fieldId;
      break;
    case "datepicker":
      control = datepicker(e, use, name);
      control.id = fieldId;
      break;
    case "radio_buttons":
      control = radios(e, ctx, name, use, name);
      break;
    default:
      if (KINDS.has(e.type)) {
        control = drawElement(e, ctx, { use, name, text: (t) => text(t, ctx) });
        control.id = fieldId;
      } else {
        control = h("p", { class: "bk-hint" }, "This kind of input is not shown here yet.");
      }
  }
  const label = b.label ? plain(b.label, ctx) : "";
  const grouped = e.type === "radio_buttons" || GROUPED.has(e.type);
  return h(
    grouped ? "fieldset" : "div",
    { class: "bk-input", dataset: { blockId: String(b.block_id ?? "") } },
    grouped ? h("legend", {}, label, b.optional ? " (optional)" : null) : h("label", { for: fieldId }, label, b.optional ? " (optional)" : null),
    control,
    b.hint ? h("div", { class: "bk-hint" }, plain(b.hint, ctx)) : null,
    h("div", { class: "bk-error", role: "alert", hidden: true }),
  );
}

// -- rich text ----------------------------------------------------------------------------

function richBlock(e, ctx) {
  if (!e || typeof e !== "object") return null;
  switch (e.type) {
    case "rich_text_section":
      return h("div", { class: "bk-rich-section" }, richInline(e.elements, ctx));
    case "rich_text_list": {
      const indent = Math.max(0, Math.min(Number(e.indent) || 0, 8));
      const node = h(e.style === "ordered" ? "ol" : "ul", { class: `bk-rich-list indent-${indent}` }, list(e.elements).map((item) => h("li", {}, richInline(item?.elements, ctx))));
      return node;
    }
    case "rich_text_quote":
      return h("blockquote", {}, richInline(e.elements, ctx));
    case "rich_text_preformatted":
      return h("pre", { class: "code-block" }, list(e.elements).map((x) => String(x?.text ?? x?.url ?? "")).join(""));
    default:
      return null;
  }
}

const ID = /^[A-Z0-9]+$/;

function richInline(elements, ctx) {
  return list(elements).map((e) => {
    if (!e || typeof e !== "object") return null;
    switch (e.type) {
      case "text":
        return styled(String(e.text ?? ""), e.style);
      case "link": {
        const url = String(e.url ?? "");
        const shown = String(e.text || url);
        if (!/^(https?:|mailto:)/i.test(url)) return styled(shown, e.style);
        return styled(h("a", { href: url, target: "_blank", rel: "noopener noreferrer nofollow" }, shown), e.style);
      }
      case "user":
        return ID.test(e.user_id ?? "") ? inline(`<@${e.user_id}>`, ctx) : null;
      case "channel":
        return ID.test(e.channel_id ?? "") ? inline(`<#${e.channel_id}>`, ctx) : null;
      case "usergroup":
        return ID.test(e.usergroup_id ?? "") ? inline(`<!subteam^${e.usergroup_id}>`, ctx) : null;
      case "broadcast":
        return ["here", "channel", "everyone"].includes(e.range) ? inline(`<!${e.range}>`, ctx) : null;
      case "emoji": {
        const char = ctx.emoji(String(e.name ?? "")) ?? (typeof e.unicode === "string" ? unicode(e.unicode) : null);
        return char ? ctx.emojiNode(char, `:${e.name}:`) : `:${e.name}:`;
      }
      case "date":
        return typeof e.timestamp === "number" ? String(e.fallback ?? clock(e.timestamp)) : null;
      default:
        return null;
    }
  });
}

function unicode(codes) {
  try {
    return String.fromCodePoint(...codes.split("-").map((c) => parseInt(c, 16)));
  } catch {
    return null;
  }
}

function styled(node, style) {
  let out = node;
  if (style?.code) out = h("code", {}, out);
  if (style?.bold) out = h("strong", {}, out);
  if (style?.italic) out = h("em", {}, out);
  if (style?.strike) out = h("del", {}, out);
  return out;
}

// -- legacy attachments ---------------------------------------------------------------------

const NAMED_COLOURS = { good: "#2eb886", warning: "#daa038", danger: "#a30200" };

function colour(value) {
  if (typeof value !== "string") return null;
  if (NAMED_COLOURS[value]) return NAMED_COLOURS[value];
  const hex = value.startsWith("#") ? value.slice(1) : value;
  return /^([0-9a-f]{3}|[0-9a-f]{6})$/i.test(hex) ? `#${hex}` : null;
}

// Slack's attachments, as link previews and bots send them: the colour bar, pretext, author,
// a linked title, text, fields (short ones side by side), an image, footer and time.
export function attachmentNodes(attachments, ctx) {
  if (!Array.isArray(attachments) || !attachments.length) return null;
  const safe = (url) => (typeof url === "string" && /^https?:\/\//i.test(url) ? url : null);
  const md = (a, field, value) => (list(a.mrkdwn_in).includes(field) || a.from_url === undefined ? render(String(value), ctx) : String(value));
  return attachments.filter((a) => a && typeof a === "object").map((a) => {
    const link = safe(a.title_link ?? a.from_url);
    const title = a.title ? (link ? h("a", { href: link, target: "_blank", rel: "noopener noreferrer nofollow" }, String(a.title)) : String(a.title)) : null;
    const authorLink = safe(a.author_link);
    const fields = list(a.fields).filter((f) => f && typeof f === "object");
    const bar = colour(a.color);
    const blocks = Array.isArray(a.blocks) && a.blocks.length ? blockNodes(a.blocks, ctx) : null;
    const image = safe(a.image_url) && ctx.image(a.image_url);
    const thumb = !image && safe(a.thumb_url) && ctx.image(a.thumb_url);
    const node = h(
      "div",
      { class: "attachment" },
      a.pretext ? h("div", { class: "pretext" }, md(a, "pretext", a.pretext)) : null,
      h(
        "div",
        { class: "att-body" },
        h(
          "div",
          { class: "att-main" },
          a.service_name ? h("div", { class: "service" }, String(a.service_name)) : null,
          a.author_name ? h("div", { class: "author-name" }, authorLink ? h("a", { href: authorLink, target: "_blank", rel: "noopener noreferrer nofollow" }, String(a.author_name)) : String(a.author_name)) : null,
          title ? h("div", { class: "title" }, title) : null,
          blocks ?? (a.text || (a.fallback && !fields.length && !title) ? h("div", { class: "summary" }, md(a, "text", a.text || a.fallback)) : null),
          fields.length ? h("div", { class: "att-fields" }, fields.map((f) => h("div", { class: f.short ? "att-field short" : "att-field" }, f.title ? h("div", { class: "att-field-title" }, String(f.title)) : null, h("div", { class: "att-field-value" }, md(a, "fields", f.value ?? ""))))) : null,
          image ? h("img", { class: "att-image", src: image, alt: String(a.title ?? a.fallback ?? ""), loading: "lazy", referrerpolicy: "no-referrer" }) : null,
          a.footer || a.ts ? h("div", { class: "att-footer" }, a.footer ? String(a.footer) : null, a.footer && a.ts ? " | " : null, Number(a.ts) > 0 ? clock(Number(a.ts)) : null) : null,
        ),
        thumb ? h("img", { class: "att-thumb", src: thumb, alt: "", loading: "lazy", referrerpolicy: "no-referrer" }) : null,
      ),
    );
    // The bar's colour by style property: the CSP allows no inline style attribute.
    if (bar) node.style.borderLeftColor = bar;
    return node;
  });
}

function list(value) {
  return Array.isArray(value) ? value : [];
}
