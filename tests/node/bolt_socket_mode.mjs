// A @slack/bolt App over Socket Mode against hubbub (tests/e2e/test_node_bolt.py). The person's
// side is played here too, with their own token: a message, a slash command (chat.command), a
// button press (blocks.actions), a modal's submit (views.submit), a message shortcut and a
// global one (shortcuts.run), a press in a modal (blocks.actions with view_id), closing views
// (views.close) and opening the app's Home (views.home), hubbub's methods for what Slack's own
// clients do.

import bolt from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { finish, logger, settings, waitFor } from './lib.mjs';

const { App } = bolt;
const given = await settings();
const seen = {
  message: null,
  command: null,
  action: null,
  view: null,
  opened: null,
  shortcut: null,
  global: null,
  wizard: null,
  step: null,
  closed: null,
  home_opened: [],
  published: [],
};

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

// A global shortcut opens a modal with its trigger_id.
app.shortcut(given.global_shortcut, async ({ ack, shortcut, client }) => {
  seen.global = shortcut;
  await ack();
  seen.wizard = (await client.views.open({ trigger_id: shortcut.trigger_id, view: given.wizard })).view;
});

// A press in that modal: a view pushed over it with the press's trigger_id, and the modal under
// it updated by its id and the hash the press carried.
app.action('next_step', async ({ ack, body, client }) => {
  await ack();
  const pushed = await client.views.push({ trigger_id: body.trigger_id, view: given.step });
  const updated = await client.views.update({
    view_id: body.view.id,
    hash: body.view.hash,
    view: { ...given.wizard, title: { type: 'plain_text', text: 'Step 1 done' } },
  });
  seen.step = { pushed: pushed.view, updated: updated.view, pressed: body };
});

// notify_on_close: the person closed the modal.
app.view({ type: 'view_closed', callback_id: given.wizard.callback_id }, async ({ ack, body, view }) => {
  seen.closed = { body, view };
  await ack();
});

// App Home: published when the person opens it.
app.event('app_home_opened', async ({ event, client }) => {
  seen.home_opened.push(event);
  seen.published.push((await client.views.publish({ user_id: event.user, view: given.home })).view);
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

// app.shortcut: a global shortcut, whose handler opens a modal
result.global_answer = await person.apiCall('shortcuts.run', {
  app_id: given.app_id,
  callback_id: given.global_shortcut,
});
const wizard = await waitFor('the modal the shortcut opened', () => seen.wizard);
// views.push and views.update from an app.action on a press in the modal
result.step_press = await person.apiCall('blocks.actions', {
  view_id: wizard.id,
  block_id: 'steps',
  action_id: 'next_step',
});
const step = await waitFor('the view pushed and the modal updated', () => seen.step);
// The person closes the pushed view, then the modal: the app hears view_closed for the modal.
result.step_close = await person.apiCall('views.close', { view_id: step.pushed.id });
result.wizard_close = await person.apiCall('views.close', { view_id: wizard.id });
await waitFor('view_closed', () => seen.closed);
result.closed_again = await person
  .apiCall('views.close', { view_id: wizard.id })
  .catch((error) => error.data);

// App Home: the person opens it (views.home), the app publishes it; opened again, it is there.
result.home_first = await person.apiCall('views.home', { app_id: given.app_id });
await waitFor('the Home published', () => seen.published.length === 1);
result.home_again = await person.apiCall('views.home', { app_id: given.app_id });
await waitFor('the Home published again', () => seen.published.length === 2);

await app.stop();
finish({ ...result, seen });
