// Block Kit's checkboxes, multi-selects, time picker, number, email and URL inputs, and the
// people and conversation pickers (blocks.js draws the rest). The server parses what is sent
// (domain/inputs.py); the person is told at once, as in Slack, what it would refuse: `problem`.
//
// A picker lists what this client knows the person can see: the workspace's people
// (ctx.people(), users.list read once) and the person's conversations (ctx.conversations(),
// the sidebar's users.conversations); the server checks each pick again.

import { h } from "./dom.js";

export const MANY = new Set(["checkboxes", "multi_static_select", "multi_users_select", "multi_conversations_select", "multi_channels_select"]);
export const KINDS = new Set([...MANY, "timepicker", "number_input", "email_text_input", "url_text_input", "users_select", "conversations_select", "channels_select"]);
// Drawn as a group of controls: a <fieldset> with a <legend>, not a <label for>.
export const GROUPED = new Set(["checkboxes"]);

const NUMBER = /^-?\d{1,30}(\.\d{1,30})?$/;
const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

// Why the text typed in a number, email or URL input would be refused (Slack's words), or null.
export function problem(e, value) {
  if (!value) return null;
  switch (e.type) {
    case "number_input": {
      if (!NUMBER.test(value)) return "Please enter a number.";
      if (value.includes(".") && e.is_decimal_allowed !== true) return "Please enter a whole number.";
      const n = Number(value);
      const low = e.min_value;
      const high = e.max_value;
      if ((low !== undefined && n < Number(low)) || (high !== undefined && n > Number(high))) return `Please enter a number between ${low ?? "-∞"} and ${high ?? "∞"}.`;
      return null;
    }
    case "email_text_input":
      return value.length <= 254 && EMAIL.test(value) ? null : "Please enter a valid email address.";
    case "url_text_input":
      return isUrl(value) ? null : "Please enter a valid URL.";
    default:
      return null;
  }
}

function isUrl(value) {
  if (value.length > 3000 || /[\s\x00-\x1f\x7f]/.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && Boolean(url.hostname);
  } catch {
    return false;
  }
}

function options(e) {
  const all = Array.isArray(e.options) ? [...e.options] : [];
  for (const group of Array.isArray(e.option_groups) ? e.option_groups : []) all.push(...(Array.isArray(group?.options) ? group.options : []));
  return all.filter((o) => o && typeof o === "object");
}

const valuesOf = (list) => new Set((Array.isArray(list) ? list : []).map((o) => (typeof o === "string" ? o : o?.value)));

// One of KINDS as a control. use(choice) or null: presses blocks.actions as it is used (a
// message's element, or an input with dispatch_action); name: its form field in a view
// (block_id/action_id); label: what names it when nothing else does; text(t): a text object's
// nodes.
export function drawElement(e, ctx, { use, name, label, text }) {
  const props = { name, disabled: !use && !name, dataset: { actionId: String(e.action_id ?? "") } };
  // In a view its input block's label names it; elsewhere its placeholder does.
  const aria = name ? undefined : label;
  switch (e.type) {
    case "checkboxes": {
      const chosen = valuesOf(e.initial_options);
      const box = h(
        "fieldset",
        { class: "bk-checkboxes", "aria-label": aria, dataset: props.dataset },
        options(e).map((o) => h("label", { class: "bk-checkbox" }, h("input", { type: "checkbox", name, value: String(o.value ?? ""), checked: chosen.has(o.value), disabled: props.disabled }), " ", text(o.text))),
      );
      if (use) box.addEventListener("change", () => use({ values: [...box.querySelectorAll("input:checked")].map((i) => i.value) }));
      return box;
    }
    case "multi_static_select": {
      const chosen = valuesOf(e.initial_options);
      const node = h("select", { ...props, multiple: true, class: "bk-select bk-multi", "aria-label": aria }, options(e).map((o) => h("option", { value: String(o.value ?? ""), selected: chosen.has(o.value) }, String(o.text?.text ?? o.value ?? ""))));
      return wired(node, use, true);
    }
    case "timepicker": {
      const node = h("input", { ...props, type: "time", class: "bk-date bk-time", "aria-label": aria });
      if (typeof e.initial_time === "string" && /^\d{2}:\d{2}$/.test(e.initial_time)) node.value = e.initial_time;
      if (use) node.addEventListener("change", () => node.value && use({ selected_time: node.value }));
      return node;
    }
    case "number_input":
    case "email_text_input":
    case "url_text_input":
      return typed(e, props, use);
    case "users_select":
    case "multi_users_select":
      return picker(e, props, aria, use, "user", async () => (await ctx.people?.()) ?? [], (u) => [u.id, ctx.personName?.(u) ?? u.name ?? u.id]);
    default:
      return picker(e, props, aria, use, "conversation", async () => (ctx.conversations?.() ?? []).filter((c) => allowed(e, c)), (c) => [c.id, ctx.conversationLabel?.(c) ?? c.name ?? c.id]);
  }
}

