import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FindingRecord } from '../../src/domain/lifecycle.ts';
import type { Store } from '../../src/store/store.ts';
import { GSI1 } from '../../src/store/table.ts';
import { OWNER_A, OWNER_B, inParallel, makeFinding, memoryStore, TEST_CREDENTIALS } from './fixtures.ts';

// About 1.4 kB per item: 1,000 of one owner are ~1.4 MB, more than one 1 MB Query page.
const DESCRIPTION = 'x'.repeat(1200);
const COUNT_A = 1000;
const COUNT_B = 500;

let store: Store;
const records: FindingRecord[] = [];

beforeAll(async () => {
  store = await memoryStore();
  for (let i = 0; i < COUNT_A + COUNT_B; i++) {
    const owner = i < COUNT_A ? OWNER_A : OWNER_B;
    records.push({
      finding: makeFinding(i, owner, { description: DESCRIPTION }),
      state: 'open',
      firstSeenAt: '2024-05-01T00:00:00.000Z',
      lastSeenAt: '2024-05-01T00:00:00.000Z',
      version: 0,
    });
  }
  await inParallel(records, 32, (r) => store.createFinding(r));
  // A few in other states, which `open` queries must not return (removed by way of removing, as a
  // Remove decision moves them: the lifecycle has no open → removed).
  await inParallel(records.slice(0, 30), 8, async (r) => {
    await store.transitionFinding(r.finding.id, ['open'], { state: 'removing' });
    await store.transitionFinding(r.finding.id, ['removing'], { state: 'removed' });
  });
  await inParallel(records.slice(COUNT_A, COUNT_A + 20), 8, (r) =>
    store.transitionFinding(r.finding.id, ['open'], { state: 'trusted' }),
  );
});
afterAll(async () => {
  await store.close();
});

/** Pages a plain Query on the index takes, to prove listFindings had to follow LastEvaluatedKey. */
async function pagesOf(pk: string, ownerPrefix?: string): Promise<number> {
  const client = new DynamoDBClient({
    region: store.info.region,
    endpoint: store.info.endpoint!,
    credentials: TEST_CREDENTIALS,
  });
  let pages = 0;
  let start: Record<string, never> | undefined;
  do {
    const out = await client.send(
      new QueryCommand({
        TableName: store.info.tableName,
        IndexName: GSI1,
        KeyConditionExpression: ownerPrefix ? 'GSI1PK = :pk AND begins_with(GSI1SK, :o)' : 'GSI1PK = :pk',
        ExpressionAttributeValues: { ':pk': { S: pk }, ...(ownerPrefix ? { ':o': { S: ownerPrefix } } : {}) },
        Select: 'COUNT',
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    pages++;
    start = out.LastEvaluatedKey as Record<string, never> | undefined;
  } while (start);
  client.destroy();
  return pages;
}

describe('listFindings', () => {
  it('returns every open finding across pages, sorted by owner then id', async () => {
    expect(await pagesOf('STATE#open')).toBeGreaterThan(1);
    const open = await store.listFindings({ states: ['open'] });
    expect(open).toHaveLength(COUNT_A + COUNT_B - 50);
    expect(new Set(open.map((r) => r.finding.id)).size).toBe(open.length);
    expect(open.every((r) => r.state === 'open')).toBe(true);
    const keys = open.map((r) => `${r.finding.ownerAccountId}#${r.finding.id}`);
    expect(keys).toEqual([...keys].sort());
    expect(open[0]).toEqual({ ...records[30], version: 1 });
  });

  it('returns one owner’s findings across pages', async () => {
    expect(await pagesOf('STATE#open', `${OWNER_A}#`)).toBeGreaterThan(1);
    const a = await store.listFindings({ states: ['open'], ownerAccountId: OWNER_A });
    expect(a).toHaveLength(COUNT_A - 30);
    expect(a.every((r) => r.finding.ownerAccountId === OWNER_A)).toBe(true);
  });

  it('combines several states and filters by owner', async () => {
    const closed = await store.listFindings({ states: ['removed', 'trusted'] });
    expect(closed).toHaveLength(50);
    const b = await store.listFindings({ states: ['removed', 'trusted', 'open'], ownerAccountId: OWNER_B });
    expect(b).toHaveLength(COUNT_B);
    expect(b.filter((r) => r.state === 'trusted')).toHaveLength(20);
    expect(await store.listFindings({ states: ['removing'] })).toEqual([]);
    // An owner id that is a prefix of a stored one matches none of its findings.
    expect(await store.listFindings({ states: ['open'], ownerAccountId: '11111111111' })).toEqual([]);
  });
});
