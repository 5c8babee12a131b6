// Files inside messages, as Slack's clients show them (docs/files.md, In the browser): images
// inline (a thumbnail when the server has made one, else the image itself, scaled down), other
// files as a card that downloads, deleted ones as Slack's tombstone; the full-size viewer,
// deleting a file, and the live file events. Methods of Client (app.js).
//
// Every URL is the server's own (url_private, url_private_download, thumb_*), read at this
// page's address with the session cookie (dom.js here): the page's CSP (img-src 'self') loads
// images from nowhere else.

import { call } from "./api.js";
import { h, here } from "./dom.js";
import { fileSize } from "./format.js";

const INLINE = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);
const BOX = 360; // px: the longest edge of an image shown in a message
export const TOMBSTONE = "This file was deleted.";

export function isInlineImage(file) {
  return INLINE.has(file?.mimetype);
}

// The picture to show in a message, and the size it is known to have: a thumbnail (the 480
// on a dense screen, else the 360), or the file itself with its original size when known. An
// image smaller than 360 has no such thumbnail (only smaller ones): it is shown itself.
function preview(file) {
  const edges = window.devicePixelRatio > 1 ? [480, 360, 720] : [360, 480, 720];
  for (const edge of edges) {
    const src = here(file[`thumb_${edge}`]);
    if (src) return { src, w: file[`thumb_${edge}_w`] ?? file.original_w, h: file[`thumb_${edge}_h`] ?? file.original_h };
  }
  return { src: here(file.url_private), w: file.original_w, h: file.original_h };
}

// Width and height attributes that fit the image in BOX: the browser keeps its place from the
// start, so the list does not jump when it arrives.
function fitted(w, h) {
  if (!(w > 0 && h > 0)) return {};
  const scale = Math.min(1, BOX / w, BOX / h);
  return { width: Math.max(1, Math.round(w * scale)), height: Math.max(1, Math.round(h * scale)) };
}

function typeLabel(file) {
  const type = String(file.filetype || file.name?.split(".").pop() || "file");
  return type.slice(0, 4).toUpperCase();
}

export class Files {
  // The files of one message, for the channel's list or the thread's (`where`).
  fileNodes(files, where) {
    if (!Array.isArray(files) || !files.length) return null;
    return h("div", { class: "files" }, files.filter((f) => f && typeof f === "object").map((file) => {
      if (file.mode === "tombstone") return h("p", { class: "file tombstone", dataset: { file: String(file.id) } }, TOMBSTONE);
      return isInlineImage(file) && preview(file).src ? this.imageNode(file, where) : this.cardNode(file);
    }));
  }

  mayDelete(file) {
    const me = this.users.get(this.me);
    return file.user === this.me || Boolean(me?.is_admin || me?.is_owner);
  }

  deleteButton(file) {
    if (!this.mayDelete(file)) return null;
    const name = file.title || file.name;
    return h("button", { class: "file-delete", "aria-label": `Delete file ${name}`, title: "Delete file", onclick: () => this.deleteFile(file) }, "Delete");
  }

  imageNode(file, where) {
    const name = file.title || file.name;
    const { src, w, h: height } = preview(file);
    // The same <img> is kept across redraws (every event redraws the list): it is not loaded,
    // decoded and laid out again each time.
    this.fileImages ??= new Map();
    if (this.fileImages.size > 400) this.fileImages.clear(); // images scrolled past load again
    const key = `${where}|${file.id}|${src}`;
    let img = this.fileImages.get(key);
    if (!img) {
      img = h("img", { src, decoding: "async" });
      img.addEventListener("load", () => this.imageLoaded(img));
      this.fileImages.set(key, img);
    }
    img.alt = file.alt_txt || name;
    const size = fitted(w, height);
    for (const edge of ["width", "height"]) {
      if (size[edge]) img.setAttribute(edge, String(size[edge]));
      else img.removeAttribute(edge);
    }
    const open = h("button", { class: "thumb", "aria-label": `View ${name} full size`, "aria-haspopup": "dialog", onclick: (e) => this.openImage(file, e.currentTarget) }, img);
    return h(
      "figure",
      { class: "file image", dataset: { file: file.id } },
      open,
      h("figcaption", {}, h("span", { class: "file-name" }, name), h("span", { class: "file-meta" }, fileSize(file.size)), this.deleteButton(file)),
    );
  }

