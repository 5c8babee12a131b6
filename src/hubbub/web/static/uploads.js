// Files a person sends (docs/files.md, In the browser): attached to a composer by its
// paperclip, by dropping them on the conversation or by pasting them into the box. Each is
// uploaded at once, as Slack's clients and slack_sdk do: files.getUploadURLExternal, then the
// bytes POSTed to its upload_url (XMLHttpRequest, for its progress events and its abort; the
// URL is the secret, no cookie or token needed), and, when the message is sent,
// files.completeUploadExternal with the conversation, the thread and the text as
// initial_comment. A row per file shows its progress, a cancel button, and why it failed.

import { call } from "./api.js";
import { h, here } from "./dom.js";
import { fileSize } from "./format.js";

// Slack's errors (and the upload URL's) in words: "Not uploaded: <name> <words>."
const ERRORS = {
  file_upload_size_restricted: "is larger than this workspace allows",
  request_too_large: "is larger than this workspace allows",
  storage_limit_reached: "does not fit: the workspace has no room left for files",
  missing_argument: "is empty",
  no_file_data: "is empty",
  invalid_arguments: "has a name that cannot be used",
  length_mismatch: "changed while it was being sent",
  upload_url_expired: "took too long to send",
  upload_url_not_found: "was lost on the way: try again",
  ratelimited: "could not go: too many uploads at once",
  network: "could not go: the connection failed",
};
export const MAX_PER_MESSAGE = 10; // files.completeUploadExternal takes up to 10 files

export function uploadError(code) {
  return ERRORS[code] ?? `could not go (${String(code).replaceAll("_", " ")})`;
}

class UploadFailed extends Error {
  constructor(error) {
    super(error);
    this.error = error;
  }
}

// The files attached to one composer, from attaching to sending.
export class Attachments {
  constructor(input, label) {
    this.input = input; // the composer's box, which gets the focus when the last row goes
    this.items = [];
    this.tray = h("ul", { class: "uploads", "aria-label": label, hidden: true });
  }

  // Files not failed nor cancelled: uploading, or uploaded and waiting for the message.
  attached() {
    return this.items.some((item) => item.state !== "failed");
  }

  add(files) {
    for (const file of files) this.start(file);
  }

  start(file) {
    const name = file.name || "file";
    const item = { file, name, state: "uploading", fileId: null, xhr: null };
    item.progress = h("progress", { max: Math.max(file.size, 1), value: 0, "aria-label": `Uploading ${name}` });
    item.status = h("span", { class: "upload-status" }, "Uploading…");
    item.button = h("button", { type: "button", class: "icon", "aria-label": `Cancel upload of ${name}`, title: "Cancel", onclick: () => this.drop(item) }, "✕");
    item.node = h(
      "li",
      { class: "upload", dataset: { state: item.state } },
      h("span", { class: "file-name" }, name),
      h("span", { class: "file-meta" }, fileSize(file.size)),
      item.progress,
      item.status,
      item.button,
    );
    this.items.push(item);
    this.tray.append(item.node);
    this.tray.hidden = false;
    item.done = this.upload(item);
  }

  setState(item, state, words) {
    item.state = state;
    item.node.dataset.state = state;
    item.status.textContent = words;
  }

  async upload(item) {
    try {
      const { upload_url: url, file_id: id } = await call("files.getUploadURLExternal", { filename: item.name, length: item.file.size });
      item.fileId = id;
      if (item.state === "cancelled") return;
      await this.put(item, url);
      item.progress.value = item.progress.max;
      this.setState(item, "uploaded", "Ready to send");
      this.relabel(item, `Remove ${item.name}`);
    } catch (err) {
      if (item.state === "cancelled") return;
      item.progress.hidden = true;
      item.status.setAttribute("role", "alert");
      this.setState(item, "failed", `Not uploaded: ${item.name} ${uploadError(err.error ?? "network")}.`);
      this.relabel(item, `Remove ${item.name}`);
    }
  }

  relabel(item, label) {
    item.button.setAttribute("aria-label", label);
    item.button.title = "Remove";
  }

