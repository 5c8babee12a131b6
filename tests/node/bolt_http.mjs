// A @slack/bolt App on its own HTTP receiver (the Events API, slash commands and presses, all
// signed; verification on) against hubbub (tests/e2e/test_node_bolt.py). The test points the app's request URL here once this is
// ready (hubbub's url_verification must pass bolt's checks), then plays the person.

import bolt from '@slack/bolt';
import { finish, logger, ready, released, settings } from './lib.mjs';

const { App } = bolt;
const given = await settings();
const seen = { messages: [], mentions: [], commands: [], actions: [] };

const app = new App({
  token: given.bot_token,
  signingSecret: given.signing_secret,
  logger: logger(),
  clientOptions: { slackApiUrl: given.api_url },
});

app.message('hello', async ({ message, say }) => {
  seen.messages.push(message);
  await say({ text: 'hello over http', thread_ts: message.ts });
});

app.event('app_mention', async ({ event, say }) => {
  seen.mentions.push(event);
  await say({ text: 'mentioned over http', thread_ts: event.ts });
});

app.command(given.command, async ({ ack, respond, command }) => {
  seen.commands.push(command);
  await ack(`checking ${command.text}`);
  await respond({ response_type: 'in_channel', text: `rain in ${command.text}` });
});

app.action('approve', async ({ ack, body, respond }) => {
  seen.actions.push(body);
  await ack();
  await respond({ replace_original: true, text: 'Approved over http' });
});

await app.start({ port: given.port, host: '127.0.0.1' });
ready({ url: `http://127.0.0.1:${given.port}/slack/events` });
await released();
await app.stop();
finish(seen);
