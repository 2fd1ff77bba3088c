import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecisionSummary } from '../../src/domain/lifecycle.ts';
import { StoreConflictError, StoreError } from '../../src/store/errors.ts';
import type { Store } from '../../src/store/store.ts';
import { OWNER_A, OWNER_B, inParallel, makeFinding, makeRecord, memoryStore } from './fixtures.ts';

let store: Store;
beforeAll(async () => {
  store = await memoryStore();
});
afterAll(async () => {
  await store.close();
});

const decision = (id: string): DecisionSummary => ({
  decisionId: id,
  action: 'remove',
  by: { userId: 'U012ABCDEF', userName: 'alice' },
  at: '2024-05-02T10:00:00.000Z',
  outcome: 'pending',
});

describe('create and get', () => {
  it('creates once, stores version 1, reads back the same record', async () => {
    const rec = {
      ...makeRecord(1),
      finding: makeFinding(1, OWNER_A, { description: undefined, public: true }),
    };
    expect(await store.createFinding(rec)).toBe(true);
    expect(await store.createFinding({ ...rec, state: 'removed' })).toBe(false);
    const got = await store.getFinding(rec.finding.id);
    expect(got).toEqual({ ...makeRecord(1), finding: makeFinding(1, OWNER_A, { public: true }), version: 1 });
    expect(got).not.toHaveProperty('PK');
    expect(got).not.toHaveProperty('GSI1PK');
    expect(await store.getFinding('ami:nope')).toBeUndefined();
  });

  it('batch-gets more than 100 ids (chunks), skipping missing ones and duplicates', async () => {
    const recs = Array.from({ length: 250 }, (_, i) => makeRecord(1000 + i, i % 2 ? OWNER_A : OWNER_B));
    await inParallel(recs, 16, (r) => store.createFinding(r));
    const ids = [...recs.map((r) => r.finding.id), 'ami:missing:1', 'ami:missing:2', recs[0]!.finding.id];
    const got = await store.getFindings(ids);
    expect(got.size).toBe(250);
    for (const r of recs) expect(got.get(r.finding.id)).toEqual({ ...r, version: 1 });
    expect((await store.getFindings([])).size).toBe(0);
  });
});

