/**
 * Issue 21 D3: every store call has a deadline, the SDK's retries included; `withStoreDeadline` gives a
 * call tree a tighter one (the decision path's intent write, well inside Slack's 3 s).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/store/errors.ts';
import { withStoreDeadline } from '../../src/store/index.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/store.ts';
import { startHangingProxy, type HangingProxy } from '../helpers/hanging-proxy.ts';
import { makeRecord, memoryStore, TEST_CREDENTIALS } from './fixtures.ts';

let backing: Store;
let proxy: HangingProxy;
const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
beforeAll(async () => {
  backing = await memoryStore('sg-deadline');
  proxy = await startHangingProxy(backing.info.endpoint!);
  process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
});
afterAll(async () => {
  await proxy.close();
  await backing.close();
  for (const [k, v] of [
    ['AWS_ACCESS_KEY_ID', saved.id],
    ['AWS_SECRET_ACCESS_KEY', saved.secret],
  ] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const through = (callTimeoutMs: number) =>
  openStore(
    {
      kind: 'dynamodb',
      tableName: 'sg-deadline',
      endpoint: proxy.url,
      region: 'us-east-1',
      dataDir: 'unused',
    },
    { callTimeoutMs },
  );

describe('store call deadlines (D3)', () => {
  it('a hung store fails the call with a StoreError saying it did not answer, and works again after', async () => {
    const store = await through(1_000);
    try {
      expect(await store.createFinding(makeRecord(1))).toBe(true);
      proxy.hang = true;
      const err = await store.getFinding(makeRecord(1).finding.id).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect((err as Error).message).toMatch(/did not answer in time/);
      proxy.hang = false;
      expect((await store.getFinding(makeRecord(1).finding.id))?.state).toBe('open');
    } finally {
      proxy.hang = false;
      await store.close();
    }
  });

  it('withStoreDeadline bounds the calls inside it more tightly than the store’s own deadline', async () => {
    // The store's own deadline (60 s) would outlast this test's 5 s: only the scoped one can end it.
    const store = await through(60_000);
    try {
      proxy.hang = true;
      const err = await withStoreDeadline(300, () =>
        store.putIntent({
          intentId: 'i-1',
          action: 'remove',
          findingId: makeRecord(2).finding.id,
          by: { userId: 'U0ALICE' },
          at: new Date().toISOString(),
          status: 'pending',
          reply: {},
        } as Parameters<Store['putIntent']>[0]),
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect(() => withStoreDeadline(0, () => Promise.resolve())).toThrow(RangeError);
    } finally {
      proxy.hang = false;
      await store.close();
    }
  });
});
