// The RTM socket, as any Slack RTM client uses it, with hubbub's resume cursor: every logged
// event carries `hubbub_cursor` ("<stream>:<seq>"); after a drop we reconnect with the latest
// position of each stream, and the gateway replays exactly what we missed (docs/realtime.md).

import { backoff, call, sleep } from "./api.js";

export class Rtm {
  constructor(onEvent, onStatus) {
    this.onEvent = onEvent;
    this.onStatus = onStatus;
    this.positions = new Map();
    this.socket = null;
    this.nextId = 1;
    this.stopped = false;
  }

  cursor() {
    return [...this.positions].map(([stream, seq]) => `${stream}:${seq}`).join(",");
  }

  note(cursor) {
    for (const part of (cursor || "").split(",")) {
      const at = part.lastIndexOf(":");
      if (at <= 0) continue;
      const stream = part.slice(0, at);
      const seq = Number(part.slice(at + 1));
      if (!(seq <= (this.positions.get(stream) ?? -1))) this.positions.set(stream, seq);
    }
  }

  async start() {
    for (let attempt = 0; !this.stopped; attempt++) {
      this.onStatus(attempt === 0 ? "connecting" : "reconnecting");
      try {
        const resume = this.positions.size ? this.cursor() : undefined;
        const { url } = await call("rtm.connect", { batch_presence_aware: 1, resume });
        await this.run(url);
        attempt = -1; // a session that opened starts the next wait from scratch
      } catch (err) {
        console.warn("rtm", err);
      }
      if (!this.stopped) await sleep(backoff(Math.max(attempt, 0)));
    }
  }

  run(url) {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      let opened = false;
      this.socket = socket;
      socket.onmessage = (frame) => {
        const event = JSON.parse(frame.data);
        if (event.type === "hello") {
          opened = true;
          const resumed = this.positions.size > 0;
          this.note(event.hubbub_cursor);
          this.onStatus("live", { resumed });
          return;
        }
        if (event.type === "resync_required") {
          this.positions.clear();
          this.note(event.hubbub_cursor);
          this.onEvent({ type: "hubbub_resync" });
          return;
        }
        if (event.type === "goodbye") {
          this.note(event.hubbub_cursor);
          return;
        }
        this.onEvent(event);
        if (event.hubbub_cursor) this.note(event.hubbub_cursor);
      };
      socket.onclose = () => {
        this.socket = null;
        this.onStatus("offline");
        if (opened) resolve();
        else reject(new Error("socket closed before hello"));
      };
    });
  }

  send(frame) {
    if (this.socket?.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify({ id: this.nextId++, ...frame }));
    return true;
  }
}
