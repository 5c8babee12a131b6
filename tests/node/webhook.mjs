// @slack/webhook's IncomingWebhook against hubbub (tests/e2e/test_node_clients.py): a text, then
// blocks in a thread, to a webhook URL; then a URL with a wrong secret, as the SDK reports it.

import { IncomingWebhook } from '@slack/webhook';
import { described, finish, settings } from './lib.mjs';

const given = await settings();
const hook = new IncomingWebhook(given.url);
const text = await hook.send(given.text);
const blocks = await hook.send({ text: 'with blocks', blocks: given.blocks, thread_ts: given.thread_ts });
let refused = null;
try {
  await new IncomingWebhook(given.wrong_url).send('never posted');
} catch (error) {
  refused = described(error);
}
finish({ text, blocks, refused });
