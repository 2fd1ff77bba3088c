import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebClient, type WebAPIPlatformError } from '@slack/web-api';
import { findingMessage } from '../../../src/slack/messages/index.ts';
import {
  startLocalSlackApi,
  type LocalSlackApi,
  type LocalSlackEvent,
} from '../../../src/testing/slack-api/index.ts';
import { record } from '../messages/fixtures.ts';

let api: LocalSlackApi;
let client: WebClient;
const events: LocalSlackEvent[] = [];

beforeAll(async () => {
  api = await startLocalSlackApi({
    usergroups: { S0SEC: ['U0ALICE', 'U0BOB'] },
    onMessage: (e) => events.push(e),
  });
  client = new WebClient('xoxb-test', { slackApiUrl: api.apiUrl, retryConfig: { retries: 0 } });
});
afterAll(() => api.close());

async function slackError(p: Promise<unknown>): Promise<WebAPIPlatformError['data']> {
  try {
    await p;
  } catch (err) {
    return (err as WebAPIPlatformError).data;
  }
  throw new Error('expected a Slack error');
}

describe('local Slack Web API, driven by the real WebClient', () => {
  it('answers auth.test with the bot identity', async () => {
    const r = await client.auth.test();
    expect(r).toMatchObject({
      ok: true,
      user_id: 'U0SHAREGUARD',
      bot_id: 'B0SHAREGUARD',
      team_id: 'T0LOCAL',
      team: 'shareguard local',
      user: 'shareguard',
    });
    expect(r.url).toMatch(/^https:\/\//);
    expect(api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('posts messages with unique increasing ts and records blocks as sent (form-encoded JSON)', async () => {
    const m = findingMessage(record());
    const a = await client.chat.postMessage({ channel: 'C0SEC', ...m });
    const b = await client.chat.postMessage({ channel: 'C0SEC', text: 'second' });
    expect(a).toMatchObject({
      ok: true,
      channel: 'C0SEC',
      message: { text: m.text, bot_id: 'B0SHAREGUARD' },
    });
    expect(a.message!.blocks).toEqual(m.blocks);
    expect(Number(b.ts)).toBeGreaterThan(Number(a.ts));
    expect(a.ts).toMatch(/^\d{10}\.\d{6}$/);
    const stored = api.message('C0SEC', a.ts!);
    expect(stored).toMatchObject({ channel: 'C0SEC', text: m.text, blocks: m.blocks, updates: 0 });
    const call = api.callsOf('chat.postMessage')[0]!;
    expect(call.args['blocks']).toEqual(m.blocks);
    expect(call.args['token']).toBeUndefined();
    expect(events.some((e) => e.type === 'post' && e.message.ts === a.ts)).toBe(true);
  });

  it('updates messages in place and refuses unknown ts', async () => {
    const open = findingMessage(record());
    const posted = await client.chat.postMessage({ channel: 'C0UPD', ...open });
    const decided = findingMessage(
      record({
        state: 'removed',
        decision: {
          decisionId: 'd',
          action: 'remove',
          by: { userId: 'U0ALICE' },
          at: '2025-01-01T00:00:00Z',
          outcome: 'succeeded',
        },
      }),
    );
    const r = await client.chat.update({ channel: 'C0UPD', ts: posted.ts!, ...decided });
    expect(r).toMatchObject({ ok: true, channel: 'C0UPD', ts: posted.ts });
    const msgs = api.messages('C0UPD');
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatchObject({ ts: posted.ts, text: decided.text, blocks: decided.blocks, updates: 1 });
    expect(
      await slackError(client.chat.update({ channel: 'C0UPD', ts: '1.000001', text: 'x' })),
    ).toMatchObject({
      ok: false,
      error: 'message_not_found',
    });
  });

  it('posts ephemerals', async () => {
    const r = await client.chat.postEphemeral({ channel: 'C0SEC', user: 'U0ALICE', text: 'only you' });
    expect(r.ok).toBe(true);
    expect(r.message_ts).toMatch(/^\d+\.\d{6}$/);
    expect(api.ephemerals.at(-1)).toMatchObject({
      channel: 'C0SEC',
      user: 'U0ALICE',
      text: 'only you',
      via: 'chat.postEphemeral',
    });
  });

  it('lists user group members, and no_such_subteam for unknown groups', async () => {
    expect(await client.usergroups.users.list({ usergroup: 'S0SEC' })).toMatchObject({
      ok: true,
      users: ['U0ALICE', 'U0BOB'],
    });
    expect(await slackError(client.usergroups.users.list({ usergroup: 'S0NOPE' }))).toMatchObject({
      error: 'no_such_subteam',
    });
    api.setUsergroup('S0NEW', ['U0CAROL']);
    expect((await client.usergroups.users.list({ usergroup: 'S0NEW' })).users).toEqual(['U0CAROL']);
  });

  it('answers conversations.info and unknown_method', async () => {
    expect(await client.conversations.info({ channel: 'C0SEC' })).toMatchObject({
      ok: true,
      channel: { id: 'C0SEC', is_member: true },
    });
    expect(await slackError(client.apiCall('chat.frobnicate', {}))).toMatchObject({
      ok: false,
      error: 'unknown_method',
    });
  });

  it('refuses blocks that break Block Kit limits, like Slack', async () => {
    const tooLongButton = [
      {
        type: 'actions',
        elements: [
          { type: 'button', text: { type: 'plain_text', text: 'x'.repeat(76) }, action_id: 'a', value: 'v' },
        ],
      },
    ];
    const bad = await slackError(
      client.chat.postMessage({ channel: 'C0BAD', text: 't', blocks: tooLongButton }),
    );
    expect(bad).toMatchObject({ ok: false, error: 'invalid_blocks' });
    expect(JSON.stringify(bad.response_metadata)).toContain('json-pointer:/blocks/0/elements/0/text/text');
    const tooMany = Array.from({ length: 51 }, () => ({ type: 'divider' as const }));
    expect(
      await slackError(client.chat.postMessage({ channel: 'C0BAD', text: 't', blocks: tooMany })),
    ).toMatchObject({ error: 'invalid_blocks' });
    const tooLong = Array.from({ length: 5 }, () => ({
      type: 'section' as const,
      text: { type: 'mrkdwn' as const, text: 'x'.repeat(2900) },
    }));
    expect(
      await slackError(client.chat.postMessage({ channel: 'C0BAD', text: 't', blocks: tooLong })),
    ).toMatchObject({ error: 'msg_blocks_too_long' });
    expect(await slackError(client.chat.postMessage({ channel: 'C0BAD', text: '' }))).toMatchObject({
      error: 'no_text',
    });
    expect(api.messages('C0BAD')).toEqual([]);
    // chat.update is checked too.
    const posted = await client.chat.postMessage({ channel: 'C0BAD', text: 'fine' });
    expect(
      await slackError(
        client.chat.update({ channel: 'C0BAD', ts: posted.ts!, text: 't', blocks: tooLongButton }),
      ),
    ).toMatchObject({
      error: 'invalid_blocks',
    });
    expect(api.message('C0BAD', posted.ts!)).toMatchObject({ text: 'fine', updates: 0 });
  });

  it('fails the next call of a method on demand (errors and rate limits)', async () => {
    api.failNext('chat.postMessage', 'channel_not_found');
    expect(await slackError(client.chat.postMessage({ channel: 'C0X', text: 'x' }))).toMatchObject({
      error: 'channel_not_found',
    });
    expect((await client.chat.postMessage({ channel: 'C0X', text: 'x' })).ok).toBe(true);
    api.failNext('chat.update', 'ratelimited', { status: 429, retryAfter: 1 });
    const limited = new WebClient('xoxb-test', {
      slackApiUrl: api.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    });
    await expect(limited.chat.update({ channel: 'C0X', ts: '1.1', text: 'x' })).rejects.toMatchObject({
      code: 'slack_webapi_rate_limited_error',
      retryAfter: 1,
    });
  });

  it('requires a token except for api.test, and checks it when configured', async () => {
    const anon = new WebClient(undefined, { slackApiUrl: api.apiUrl, retryConfig: { retries: 0 } });
    expect(await slackError(anon.auth.test())).toMatchObject({ error: 'not_authed' });
    expect((await anon.api.test({})).ok).toBe(true);
    const strict = await startLocalSlackApi({ token: 'xoxb-right' });
    try {
      const wrong = new WebClient('xoxb-wrong', { slackApiUrl: strict.apiUrl, retryConfig: { retries: 0 } });
      expect(await slackError(wrong.auth.test())).toMatchObject({ error: 'invalid_auth' });
      const right = new WebClient('xoxb-right', { slackApiUrl: strict.apiUrl, retryConfig: { retries: 0 } });
      expect((await right.auth.test()).ok).toBe(true);
    } finally {
      await strict.close();
    }
  });

  it('accepts JSON bodies too', async () => {
    const res = await fetch(`${api.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: 'Bearer xoxb-test' },
      body: JSON.stringify({
        channel: 'C0JSON',
        text: 'hi',
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'hi' } }],
      }),
    });
    expect(await res.json()).toMatchObject({ ok: true, channel: 'C0JSON' });
    expect(api.messages('C0JSON')[0]!.blocks).toHaveLength(1);
  });
});

describe('response_url', () => {
  const post = (url: string, body: unknown) =>
    fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('records payloads and replaces the original message', async () => {
    const posted = await client.chat.postMessage({ channel: 'C0RESP', text: 'original' });
    const url = api.responseUrl('act-1', { channel: 'C0RESP', ts: posted.ts!, user: 'U0ALICE' });
    expect(url).toBe(`${api.url}/response/act-1`);
    const r = await post(url, { replace_original: true, text: 'replaced' });
    expect(r.status).toBe(200);
    expect(api.message('C0RESP', posted.ts!)).toMatchObject({ text: 'replaced', updates: 1 });
    expect(api.responses.at(-1)).toMatchObject({
      id: 'act-1',
      effect: 'replaced',
      payload: { replace_original: true, text: 'replaced' },
    });
  });

  it('posts ephemeral (default) or in_channel responses, and deletes originals', async () => {
    const posted = await client.chat.postMessage({ channel: 'C0RESP2', text: 'original' });
    const url = api.responseUrl(undefined, { channel: 'C0RESP2', ts: posted.ts!, user: 'U0BOB' });
    await post(url, { text: 'just for you' });
    expect(api.ephemerals.at(-1)).toMatchObject({
      channel: 'C0RESP2',
      user: 'U0BOB',
      text: 'just for you',
      via: 'response_url',
    });
    await post(url, { response_type: 'in_channel', text: 'for everyone' });
    expect(api.messages('C0RESP2').map((m) => m.text)).toEqual(['original', 'for everyone']);
    await post(url, { delete_original: true });
    expect(api.messages('C0RESP2').map((m) => m.text)).toEqual(['for everyone']);
    expect(api.responses.filter((x) => x.id === url.split('/').pop()).map((x) => x.effect)).toEqual([
      'ephemeral',
      'posted',
      'deleted',
    ]);
  });

  it('can be used 5 times, and refuses invalid blocks', async () => {
    const url = api.responseUrl('five');
    const bad = await post(url, {
      text: 't',
      blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }],
    });
    expect(bad.status).toBe(400);
    for (let i = 0; i < 5; i++) expect((await post(url, { text: `use ${i}` })).status).toBe(200);
    const sixth = await post(url, { text: 'again' });
    expect(sixth.status).toBe(404);
    expect(await sixth.json()).toMatchObject({ ok: false, error: 'used_url' });
  });
});
