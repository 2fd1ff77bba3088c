/**
 * D12 (issue 21): a post Slack carried out but answered after the client's timeout is not posted
 * again. The post carries its findings' ids in its metadata; the publisher looks for it in the channel
 * (or the thread) and adopts it. Through the WebClient (the posting policy, a short timeout) against the
 * Slack stand-in, which carries the post out at once and answers late.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LogLevel, WebClient } from '@slack/web-api';
import { pino } from 'pino';
import { postingClientOptions } from '../../src/slack/app.ts';
import { FINDING_EVENT, Publisher } from '../../src/slack/publisher.ts';
import { startLocalSlackApi, type LocalSlackApi } from '../../src/testing/slack-api/index.ts';
import type { Store } from '../../src/store/store.ts';
import { makeFinding, memoryStore } from '../store/fixtures.ts';

let api: LocalSlackApi | undefined;
let store: Store | undefined;
afterEach(async () => {
  await api?.close();
  await store?.close();
  api = store = undefined;
});

const log = pino({ level: 'silent' });
const TIMEOUT_MS = 300;

async function setup(n: number) {
  api = await startLocalSlackApi();
  store = await memoryStore(`late-${Date.now()}`);
  const now = new Date().toISOString();
  for (let i = 1; i <= n; i++)
    await store.createFinding({
      finding: makeFinding(i),
      state: 'open',
      firstSeenAt: now,
      lastSeenAt: now,
      version: 0,
    });
  const options = { ...postingClientOptions(api.apiUrl), timeout: TIMEOUT_MS, logLevel: LogLevel.ERROR };
  // The production policy (retries, a timeout), with a short timeout so a late answer is quick to make.
  const client = new WebClient('xoxb-t', options);
  const pub = new Publisher(client, store, 'C1', log, { postClient: new WebClient('xoxb-t', options) });
  return { pub, records: await store.listFindings({ states: ['open'] }) };
}

const withButtons = (m: { blocks?: unknown[] }) => JSON.stringify(m.blocks ?? []).includes('shareguard.');

describe('a post answered after the timeout (D12)', () => {
  it('in the channel: found by its metadata and adopted, not posted twice', async () => {
    const { pub, records } = await setup(2);
    api!.answerLate('chat.postMessage', TIMEOUT_MS * 4);
    const r = await pub.postFindings(records, 20);
    expect(r).toMatchObject({ posted: 2, failed: 0 });

    const shown = api!.messages('C1').filter(withButtons);
    expect(shown).toHaveLength(2); // one message per finding: no duplicate with live buttons
    for (const rec of records) {
      const ref = (await store!.getFinding(rec.finding.id))?.message;
      const m = ref && api!.message(ref.channel, ref.ts);
      expect(JSON.stringify(m?.blocks)).toContain(rec.finding.id); // the adopted message is the stored one
      expect(m?.metadata).toEqual({
        event_type: FINDING_EVENT,
        event_payload: { finding_ids: rec.finding.id },
      });
    }
    expect(api!.callsOf('conversations.history')).toHaveLength(1);
    expect(api!.callsOf('chat.postMessage')).toHaveLength(2);
  });

  it('in a thread: found among the thread replies and adopted', async () => {
    const { pub, records } = await setup(1);
    const parent = await pub.post({ text: 'scan', blocks: [] });
    api!.answerLate('chat.postMessage', TIMEOUT_MS * 4);
    const r = await pub.postFindings(records, 20, { threadTs: parent.ts });
    expect(r).toMatchObject({ posted: 1, failed: 0 });
    const replies = api!.replies('C1', parent.ts);
    expect(replies).toHaveLength(1);
    expect((await store!.getFinding(records[0]!.finding.id))?.message?.ts).toBe(replies[0]!.ts);
    expect(api!.callsOf('conversations.replies')).toHaveLength(1);
  });

  it('an unanswered post that Slack did not carry out is not in the channel: posted again, once', async () => {
    const { pub, records } = await setup(1);
    // The first post hangs (not carried out yet); the client gives up, looks, finds nothing, posts again.
    const hang = api!.hang('chat.postMessage', 1);
    const r = await pub.postFindings(records, 20);
    expect(r).toMatchObject({ posted: 1, failed: 0 });
    expect(api!.callsOf('conversations.history')).toHaveLength(1);
    api!.failNext('chat.postMessage', 'internal_error'); // the held one, when Slack gets to it, fails
    hang.release();
    await vi.waitFor(() => expect(api!.callsOf('chat.postMessage')).toHaveLength(2));
    const shown = api!.messages('C1').filter(withButtons);
    expect(shown).toHaveLength(1);
    expect((await store!.getFinding(records[0]!.finding.id))?.message?.ts).toBe(shown[0]!.ts);
  });
});