  put(item, url) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      item.xhr = xhr;
      xhr.open("POST", here(url));
      xhr.upload.onprogress = (e) => {
        if (!e.lengthComputable) return;
        item.progress.max = Math.max(e.total, 1);
        item.progress.value = e.loaded;
        item.status.textContent = `${Math.floor((100 * e.loaded) / Math.max(e.total, 1))}%`;
      };
      // The upload URL answers "OK - <bytes>", or its error as a word (docs/files.md).
      xhr.onload = () => (xhr.status === 200 ? resolve() : reject(new UploadFailed(xhr.responseText.trim().split(/\s/)[0] || `http_${xhr.status}`)));
      xhr.onerror = () => reject(new UploadFailed("network"));
      xhr.onabort = () => reject(new UploadFailed("cancelled"));
      xhr.send(item.file);
    });
  }

  // Cancels an upload under way (its request aborted), or takes an uploaded or failed file
  // off the message. What was uploaded stays private to its uploader, as in Slack.
  drop(item) {
    if (item.state === "uploading") item.xhr?.abort();
    item.state = "cancelled";
    this.items = this.items.filter((i) => i !== item);
    const next = item.node.nextElementSibling ?? item.node.previousElementSibling;
    const focused = item.node.contains(document.activeElement);
    item.node.remove();
    this.tray.hidden = this.items.length === 0;
    if (focused) {
      (next?.querySelector("button") ?? this.input)?.focus();
    }
  }

  // Shares what is attached into the conversation (and thread), with the text as
  // initial_comment, once every upload under way has ended. False when nothing could go.
  async send(channel, threadTs, text) {
    // Each file goes with one message: a second Enter while the first waits sends none again.
    const items = this.items.filter((item) => !item.claimed);
    for (const item of items) item.claimed = true;
    await Promise.all(items.map((item) => item.done));
    const ready = items.filter((item) => item.state === "uploaded" && this.items.includes(item));
    if (!ready.length) return false;
    for (let i = 0; i < ready.length; i += MAX_PER_MESSAGE) {
      const batch = ready.slice(i, i + MAX_PER_MESSAGE);
      for (const item of batch) {
        this.setState(item, "sending", "Sending…");
        item.button.disabled = true;
      }
      try {
        await call("files.completeUploadExternal", {
          files: batch.map((item) => ({ id: item.fileId, title: item.name })),
          channel_id: channel,
          thread_ts: threadTs,
          initial_comment: i === 0 && text ? text : undefined,
        });
      } catch (err) {
        // Nothing of this batch was shared: its files and the rest stay uploaded, and may be
        // sent again. Before the first batch went, the caller keeps the text too.
        for (const item of ready.slice(i)) {
          this.setState(item, "uploaded", i === 0 ? "Ready to send" : `Not sent (${String(err.error ?? err).replaceAll("_", " ")}): ready to send again`);
          item.button.disabled = false;
          item.claimed = false;
        }
        if (i === 0) throw err;
        return true;
      }
      for (const item of batch) this.drop(item);
    }
    return true;
  }
}

// The composer's paperclip: a button that opens the file picker, for one file or several.
export function attachButton(label, attach) {
  const picker = h("input", { type: "file", multiple: true, hidden: true, tabindex: "-1", "aria-label": label });
  picker.addEventListener("change", () => {
    attach([...picker.files]);
    picker.value = "";
  });
  const button = h("button", { type: "button", class: "icon attach", "aria-label": label, title: label, onclick: () => picker.click() });
  return [button, picker];
}

// Files pasted into a composer's box are attached to it; text pastes as text.
export function pasteFiles(input, attach) {
  input.addEventListener("paste", (e) => {
    const files = [...(e.clipboardData?.files ?? [])];
    if (!files.length) return;
    e.preventDefault();
    attach(files);
  });
}

const carriesFiles = (e) => [...(e.dataTransfer?.types ?? [])].includes("Files");

// Files dropped where no drop zone takes them are left alone: without this, the browser would
// leave the client to show the file.
export function refuseStrayDrops() {
  for (const type of ["dragover", "drop"]) {
    window.addEventListener(type, (e) => {
      if (carriesFiles(e) && !e.defaultPrevented) {
        e.preventDefault();
        e.dataTransfer.dropEffect = "none";
      }
    });
  }
}

// Files dropped anywhere on `zone` are attached; while files are dragged over it, a drop zone
// covers it and says where they will go (label()).
export function dropTarget(zone, label, attach) {
  const text = h("p", {});
  const overlay = h("div", { class: "drop-zone", hidden: true }, text);
  zone.append(overlay);
  let depth = 0;
  const hide = () => {
    depth = 0;
    overlay.hidden = true;
  };
  zone.addEventListener("dragenter", (e) => {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    depth += 1;
    text.textContent = label();
    overlay.hidden = false;
  });
  zone.addEventListener("dragover", (e) => {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "copy";
  });
  zone.addEventListener("dragleave", (e) => {
    if (carriesFiles(e) && --depth <= 0) hide();
  });
  zone.addEventListener("drop", (e) => {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    hide();
    attach([...e.dataTransfer.files]);
  });
}
