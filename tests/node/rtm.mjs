// @slack/rtm-api's RTMClient against hubbub (tests/e2e/test_node_clients.py): start() through
// rtm.connect, a message another person posts heard as a `message` event, and sendMessage()
// answered by the server's reply.

import { RTMClient } from '@slack/rtm-api';
import { WebClient } from '@slack/web-api';
import { finish, logger, settings, waitFor } from './lib.mjs';

const given = await settings();
const rtm = new RTMClient(given.token, { slackApiUrl: given.api_url, logger: logger() });
const heard = [];
rtm.on('message', (event) => heard.push(event));

// start() resolves once rtm.connect answered; `ready` comes with the socket's hello.
const connected = new Promise((resolve) => rtm.once('ready', resolve));
const started = await rtm.start();
await connected;
const other = new WebClient(given.other_token, { slackApiUrl: given.api_url, logger: logger() });
const posted = await other.chat.postMessage({ channel: given.channel, text: given.text });
const message = await waitFor('the message event', () => heard.find((e) => e.ts === posted.ts));
const reply = await rtm.sendMessage(given.reply, given.channel);
// No rtm.disconnect(): after a sendMessage, rtm-api 7.0.4's disconnect throws (it cancels the
// replies it awaits by iterating a sparse array: `undefined.cancel()`), against Slack as here.
// finish() ends the process, and the socket with it.
finish({
  started: { ok: started.ok, self: started.self, team: started.team, url: started.url },
  active: { user: rtm.activeUserId, team: rtm.activeTeamId },
  message,
  reply,
});