function wired(node, use, many) {
  if (use) node.addEventListener("change", () => (many ? use({ values: [...node.selectedOptions].map((o) => o.value) }) : node.value && use({ value: node.value })));
  return node;
}

// Number, email and URL inputs: text fields (a number's junk must reach `problem`, which a
// type=number field would hide); with dispatch_action, Enter sends a valid value.
function typed(e, props, use) {
  const kind = { number_input: "text", email_text_input: "email", url_text_input: "url" }[e.type];
  const node = h("input", { ...props, type: kind, class: "bk-text-input", inputmode: e.type === "number_input" ? (e.is_decimal_allowed ? "decimal" : "numeric") : undefined, placeholder: e.placeholder?.text ? String(e.placeholder.text) : undefined });
  if (typeof e.initial_value === "string") node.value = e.initial_value;
  if (use) {
    node.addEventListener("keydown", (ev) => {
      if (ev.key !== "Enter" || ev.isComposing) return;
      ev.preventDefault();
      if (node.value && !problem(e, node.value)) use({ value: node.value });
    });
  }
  return node;
}

// Which of the person's conversations a conversations or channels select lists: public
// channels only for channels_select, those of its filter's kinds for conversations_select.
function allowed(e, c) {
  if (c.is_archived) return false;
  const kind = c.is_im ? "im" : c.is_mpim ? "mpim" : c.is_private ? "private" : "public";
  if (e.type.includes("channels")) return kind === "public";
  const include = Array.isArray(e.filter?.include) && e.filter.include.length ? e.filter.include : ["public", "private", "im", "mpim"];
  if (e.filter?.exclude_external_shared_channels === true && (c.is_ext_shared || c.is_shared)) return false;
  return include.includes(kind);
}

// A people or conversation picker: a native <select> (multiple for the multi_ kinds), filled
// once the list is known, its initial pick kept.
function picker(e, props, aria, use, what, list, entry) {
  const many = e.type.startsWith("multi_");
  const initial = many ? valuesOf(e.initial_users ?? e.initial_conversations ?? e.initial_channels) : new Set([e.initial_user ?? e.initial_conversation ?? e.initial_channel].filter(Boolean));
  const placeholder = String(e.placeholder?.text ?? (what === "user" ? "Select a person" : "Select a conversation"));
  const node = h("select", { ...props, multiple: many, class: `bk-select bk-${what}s${many ? " bk-multi" : ""}`, "aria-label": aria });
  const first = many ? null : h("option", { value: "", disabled: !props.name, selected: !initial.size }, placeholder);
  node.append(...[first, ...[...initial].map((id) => h("option", { value: id, selected: true }, id))].filter(Boolean));
  list().then(
    (items) => {
      const chosen = new Set([...node.selectedOptions].map((o) => o.value).filter(Boolean));
      const rows = items.map(entry).sort((a, b) => a[1].localeCompare(b[1]));
      node.replaceChildren(...[first, ...rows.map(([id, name]) => h("option", { value: id, selected: chosen.has(id) }, name))].filter(Boolean));
      // An initial pick the list does not hold (someone the person cannot see) is dropped.
      if (first && !node.value) first.selected = true;
      node.dispatchEvent(new Event("bk-filled"));
    },
    () => {},
  );
  return wired(node, use, many);
}
