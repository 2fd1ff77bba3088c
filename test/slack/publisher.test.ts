import { afterEach, describe, expect, it } from 'vitest';
import { WebClient } from '@slack/web-api';
import { pino } from 'pino';
import { Publisher } from '../../src/slack/publisher.ts';
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

/** A clock that only moves when the publisher sleeps: pacing is checked without timing anything. */
function fakeClock() {
  let t = 1_000_000;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleeps,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
  };
}

async function setup(n: number) {
  api = await startLocalSlackApi();
  store = await memoryStore(`pub-${Date.now()}`);
  const now = new Date().toISOString();
  for (let i = 1; i <= n; i++)
    await store.createFinding({
      finding: makeFinding(i),
      state: 'open',
      firstSeenAt: now,
      lastSeenAt: now,
      version: 0,
    });
  const client = new WebClient('xoxb-t', { slackApiUrl: api.apiUrl, retryConfig: { retries: 0 } });
  return { client, records: await store.listFindings({ states: ['open'] }) };
}

describe('Publisher pacing', () => {
  it('spaces posts by postIntervalMs (one slot per post, in order)', async () => {
    const { client, records } = await setup(5);
    const clock = fakeClock();
    const pub = new Publisher(client, store!, 'C1', log, { postIntervalMs: 1000, ...clock });
    const parent = await pub.post({ text: 'scan', blocks: [] });
    const r = await pub.postFindings(records, 20, { threadTs: parent.ts });
    expect(r).toMatchObject({ posted: 5, failed: 0, overflow: 0 });
    // The first post needs no wait; each of the 5 replies waits its full second.
    expect(clock.sleeps).toEqual([1000, 1000, 1000, 1000, 1000]);
    expect(api!.replies('C1', parent.ts)).toHaveLength(5);
    expect((await store!.listFindings({ states: ['open'] })).every((x) => x.message)).toBe(true);
  });

  it('stop() gives up the posts still waiting: their findings keep no message and are offered again', async () => {
    const { client, records } = await setup(4);
    let wake: () => void = () => undefined;
    const pub = new Publisher(client, store!, 'C1', log, {
      postIntervalMs: 1000,
      now: () => 0,
      sleep: () => new Promise<void>((r) => (wake = r)), // never wakes unless told
    });
    const round = pub.postFindings(records, 20);
    await new Promise((r) => setTimeout(r, 50));
    pub.stop();
    const r = await round;
    expect(r.posted + r.failed).toBe(4);
    expect(r.failed).toBeGreaterThanOrEqual(3);
    expect((await pub.needsPosting()).length).toBe(r.failed);
    wake();
    await expect(pub.post({ text: 'late', blocks: [] })).rejects.toThrow(/shutting down/);
  });
});
