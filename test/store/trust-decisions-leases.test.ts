import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecisionRecord, TrustEntry } from '../../src/domain/lifecycle.ts';
import { StoreConflictError, StoreError } from '../../src/store/errors.ts';
import type { Store } from '../../src/store/store.ts';
import { OWNER_A, OWNER_B, memoryStore } from './fixtures.ts';

let store: Store;
beforeAll(async () => {
  store = await memoryStore();
});
afterAll(async () => {
  await store.close();
});

const alice = { userId: 'U012ABCDEF', userName: 'alice' };

describe('trust list', () => {
  it('adds, refuses a duplicate, lists, gets and deletes', async () => {
    const a: TrustEntry = {
      accountId: OWNER_A,
      note: 'golden images',
      addedBy: alice,
      addedAt: '2024-05-01T00:00:00.000Z',
    };
    const b: TrustEntry = {
      accountId: OWNER_B,
      addedBy: { system: 'config' },
      addedAt: '2024-05-01T00:00:00.000Z',
    };
    expect(await store.putTrust(b)).toBe(true);
    expect(await store.putTrust(a)).toBe(true);
    expect(await store.putTrust({ ...a, note: 'again' })).toBe(false);
    expect(await store.listTrust()).toEqual([a, b]);
    expect(await store.getTrust(OWNER_A)).toEqual(a);
    expect(await store.deleteTrust(OWNER_A)).toBe(true);
    expect(await store.deleteTrust(OWNER_A)).toBe(false);
    expect(await store.getTrust(OWNER_A)).toBeUndefined();
    expect(await store.listTrust()).toEqual([b]);
  });
});

describe('decision log', () => {
  const pending = (id: string, at: string, findingId?: string): DecisionRecord => ({
    decisionId: id,
    action: 'remove',
    ...(findingId ? { findingId } : {}),
    ownerAccountId: OWNER_A,
    by: alice,
    at,
    outcome: 'pending',
  });

  it('appends pending, completes once, refuses a second completion', async () => {
    const d = pending('d-1', '2024-05-01T10:00:00.000Z', 'ami:f1');
    await store.appendDecision(d);
    // The same entry again is a no-op (an SDK retry); a different one under the same key is refused.
    await store.appendDecision(d);
    await expect(store.appendDecision({ ...d, action: 'trust' })).rejects.toBeInstanceOf(StoreConflictError);

    const done = await store.completeDecision(
      d,
      'succeeded',
      'launch permission removed',
      '2024-05-01T10:00:02.000Z',
    );
    expect(done).toEqual({
      ...d,
      outcome: 'succeeded',
      detail: 'launch permission removed',
      completedAt: '2024-05-01T10:00:02.000Z',
    });
    const again = await store
      .completeDecision(d, 'failed', 'boom', '2024-05-01T10:00:03.000Z')
      .catch((e: unknown) => e);
    expect(again).toBeInstanceOf(StoreConflictError);
    expect((again as Error).message).toMatch(/already "succeeded"/);
    await expect(
      store.completeDecision(pending('d-none', '2024-05-01T10:00:00.000Z'), 'failed'),
    ).rejects.toThrow(/not in the log/);
    const [stored] = await store.listDecisions({
      since: '2024-05-01T10:00:00.000Z',
      until: '2024-05-01T10:00:00.000Z',
    });
    expect(stored).toEqual(done);
  });

  it('refuses a non-canonical time', async () => {
    await expect(store.appendDecision(pending('d-bad', '2024-05-01T12:00:00+02:00'))).rejects.toBeInstanceOf(
      StoreError,
    );
  });

  it('lists across days newest first, with bounds, finding filter and limit', async () => {
    const log = [
      pending('a', '2024-06-01T23:59:59.999Z', 'ami:f2'),
      pending('b', '2024-06-02T00:00:00.000Z', 'ami:f3'),
      pending('c', '2024-06-02T08:00:00.000Z', 'ami:f2'),
      pending('d', '2024-06-02T08:00:00.000Z', 'ami:f3'),
      pending('e', '2024-06-04T01:00:00.000Z', 'ami:f2'),
      { ...pending('f', '2024-05-31T12:00:00.000Z'), outcome: 'refused' as const },
    ];
    for (const d of log) await store.appendDecision(d);
    const ids = (rs: DecisionRecord[]) => rs.map((r) => r.decisionId);

    expect(
      ids(
        await store.listDecisions({ since: '2024-06-01T00:00:00.000Z', until: '2024-06-30T00:00:00.000Z' }),
      ),
    ).toEqual(['e', 'd', 'c', 'b', 'a']);
    // Inclusive bounds on `at`, partitions of two days.
    expect(
      ids(
        await store.listDecisions({ since: '2024-06-01T23:59:59.999Z', until: '2024-06-02T08:00:00.000Z' }),
      ),
    ).toEqual(['d', 'c', 'b', 'a']);
    expect(
      ids(await store.listDecisions({ since: '2024-05-01', until: '2024-06-30', findingId: 'ami:f2' })),
    ).toEqual(['e', 'c', 'a']);
    expect(ids(await store.listDecisions({ since: '2024-05-01', until: '2024-06-30', limit: 3 }))).toEqual([
      'e',
      'd',
      'c',
    ]);
    expect(ids(await store.listDecisions({ since: '2024-05-30', until: '2024-06-01T12:00:00Z' }))).toEqual([
      'f',
    ]);
    expect(await store.listDecisions({ since: '2024-07-01', until: '2024-06-01' })).toEqual([]);
    await expect(store.listDecisions({ since: 'yesterday' })).rejects.toThrow(/not a time/);
  });
});

describe('leases', () => {
  const T0 = Date.parse('2024-05-01T00:00:00.000Z');

  it('is held by one holder at a time until it expires or is released', async () => {
    expect(await store.acquireLease('scan', 'host-a', 60_000, T0)).toBe(true);
    expect(await store.acquireLease('scan', 'host-b', 60_000, T0 + 1_000)).toBe(false);
    // The holder renews.
    expect(await store.acquireLease('scan', 'host-a', 60_000, T0 + 30_000)).toBe(true);
    // Not expired yet at the renewed expiry's edge (expiresAt < now is strict).
    expect(await store.acquireLease('scan', 'host-b', 60_000, T0 + 90_000)).toBe(false);
    // Expired: someone else takes it over.
    expect(await store.acquireLease('scan', 'host-b', 60_000, T0 + 90_001)).toBe(true);
    expect(await store.acquireLease('scan', 'host-a', 60_000, T0 + 90_002)).toBe(false);
    // A release by the former holder leaves the new holder's lease alone.
    await store.releaseLease('scan', 'host-a');
    expect(await store.acquireLease('scan', 'host-a', 60_000, T0 + 90_003)).toBe(false);
    await store.releaseLease('scan', 'host-b');
    expect(await store.acquireLease('scan', 'host-a', 60_000, T0 + 90_004)).toBe(true);
    // Leases are independent by name.
    expect(await store.acquireLease('digest', 'host-b', 60_000, T0)).toBe(true);
  });

  it('has exactly one winner among concurrent contenders', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.acquireLease('race', `host-${i}`, 60_000, T0)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('refuses a non-positive ttl', async () => {
    await expect(store.acquireLease('x', 'h', 0)).rejects.toBeInstanceOf(StoreError);
  });
});
