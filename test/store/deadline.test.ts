/**
 * Issue 21 D3: every store call has a deadline, the SDK's retries included; `withStoreDeadline` gives a
 * call tree one absolute deadline (the decision path's store work before its ack, well inside Slack's
 * 3 s): the calls inside share it, they do not get it each.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecisionIntent } from '../../src/domain/intent.ts';
import { StoreError, StoreTimeoutError } from '../../src/store/errors.ts';
import { withStoreDeadline } from '../../src/store/index.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/store.ts';
import { startHangingProxy, type HangingProxy } from '../helpers/hanging-proxy.ts';
import { makeRecord, memoryStore, TEST_CREDENTIALS } from './fixtures.ts';
import { startSlowProxy, type SlowProxy } from './slow-proxy.ts';

let backing: Store;
let proxy: HangingProxy;
/** Every request held ~400 ms: a slow store, not a hung one. */
let slow: SlowProxy;
const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
beforeAll(async () => {
  backing = await memoryStore('sg-deadline');
  proxy = await startHangingProxy(backing.info.endpoint!);
  slow = await startSlowProxy(backing.info.endpoint!, 400);
  process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
});
afterAll(async () => {
  await proxy.close();
  await slow.close();
  await backing.close();
  for (const [k, v] of [
    ['AWS_ACCESS_KEY_ID', saved.id],
    ['AWS_SECRET_ACCESS_KEY', saved.secret],
  ] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const through = (callTimeoutMs: number, endpoint = proxy.url) =>
  openStore(
    {
      kind: 'dynamodb',
      tableName: 'sg-deadline',
      endpoint,
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

const intent = (intentId: string, userId: string): DecisionIntent => ({
  intentId,
  action: 'remove',
  findingId: makeRecord(3).finding.id,
  by: { userId },
  at: new Date().toISOString(),
  status: 'pending',
  reply: {},
});

/** What `work` settled to, and when (ms from the start). */
async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value?: T; error?: unknown }> {
  const started = performance.now();
  try {
    const value = await work();
    return { ms: performance.now() - started, value };
  } catch (error) {
    return { ms: performance.now() - started, error };
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('withStoreDeadline is one absolute deadline for the calls inside it', () => {
  it('three calls of ~400 ms each in a 600 ms scope: the first answers, the scope ends at ~600 ms, not 1,200', async () => {
    // The store's own per-call timeout (60 s) never binds here: only the scope's deadline can.
    const store = await through(60_000, slow.url);
    try {
      expect(await backing.createFinding(makeRecord(4))).toBe(true);
      const id = makeRecord(4).finding.id;
      const sentBefore = slow.received;
      const results: Array<{ state?: string; error?: unknown }> = [];
      const run = await timed(() =>
        withStoreDeadline(600, async () => {
          for (let i = 0; i < 3; i++)
            results.push(
              await store.getFinding(id).then(
                (r) => ({ state: r?.state }),
                (error: unknown) => ({ error }),
              ),
            );
        }),
      );
      expect(results[0]).toEqual({ state: 'open' });
      // The second was sent with the ~200 ms left, and aborted when they ran out.
      expect(results[1]?.error).toBeInstanceOf(StoreTimeoutError);
      expect((results[1]?.error as Error).message).toMatch(/did not answer within 600 ms.*GetItem/);
      // The third started after the deadline: it failed at once, without reaching the store.
      expect(results[2]?.error).toBeInstanceOf(StoreTimeoutError);
      expect((results[2]?.error as Error).message).toMatch(/not sent: the deadline had passed/);
      expect(slow.received - sentBefore).toBe(2);
      // A fresh 600 ms per call would have let all three answer, at ~1,200 ms.
      expect(run.ms).toBeGreaterThanOrEqual(550);
      expect(run.ms).toBeLessThan(1_150);
    } finally {
      await store.close();
    }
  });

  it('an intent write and the read after its failed condition share the deadline', async () => {
    const store = await through(60_000, slow.url);
    try {
      // Another click's intent holds the id: the put's condition fails (~400 ms), then it reads it back.
      expect(await backing.putIntent(intent('i-shared', 'U0BOB'))).toBe(true);
      const run = await timed(() =>
        withStoreDeadline(600, () => store.putIntent(intent('i-shared', 'U0ALICE'))),
      );
      expect(run.error).toBeInstanceOf(StoreTimeoutError);
      expect((run.error as Error).message).toMatch(/did not answer within 600 ms.*GetItem/);
      expect(run.ms).toBeLessThan(1_000);
      // Without a scope the same put answers: false, the id is another click's.
      expect(await store.putIntent(intent('i-shared', 'U0ALICE'))).toBe(false);
    } finally {
      await store.close();
    }
  });

  it('a call started after the deadline fails at once with a StoreError, never reaching the store', async () => {
    const store = await through(60_000, slow.url);
    try {
      const sentBefore = slow.received;
      const run = await timed(() =>
        withStoreDeadline(100, async () => {
          await sleep(250);
          const started = performance.now();
          const err = await store.putIntent(intent('i-late', 'U0ALICE')).catch((e: unknown) => e);
          return { err, ms: performance.now() - started };
        }),
      );
      const { err, ms } = run.value!;
      expect(err).toBeInstanceOf(StoreTimeoutError);
      expect((err as Error).message).toMatch(/did not take the write within 100 ms.*PutItem.*not sent/);
      // At once: no request held ~400 ms by the proxy, none sent at all.
      expect(ms).toBeLessThan(200);
      expect(slow.received - sentBefore).toBe(0);
      expect(await backing.getIntent('i-late')).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('a nested scope keeps the earlier deadline, whichever scope set it', async () => {
    const store = await through(60_000, proxy.url);
    try {
      proxy.hang = true;
      const id = makeRecord(1).finding.id;
      // Outer 400 ms; an inner 1,500 ms scope opened 200 ms in would end at 1,700 ms: the outer's stands.
      const outerFirst = await timed(() =>
        withStoreDeadline(400, async () => {
          await sleep(200);
          return withStoreDeadline(1_500, () => store.getFinding(id));
        }),
      );
      expect(outerFirst.error).toBeInstanceOf(StoreTimeoutError);
      expect((outerFirst.error as Error).message).toMatch(/within 400 ms/);
      expect(outerFirst.ms).toBeLessThan(1_200);
      // An inner scope opened after the outer's deadline has no time either: its call is not sent.
      const afterOuter = await timed(() =>
        withStoreDeadline(200, async () => {
          await sleep(300);
          return withStoreDeadline(3_000, () => store.getFinding(id));
        }),
      );
      expect(afterOuter.error).toBeInstanceOf(StoreTimeoutError);
      expect((afterOuter.error as Error).message).toMatch(/within 200 ms.*not sent/);
      // Outer 5 s, inner 300 ms: the inner one is earlier.
      const innerFirst = await timed(() =>
        withStoreDeadline(5_000, () => withStoreDeadline(300, () => store.getFinding(id))),
      );
      expect(innerFirst.error).toBeInstanceOf(StoreTimeoutError);
      expect((innerFirst.error as Error).message).toMatch(/within 300 ms/);
      expect(innerFirst.ms).toBeLessThan(2_000);
    } finally {
      proxy.hang = false;
      await store.close();
    }
  });

  it('the store’s own per-call timeout still applies inside a longer scope', async () => {
    const store = await through(300, proxy.url);
    try {
      proxy.hang = true;
      const run = await timed(() =>
        withStoreDeadline(5_000, () => store.getFinding(makeRecord(1).finding.id)),
      );
      expect(run.error).toBeInstanceOf(StoreTimeoutError);
      expect((run.error as Error).message).toMatch(/did not answer in time/);
      expect(run.ms).toBeLessThan(2_000);
    } finally {
      proxy.hang = false;
      await store.close();
    }
  });
});
