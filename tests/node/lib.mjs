// What every script here shares with tests/support/node.py: its settings come as one JSON line
// on stdin, a script the test talks to says `ready(...)` as a JSON line, waits for stdin to
// close, and ends with its result as the last JSON line on stdout. The SDKs' logs go to stderr
// so that stdout stays JSON.

import { createInterface } from 'node:readline';

const lines = createInterface({ input: process.stdin });
const incoming = lines[Symbol.asyncIterator]();

/** The test's settings: the first line on stdin. */
export async function settings() {
  const { value, done } = await incoming.next();
  if (done) throw new Error('no settings on stdin');
  return JSON.parse(value);
}

/** Resolves when the test closes stdin: its side of the scenario is done. */
export async function released() {
  for (;;) {
    const { done } = await incoming.next();
    if (done) return;
  }
}

function say(body) {
  process.stdout.write(`${JSON.stringify(body)}\n`);
}

/** Tells the test that this side is up, with whatever it needs to go on. */
export function ready(info = {}) {
  say({ ready: true, ...info });
}

// What the SDKs logged as warnings or errors: something about hubbub's answers they found odd.
const logged = [];

/** The result, the script's last line, with what the SDKs logged; then the process ends,
 * whatever sockets are left. */
export function finish(result) {
  say({ result, logged });
  process.exit(0);
}

/** A logger for the SDKs (their LogLevel is a lower-case string): to stderr, warnings and up,
 * which are kept for the result too. */
export function logger() {
  const order = ['debug', 'info', 'warn', 'error'];
  let level = 'warn';
  const at = (name) => (...parts) => {
    const line = `[${name}] ${parts.map(String).join(' ')}`;
    if (order.indexOf(name) >= order.indexOf('warn')) logged.push(line);
    if (order.indexOf(name) >= order.indexOf(level)) process.stderr.write(`${line}\n`);
  };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

/** Calls check until it gives something truthy, or fails after timeoutMs. */
export async function waitFor(what, check, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await check();
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The error as JSON: what the SDK put on it, for the test to compare with Slack's. */
export function described(error) {
  return {
    name: error?.constructor?.name,
    code: error?.code,
    message: String(error?.message ?? error),
    data: error?.data,
    statusCode: error?.statusCode,
    body: error?.body,
  };
}

process.on('unhandledRejection', (error) => {
  process.stderr.write(`unhandled: ${error?.stack ?? error}\n`);
  process.exit(1);
});