describe('saveFinding', () => {
  it('writes conditionally on the version and returns version + 1', async () => {
    const rec = makeRecord(2);
    const v1 = await store.saveFinding(rec); // version 0: only if absent
    expect(v1.version).toBe(1);
    await expect(store.saveFinding(rec)).rejects.toBeInstanceOf(StoreConflictError);
    const v2 = await store.saveFinding({ ...v1, lastSeenAt: '2024-05-03T00:00:00.000Z' });
    expect(v2.version).toBe(2);
    expect(await store.getFinding(rec.finding.id)).toEqual(v2);
  });

  it('refuses a stale copy with StoreConflictError carrying the stored record', async () => {
    const rec = makeRecord(3);
    await store.createFinding(rec);
    const a = (await store.getFinding(rec.finding.id))!;
    const b = (await store.getFinding(rec.finding.id))!;
    await store.saveFinding({ ...a, lastSeenAt: '2024-06-01T00:00:00.000Z' });
    const err = await store.saveFinding({ ...b, state: 'resolved' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreConflictError);
    expect((err as StoreConflictError).message).toMatch(/expected version 1, stored version is 2/);
    expect((err as StoreConflictError).current).toMatchObject({ version: 2, state: 'open' });
  });

  it('setMessage bumps the version, so an older copy cannot drop the message', async () => {
    const rec = makeRecord(4);
    await store.createFinding(rec);
    const stale = (await store.getFinding(rec.finding.id))!;
    // The whole ref is kept, whatever fields MessageRef grows (e.g. the findings a grouped message shows).
    const ref = { channel: 'C012ABCDEF', ts: '1714557600.000100', findingIds: [rec.finding.id] };
    await store.setMessage(rec.finding.id, ref);
    const now = (await store.getFinding(rec.finding.id))!;
    expect(now.message).toEqual(ref);
    expect(now.version).toBe(2);
    await expect(store.saveFinding(stale)).rejects.toBeInstanceOf(StoreConflictError);
    await expect(store.setMessage('ami:absent', { channel: 'C1', ts: '1' })).rejects.toThrow(
      /does not exist/,
    );
  });
});

describe('transitionFinding', () => {
  it('of 20 concurrent open → removing calls, exactly one wins', async () => {
    const rec = makeRecord(5);
    await store.createFinding(rec);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.transitionFinding(rec.finding.id, ['open'], {
          state: 'removing',
          decision: decision(`d-${i}`),
        }),
      ),
    );
    const winners = results.filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    const winner = winners[0]!;
    if (!winner.ok) throw new Error('unreachable');
    expect(winner.record).toMatchObject({ state: 'removing', version: 2 });
    for (const r of results.filter((x) => !x.ok)) {
      if (r.ok) throw new Error('unreachable');
      // Losers see the winner's write.
      expect(r.current).toEqual(winner.record);
    }
    const stored = await store.getFinding(rec.finding.id);
    expect(stored).toEqual(winner.record);
  });

  it('moves the finding between state index partitions and removes undefined fields', async () => {
    const rec = { ...makeRecord(6, OWNER_B), sharedAgainAt: '2024-05-01T00:00:00.000Z' };
    await store.createFinding(rec);
    const r = await store.transitionFinding(rec.finding.id, ['open', 'removing'], {
      state: 'recorded',
      sharedAgainAt: undefined,
      decision: { ...decision('d-x'), outcome: 'recorded', detail: undefined },
    });
    expect(r.ok).toBe(true);
    const got = (await store.getFinding(rec.finding.id))!;
    expect(got).not.toHaveProperty('sharedAgainAt');
    expect(got.decision).toEqual({ ...decision('d-x'), outcome: 'recorded' });
    const recorded = await store.listFindings({ states: ['recorded'], ownerAccountId: OWNER_B });
    expect(recorded.map((f) => f.finding.id)).toEqual([rec.finding.id]);
    const open = await store.listFindings({ states: ['open'], ownerAccountId: OWNER_B });
    expect(open.map((f) => f.finding.id)).not.toContain(rec.finding.id);
  });

  it('recognises a repeat of its own landed write by the decision id (an SDK retry)', async () => {
    const rec = makeRecord(8);
    await store.createFinding(rec);
    const patch = { state: 'removing' as const, decision: decision('d-retry') };
    const first = await store.transitionFinding(rec.finding.id, ['open'], patch);
    const repeat = await store.transitionFinding(rec.finding.id, ['open'], patch);
    expect(first.ok && repeat.ok).toBe(true);
    expect(await store.getFinding(rec.finding.id)).toMatchObject({ version: 2 });
    const other = await store.transitionFinding(rec.finding.id, ['open'], {
      ...patch,
      decision: decision('d-2'),
    });
    expect(other.ok).toBe(false);
  });

  it('refuses from the wrong state or for a missing finding, and rejects bad patches', async () => {
    const rec = makeRecord(7);
    await store.createFinding(rec);
    const r = await store.transitionFinding(rec.finding.id, ['removing'], { state: 'removed' });
    expect(r).toEqual({ ok: false, current: { ...rec, version: 1 } });
    expect(await store.transitionFinding('ami:absent', ['open'], { state: 'removing' })).toEqual({
      ok: false,
    });
    await expect(
      store.transitionFinding(rec.finding.id, ['open'], { state: undefined }),
    ).rejects.toBeInstanceOf(StoreError);
    await expect(store.transitionFinding(rec.finding.id, [], { state: 'removing' })).rejects.toThrow(/from/);
    // Not in the lifecycle's transition table: refused before anything is written.
    await expect(store.transitionFinding(rec.finding.id, ['open'], { state: 'removed' })).rejects.toThrow(
      /open → removed is not a finding transition/,
    );
    expect(await store.getFinding(rec.finding.id)).toEqual({ ...rec, version: 1 });
  });
});
