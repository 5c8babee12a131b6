// @slack/web-api's WebClient against hubbub, one scenario per run (tests/e2e/test_node_web_api.py).

import { ErrorCode, WebClient, WebClientEvent } from '@slack/web-api';
import { described, finish, logger, settings } from './lib.mjs';

const given = await settings();
const client = new WebClient(given.token, {
  slackApiUrl: given.api_url,
  logger: logger(),
  // Slack's default retries a failed request for half an hour; a test wants to hear of it.
  retryConfig: { retries: 2, factor: 1, minTimeout: 100, maxTimeout: 100 },
});

const scenarios = {
  async post() {
    const posted = await client.chat.postMessage({ channel: given.channel, text: given.text });
    const history = await client.conversations.history({ channel: given.channel, limit: 10 });
    return {
      posted: { ok: posted.ok, channel: posted.channel, ts: posted.ts, text: posted.message?.text },
      history: history.messages.map((m) => ({ ts: m.ts, text: m.text, user: m.user })),
      has_more: history.has_more,
    };
  },

  async paginate() {
    const pages = [];
    for await (const page of client.paginate('conversations.list', {
      limit: given.limit,
      types: 'public_channel',
    })) {
      pages.push({
        ids: page.channels.map((c) => c.id),
        next_cursor: page.response_metadata?.next_cursor ?? null,
      });
    }
    return { pages };
  },

  async error() {
    // A platform error is one whose answer said ok: false; the SDK keeps the answer in `data`.
    const calls = [
      () => client.chat.postMessage({ channel: given.missing_channel, text: 'nowhere' }),
      () => client.conversations.history({ channel: given.missing_channel }),
    ];
    const errors = [];
    for (const call of calls) {
      try {
        await call();
        errors.push(null);
      } catch (error) {
        errors.push({ ...described(error), is_platform_error: error.code === ErrorCode.PlatformError });
      }
    }
    return { errors };
  },

  async rate_limited() {
    const waits = [];
    client.on(WebClientEvent.RATE_LIMITED, (seconds, { url }) => {
      waits.push({ seconds, method: url.split('/').pop() });
    });
    const posted = [];
    // chat.postMessage lets a burst through per channel, then about one a second: the SDK
    // must wait out a 429 on its own and every call still ends in one message.
    for (let i = 0; waits.length === 0 && i < given.most; i += 1) {
      const answer = await client.chat.postMessage({ channel: given.channel, text: `patient ${i}` });
      posted.push({ ok: answer.ok, ts: answer.ts, text: answer.message.text });
    }
    return { waits, posted };
  },

  async scopes() {
    // An app's bot token: the answer's headers become response_metadata.scopes/acceptedScopes.
    const posted = await client.chat.postMessage({ channel: given.channel, text: 'scoped' });
    let refused = null;
    try {
      await client.conversations.history({ channel: given.channel });
    } catch (error) {
      refused = described(error);
    }
    return { posted: posted.response_metadata, refused };
  },

  async upload() {
    const shown = (answer) => ({
      ok: answer.ok,
      files: answer.files.flatMap((done) =>
        done.files.map((f) => ({ id: f.id, name: f.name, title: f.title, size: f.size })),
      ),
    });
    const one = await client.files.uploadV2({
      channel_id: given.channel,
      file: Buffer.from(given.content, 'utf8'),
      filename: given.filename,
      title: given.title,
      initial_comment: given.comment,
    });
    // Several files in one call, into a thread: one upload URL each, one completion.
    const several = await client.files.uploadV2({
      channel_id: given.channel,
      thread_ts: given.thread_ts,
      initial_comment: 'two files',
      file_uploads: [
        { file: Buffer.from('first\n', 'utf8'), filename: 'a.txt' },
        { content: 'second file', filename: 'b.md', title: 'B' },
      ],
    });
    return { one: shown(one), several: shown(several) };
  },
};

finish(await scenarios[given.scenario]());
