// A @slack/bolt App over Socket Mode against hubbub (tests/e2e/test_node_bolt.py). The person's
// side is played here too, with their own token: a message, a slash command (chat.command), a
// button press (blocks.actions), a modal's submit (views.submit) and a message shortcut
// (shortcuts.run), hubbub's methods for what Slack's own clients do.

import bolt from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { finish, logger, settings, waitFor } from './lib.mjs';

const { App } = bolt;
const given = await settings();
const seen = { message: null, command: null, action: null, view: null, opened: null, shortcut: null };

const app = new App({
  token: given.bot_token,
  appToken: given.app_token,
  socketMode: true,
  logger: logger(),
  clientOptions: { slackApiUrl: given.api_url },
});

app.message('hello', async ({ message, say }) => {
  seen.message = message;
  await say({ text: `hi <@${message.user}>`, thread_ts: message.ts });
});

app.command(given.command, async ({ ack, respond, command }) => {
  seen.command = command;
  await ack(`looking up ${command.text}`);
  await respond({ response_type: 'in_channel', text: `sunny in ${command.text}` });
});

app.action('approve', async ({ ack, body, action, respond }) => {
  seen.action = { body, action };
  await ack();
  await respond({ replace_original: true, text: 'Approved' });
});

app.action('open_modal', async ({ ack, body, client }) => {
  await ack();
  const opened = await client.views.open({ trigger_id: body.trigger_id, view: given.modal });
  seen.opened = opened.view;
});

app.view(given.modal.callback_id, async ({ ack, body, view }) => {
  seen.view = { body, view };
  await ack();
});

app.shortcut(given.shortcut, async ({ ack, shortcut, respond }) => {
  seen.shortcut = shortcut;
  await ack();
  await respond({ response_type: 'in_channel', text: `asked about ${shortcut.message.text}` });
});

await app.start();
const person = new WebClient(given.person_token, { slackApiUrl: given.api_url, logger: logger() });
const result = {};

// app.message and say()
const asked = await person.chat.postMessage({ channel: given.channel, text: 'hello node' });
result.reply = await waitFor('the reply in the thread', async () => {
  const { messages } = await person.conversations.replies({ channel: given.channel, ts: asked.ts });
  return messages.find((m) => m.bot_id);
});

// app.command, ack() with the immediate answer and respond() into the channel
result.command_answer = await person.apiCall('chat.command', {
  channel: given.channel,
  command: given.command,
  text: 'Paris',
});
result.responded = await waitFor('the answer in the channel', async () => {
  const { messages } = await person.conversations.history({ channel: given.channel });
  return messages.find((m) => m.text === 'sunny in Paris');
});

// app.action, ack() and respond() replacing the message pressed
const buttons = await app.client.chat.postMessage({
  channel: given.channel,
  text: 'Deploy?',
  blocks: given.blocks,
});
result.press_answer = await person.apiCall('blocks.actions', {
  channel: given.channel,
  ts: buttons.ts,
  block_id: 'act',
  action_id: 'approve',
});
result.replaced = await waitFor('the pressed message replaced', async () => {
  const { messages } = await person.conversations.history({ channel: given.channel });
  return messages.find((m) => m.ts === buttons.ts && m.text === 'Approved');
});

// client.views.open with the press's trigger_id, then the person submits the modal
const opener = await app.client.chat.postMessage({
  channel: given.channel,
  text: 'Open the form',
  blocks: given.opener_blocks,
});
await person.apiCall('blocks.actions', {
  channel: given.channel,
  ts: opener.ts,
  block_id: 'form',
  action_id: 'open_modal',
});
result.opened = await waitFor('the modal opened', () => seen.opened);
result.submit_answer = await person.apiCall('views.submit', {
  view_id: result.opened.id,
  values: { name: { name_input: 'prod' } },
});
result.view = await waitFor('the submission', () => seen.view);

// app.shortcut: a message shortcut, acked, answered in the channel through its response_url
result.shortcut_answer = await person.apiCall('shortcuts.run', {
  app_id: given.app_id,
  callback_id: given.shortcut,
  channel: given.channel,
  ts: buttons.ts,
});
result.shortcut_said = await waitFor('the shortcut answered', async () => {
  const { messages } = await person.conversations.history({ channel: given.channel });
  return messages.find((m) => m.text === 'asked about Approved');
});

await app.stop();
finish({ ...result, seen });