  cardNode(file) {
    const name = file.title || file.name;
    const download = here(file.url_private_download);
    return h(
      "div",
      { class: "file card", dataset: { file: file.id } },
      h("span", { class: "file-icon", "aria-hidden": "true" }, typeLabel(file)),
      h("div", { class: "file-info" },
        h("span", { class: "file-name" }, name),
        h("span", { class: "file-meta" }, `${file.pretty_type || typeLabel(file)} · ${fileSize(file.size)}`)),
      h("span", { class: "file-actions" },
        download ? h("a", { class: "file-download", href: download, download: file.name || "", "aria-label": `Download ${name}` }, "Download") : null,
        this.deleteButton(file)),
    );
  }

  // An image that came in after the list was drawn keeps a list read to its end at its end.
  imageLoaded(img) {
    for (const list of [this.list, this.threadList]) {
      if (list?.contains(img) && list.dataset.stuck !== "false") list.scrollTop = list.scrollHeight;
    }
  }

  openImage(file, opener) {
    const name = file.title || file.name;
    const full = h("img", { class: "full", src: here(file.url_private), alt: file.alt_txt || name, ...fitted(file.original_w, file.original_h) });
    const download = here(file.url_private_download);
    const list = opener.closest("[role=log]");
    this.dialogs.open(name, h(
      "div",
      { class: "dialog-body viewer" },
      full,
      h("p", { class: "file-meta" }, `${file.pretty_type || typeLabel(file)} · ${fileSize(file.size)} `, download ? h("a", { href: download, download: file.name || "" }, "Download") : null),
    ), {
      className: "viewer",
      // The browser gives focus back to the opener; a redraw while the dialog was open may have
      // replaced it with its twin, which gets the focus instead.
      onclose: () => {
        if (opener.isConnected) return;
        list?.querySelector(`[data-file="${CSS.escape(file.id)}"] button.thumb`)?.focus();
      },
    });
  }

  async deleteFile(file) {
    const name = file.title || file.name;
    const sure = await this.dialogs.confirm(`Delete ${name}? It goes from every conversation it was shared in, for everyone. This cannot be undone.`, "Delete file");
    if (!sure) return;
    try {
      await call("files.delete", { file: file.id });
      this.fileGone(file.id);
    } catch (err) {
      this.fail("Not deleted.", err);
    }
  }

  // -- live: file_deleted, file_change ----------------------------------------------------

  fileGone(id) {
    this.replaceFile(id, () => ({ id, mode: "tombstone" }));
  }

  async onFileChange(e) {
    const id = e.file_id ?? e.file?.id;
    if (!this.showsFile(id)) return;
    try {
      const { file } = await call("files.info", { file: id });
      this.replaceFile(id, (old) => (old.mode === "tombstone" ? old : file));
    } catch (err) {
      if (err.error === "file_deleted") this.fileGone(id);
      else console.warn("file_change", err);
    }
  }

  showsFile(id) {
    for (const tl of [...this.timelines.values(), ...this.threads.values()]) {
      if (tl.list().some((m) => m.files?.some((f) => f?.id === id))) return true;
    }
    return false;
  }

  // Changes the file in every message that shows it, in every conversation and thread held.
  replaceFile(id, change) {
    const touched = new Set();
    const held = [...this.timelines].concat([...this.threads].map(([key, tl]) => [key.split("/")[0], tl]));
    for (const [channel, tl] of held) {
      for (const m of tl.list()) {
        if (!m.files?.some((f) => f?.id === id)) continue;
        tl.update(m.ts, (old) => ({ ...old, files: old.files.map((f) => (f?.id === id ? change(f) : f)) }));
        touched.add(channel);
      }
    }
    for (const channel of touched) this.redraw(channel);
  }
}
