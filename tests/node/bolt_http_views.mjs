// A @slack/bolt App on its own HTTP receiver (signatures checked) with views: a global shortcut
// opening a modal with client.views.open, app.view answering a submission with errors and then
// with an update, app.view for the view_closed of that update (notify_on_close), and
// app.event('app_home_opened') publishing the Home (tests/e2e/test_node_bolt.py). The test plays
// the person (shortcuts.run, views.submit, views.close, views.home) once this is ready.

import bolt from '@slack/bolt';
import { finish, logger, ready, released, settings } from './lib.mjs';

const { App } = bolt;
const given = await settings();
const seen = { shortcuts: [], submissions: [], closed: [], home_opened: [], published: [] };

const app = new App({
  token: given.bot_token,
  signingSecret: given.signing_secret,
  logger: logger(),
  clientOptions: { slackApiUrl: given.api_url },
});

app.shortcut(given.shortcut, async ({ ack, shortcut, client }) => {
  seen.shortcuts.push(shortcut);
  await ack();
  await client.views.open({ trigger_id: shortcut.trigger_id, view: given.modal });
});

// Too short a name is refused in the modal; a good one replaces the modal with the next view.
app.view(given.modal.callback_id, async ({ ack, body, view }) => {
  seen.submissions.push(body);
  const name = view.state.values.name.name_input.value;
  if (name.length < 3) {
    await ack({ response_action: 'errors', errors: { name: 'At least 3 letters' } });
    return;
  }
  await ack({ response_action: 'update', view: { ...given.done, private_metadata: name } });
});

app.view({ type: 'view_closed', callback_id: given.done.callback_id }, async ({ ack, body }) => {
  seen.closed.push(body);
  await ack();
});

app.event('app_home_opened', async ({ event, client }) => {
  seen.home_opened.push(event);
  seen.published.push((await client.views.publish({ user_id: event.user, view: given.home })).view);
});

await app.start({ port: given.port, host: '127.0.0.1' });
ready({ url: `http://127.0.0.1:${given.port}/slack/events` });
await released();
await app.stop();
finish(seen);
