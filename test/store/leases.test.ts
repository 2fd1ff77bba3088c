/** Leases with a heartbeat, a note and a takeover (issue 21 D2, D11), against dynalite. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.ts';
import { memoryStore } from './fixtures.ts';

let store: Store;
beforeAll(async () => {
  store = await memoryStore('sg-leases');
});
afterAll(async () => {
  await store.close();
});

const T0 = Date.UTC(2026, 11, 1);

describe('leases: heartbeat, note, takeover', () => {
  it('a renewed lease is not taken; a stale one is, and the taker learns whose it was and its note', async () => {
    const note = { channel: 'C1', ts: '1.2', scope: 'all' };
    expect(await store.takeLease('job', 'a', 1_000, { now: T0, note })).toEqual({ acquired: true });
    expect(await store.renewLease('job', 'a', 1_000, { now: T0 + 900 })).toBe(true);
    expect((await store.takeLease('job', 'b', 1_000, { now: T0 + 1_500 })).acquired).toBe(false);
    expect(await store.getLease('job')).toMatchObject({ holder: 'a', expiresAt: T0 + 1_900, note });

    const taken = await store.takeLease('job', 'b', 1_000, { now: T0 + 1_901 });
    expect(taken).toEqual({ acquired: true, replaced: expect.objectContaining({ holder: 'a', note }) });
    // The old holder's heartbeat now fails: it knows it lost the lease.
    expect(await store.renewLease('job', 'a', 1_000, { now: T0 + 2_000 })).toBe(false);
    // Re-taking one's own lease replaces nobody.
    expect(await store.takeLease('job', 'b', 1_000, { now: T0 + 2_000 })).toEqual({ acquired: true });
  });

  it('release with a note keeps the item, expired, for the next holder; a plain release deletes it', async () => {
    expect((await store.takeLease('day', 'a', 60_000, { now: T0 })).acquired).toBe(true);
    await store.releaseLease('day', 'a', { due: 'x', attempts: 1 });
    const kept = await store.getLease('day');
    expect(kept).toMatchObject({ holder: 'a', expiresAt: 0, note: { due: 'x', attempts: 1 } });
    const next = await store.takeLease('day', 'b', 60_000, { now: T0 + 1 });
    expect(next).toEqual({
      acquired: true,
      replaced: expect.objectContaining({ note: { due: 'x', attempts: 1 } }),
    });
    await store.releaseLease('day', 'b');
    expect(await store.getLease('day')).toBeUndefined();
  });
});
