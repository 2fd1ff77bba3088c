import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.ts';
import type { BlockedResource } from '../../src/domain/guard.ts';

let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

const by = { userId: 'U0ALICE' };
const at = '2026-12-01T12:00:00.000Z';
const resource = (accountId: string, id: string): BlockedResource => ({
  findingId: `ami:${accountId}:us-east-1:${id}`,
  kind: 'ami',
  accountId,
  region: 'us-east-1',
  resourceId: id,
  resourceArn: `arn:aws:ec2:us-east-1::image/${id}`,
  ownerAccountId: '444444444444',
  decisionId: 'd1',
  by,
  at,
});

describe('guard store', () => {
  it('keeps blocked resources per finding, lists them per account, and deletes them', async () => {
    store = await openStore(
      { kind: 'memory', tableName: 'shareguard', dataDir: '' },
      { fallbackRegion: 'us-east-1' },
    );
    await store.putBlockedResource(resource('222222222222', 'ami-2'));
    await store.putBlockedResource(resource('111111111111', 'ami-1'));
    await store.putBlockedResource(resource('111111111111', 'ami-1')); // a retry overwrites
    expect((await store.listBlockedResources()).map((r) => r.findingId)).toEqual([
      'ami:111111111111:us-east-1:ami-1',
      'ami:222222222222:us-east-1:ami-2',
    ]);
    expect(await store.listBlockedResources({ accountId: '222222222222' })).toEqual([
      resource('222222222222', 'ami-2'),
    ]);
    expect(await store.deleteBlockedResource('ami:111111111111:us-east-1:ami-1')).toBe(true);
    expect(await store.deleteBlockedResource('ami:111111111111:us-east-1:ami-1')).toBe(false);
    expect(await store.listBlockedResources({ accountId: '111111111111' })).toEqual([]);
  });

  it('keeps blocked owners; put says whether it is new, delete whether it was there', async () => {
    store = await openStore(
      { kind: 'memory', tableName: 'shareguard', dataDir: '' },
      { fallbackRegion: 'us-east-1' },
    );
    expect(await store.putBlockedOwner({ ownerAccountId: '666666666666', decisionId: 'd1', by, at })).toBe(
      true,
    );
    expect(
      await store.putBlockedOwner({
        ownerAccountId: '444444444444',
        reason: 'attacker',
        decisionId: 'd2',
        by,
        at,
      }),
    ).toBe(true);
    expect(await store.putBlockedOwner({ ownerAccountId: '444444444444', decisionId: 'd3', by, at })).toBe(
      false,
    );
    expect((await store.listBlockedOwners()).map((o) => [o.ownerAccountId, o.decisionId])).toEqual([
      ['444444444444', 'd3'],
      ['666666666666', 'd1'],
    ]);
    expect(await store.getBlockedOwner('666666666666')).toMatchObject({ decisionId: 'd1' });
    expect(await store.deleteBlockedOwner('666666666666')).toBe(true);
    expect(await store.deleteBlockedOwner('666666666666')).toBe(false);
    expect(await store.getBlockedOwner('666666666666')).toBeUndefined();
  });
});
