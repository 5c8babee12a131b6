// The Web API, as the browser calls it: the session cookie plus its CSRF token in a header
// (web/session.py), form-encoded arguments, Slack's envelope back.

const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? "";

export class SlackError extends Error {
  constructor(method, error, body) {
    super(`${method}: ${error}`);
    this.error = error;
    this.body = body;
  }
}

export async function call(method, args = {}) {
  const body = new URLSearchParams();
  for (const [key, value] of Object.entries(args)) {
    if (value === undefined || value === null) continue;
    body.set(key, typeof value === "object" ? JSON.stringify(value) : String(value));
  }
  for (let attempt = 0; ; attempt++) {
    let response;
    try {
      response = await fetch(`/api/${method}`, {
        method: "POST",
        headers: { "X-CSRF-Token": csrf },
        body,
        credentials: "same-origin",
      });
    } catch (err) {
      if (attempt >= 5) throw err;
      await sleep(backoff(attempt));
      continue;
    }
    // Rate limited, or the server is briefly away (503 while a database recovers): wait as told.
    if ((response.status === 429 || response.status === 503) && attempt < 5) {
      const wait = Number(response.headers.get("Retry-After") || 1) * 1000;
      await sleep(wait);
      continue;
    }
    const data = await response.json();
    if (data.error === "not_authed" || data.error === "invalid_auth") {
      window.location.assign("/login");
    }
    if (!data.ok) throw new SlackError(method, data.error, data);
    return data;
  }
}

// Every page of a cursor-paged method, as Slack pages them (response_metadata.next_cursor).
export async function* pages(method, args, key) {
  let cursor = "";
  do {
    const data = await call(method, { ...args, cursor: cursor || undefined });
    yield data[key] ?? [];
    cursor = data.response_metadata?.next_cursor ?? "";
  } while (cursor);
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function backoff(attempt) {
  const base = Math.min(500 * 2 ** attempt, 10_000);
  return base / 2 + Math.random() * (base / 2);
}

export function signOut() {
  document.getElementById("logout")?.submit();
}
