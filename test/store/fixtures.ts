import { findingId, type Finding } from '../../src/domain/finding.ts';
import type { FindingRecord, FindingState } from '../../src/domain/lifecycle.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/store.ts';

export const OWNER_A = '111111111111';
export const OWNER_B = '222222222222';
export const ACCOUNT = '999999999999';

/**
 * The credentials the test stores' local server accepts: tests reach the table directly with them (a
 * store opened without them accepts only its own random key; docs/store.md "The embedded store").
 */
export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/** An in-memory store (dynalite, real SDK over HTTP); table `t` per call. */
export function memoryStore(tableName = 'shareguard-test'): Promise<Store> {
  return openStore({ kind: 'memory', tableName, dataDir: 'unused' }, { localCredentials: TEST_CREDENTIALS });
}

export function makeFinding(n: number, owner = OWNER_A, extra: Partial<Finding> = {}): Finding {
  const resourceId = `ami-${n.toString(16).padStart(17, '0')}`;
  return {
    id: findingId('ami', ACCOUNT, 'us-east-1', resourceId),
    kind: 'ami',
    accountId: ACCOUNT,
    region: 'us-east-1',
    resourceId,
    resourceArn: `arn:aws:ec2:us-east-1::image/${resourceId}`,
    ownerAccountId: owner,
    sharedVia: 'account',
    name: `image ${n}`,
    ...extra,
  };
}

export function makeRecord(n: number, owner = OWNER_A, state: FindingState = 'open'): FindingRecord {
  return {
    finding: makeFinding(n, owner),
    state,
    firstSeenAt: '2024-05-01T00:00:00.000Z',
    lastSeenAt: '2024-05-01T00:00:00.000Z',
    version: 0,
  };
}

/** Runs `fn` over `items` with at most `width` in flight. */
export async function inParallel<T>(items: readonly T[], width: number, fn: (item: T) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}
