// @slack/socket-mode's SocketModeClient on its own against hubbub (tests/e2e/test_node_clients.py):
// it connects through apps.connections.open, hears the event envelope of a message the person
// posts, acks it, and hears it no more.

import { SocketModeClient } from '@slack/socket-mode';
import { WebClient } from '@slack/web-api';
import { finish, logger, settings, waitFor } from './lib.mjs';

const given = await settings();
const client = new SocketModeClient({
  appToken: given.app_token,
  logger: logger(),
  clientOptions: { slackApiUrl: given.api_url },
});
const envelopes = [];
const messages = [];

client.on('slack_event', ({ type, envelope_id, retry_num, retry_reason, accepts_response_payload }) => {
  envelopes.push({ type, envelope_id, retry_num, retry_reason, accepts_response_payload });
});
client.on('message', async ({ ack, event, body, envelope_id, retry_num }) => {
  messages.push({ event, body, envelope_id, retry_num });
  await ack();
});

const connected = await client.start();
const person = new WebClient(given.person_token, { slackApiUrl: given.api_url, logger: logger() });
const posted = await person.chat.postMessage({ channel: given.channel, text: given.text });
await waitFor('the envelope', () => messages.find((m) => m.event.ts === posted.ts));
// Acked: the envelope is not sent again once hubbub's ack timeout has passed.
await new Promise((resolve) => setTimeout(resolve, given.quiet_ms));
await client.disconnect();
finish({ connected: { ok: connected.ok, url: connected.url }, posted_ts: posted.ts, envelopes, messages });
