// Apps' modals (docs/integrations.md, Modals): the person's stream brings view_opened,
// view_updated and view_closed; each open view is a <dialog> drawn from its blocks, submitted
// with views.submit (the app's `errors` shown under their inputs) and closed with views.close.
// Its buttons and menus outside inputs press blocks.actions with the view's id, its images come
// through the proxy (home.js viewCtx). A pushed view takes its parent's place, as in Slack,
// and its closing shows the parent again. Methods of Client (app.js).

import { call } from "./api.js";
import { block, plain } from "./blocks.js";
import { h } from "./dom.js";
import { describe } from "./errors.js";
import { MANY, problem } from "./pickers.js";

export class Modals {
  modals() {
    this.openViews ??= new Map(); // view id -> { dialog, view }
    return this.openViews;
  }

  onViewOpened(e) {
    const view = e.view;
    if (!view || view.type !== "modal" || typeof view.id !== "string") return;
    if (this.modals().has(view.id)) return this.onViewUpdated(e);
    const dialog = h("dialog", { class: "bk-modal", dataset: { viewId: view.id } });
    // Escape or the close button: the person closes the view (views.close); the server's
    // view_closed then takes the dialog away.
    dialog.addEventListener("cancel", (ev) => {
      ev.preventDefault();
      this.closeView(view.id);
    });
    this.modals().set(view.id, { dialog, view });
    this.drawView(view.id);
    // Pushed: the view under it steps aside until this one closes.
    this.modals().get(view.previous_view_id)?.dialog.close();
    document.body.append(dialog);
    dialog.showModal();
    dialog.querySelector("input, textarea, select")?.focus();
  }

  onViewUpdated(e) {
    const open = this.modals().get(e.view?.id);
    if (!open) return this.onViewOpened(e);
    open.view = e.view;
    this.drawView(e.view.id);
  }

  onViewClosed(e) {
    const open = this.modals().get(e.view_id);
    if (!open) return;
    this.modals().delete(e.view_id);
    open.dialog.close();
    open.dialog.remove();
    // The view it was pushed onto, if still open, is back (unless another pushed onto it is).
    const under = this.modals().get(open.view.previous_view_id);
    const above = [...this.modals().values()].some((v) => v.view.previous_view_id === open.view.previous_view_id);
    if (under && !under.dialog.open && !above) under.dialog.showModal();
  }

  drawView(id) {
    const { dialog, view } = this.modals().get(id);
    const titleId = `view-title-${id}`;
    const ctx = { ...this.ctx(), ...this.viewCtx(id) };
    const body = (view.blocks ?? []).map((b) => (b && typeof b === "object" ? block(b, ctx) : null));
    const form = h(
      "form",
      { class: "dialog-body", novalidate: true },
      body,
      h("p", { class: "bk-error form-error", role: "alert", hidden: true }),
      h(
        "div",
        { class: "buttons" },
        h("button", { type: "button", onclick: () => this.closeView(id) }, plain(view.close ?? "Cancel", ctx)),
        view.submit ? h("button", { type: "submit", class: "primary" }, plain(view.submit, ctx)) : null,
      ),
    );
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.submitView(id, form);
    });
    dialog.setAttribute("aria-labelledby", titleId);
    dialog.replaceChildren(
      h(
        "header",
        {},
        h("h2", { id: titleId }, plain(view.title ?? "", ctx)),
        // A pushed view's ✕ goes back to the view under it (views.close closes this one only).
        h("button", { type: "button", class: "icon", "aria-label": view.previous_view_id ? "Back" : "Close", onclick: () => this.closeView(id) }, "✕"),
      ),
      form,
    );
  }

  async submitView(id, form) {
    const open = this.modals().get(id);
    if (!open) return;
    const { values, missing, wrong } = valuesOf(open.view, form);
    // As Slack's client: what the server would refuse is said under its input, nothing sent.
    showErrors(form, { ...wrong, ...Object.fromEntries(missing.map((b) => [b, "Please fill this in."])) });
    if (missing.length || Object.keys(wrong).length) return;
    const button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    try {
      const answer = await call("views.submit", { view_id: id, values });
      // errors stay in the view; update, push and close arrive as view_* events.
      if (answer.response_action === "errors") showErrors(form, answer.errors ?? {});
    } catch (err) {
      const note = form.querySelector(".form-error");
      note.hidden = false;
      note.textContent = describe(err);
      note.title = err?.error ?? "";
    } finally {
      if (button) button.disabled = false;
    }
  }

  async closeView(id) {
    try {
      await call("views.close", { view_id: id });
    } catch (err) {
      // A view the server no longer has (closed elsewhere, the app cleared it): gone here too.
      if (err?.error !== "not_found") return this.fail("Not closed.", err);
    }
    this.onViewClosed({ view_id: id });
  }
}

// The values of a view's inputs, as views.submit takes them ({block_id: {action_id: text}},
// a list of strings for checkboxes and multi-selects), the required ones left empty, and the
// messages for those the server would refuse (a number out of bounds, an email or URL that
// does not parse), by block.
function valuesOf(view, form) {
  const data = new FormData(form);
  const values = {};
  const missing = [];
  const wrong = {};
  for (const b of view.blocks ?? []) {
    if (b?.type !== "input" || !b.element) continue;
    const field = `${b.block_id}/${b.element.action_id}`;
    const value = MANY.has(b.element.type) ? data.getAll(field).map(String) : String(data.get(field) ?? "");
    const empty = Array.isArray(value) ? !value.length : !value.trim();
    if (empty && !b.optional) missing.push(b.block_id);
    const why = Array.isArray(value) ? null : problem(b.element, value);
    if (why) wrong[b.block_id] = why;
    values[b.block_id] = { [b.element.action_id]: value };
  }
  return { values, missing, wrong };
}

// The app's response_action: errors, each under its input block.
function showErrors(form, errors) {
  for (const input of form.querySelectorAll(".bk-input")) {
    const message = errors[input.dataset.blockId];
    const note = input.querySelector(".bk-error");
    input.classList.toggle("invalid", Boolean(message));
    note.hidden = !message;
    note.textContent = message ? String(message) : "";
  }
}
