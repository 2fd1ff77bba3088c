import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LastScan } from '../../src/store/last-scan.ts';
import type { Store } from '../../src/store/store.ts';
import { memoryStore, TEST_CREDENTIALS } from './fixtures.ts';

let store: Store;
beforeAll(async () => {
  store = await memoryStore();
});
afterAll(async () => {
  await store.close();
});

const scan: LastScan = {
  at: '2024-05-01T12:00:00.000Z',
  summary: {
    findings: 3,
    trustedSkipped: 1,
    targetsScanned: 4,
    targetsFailed: 0,
    accountsScanned: 2,
    accountsWithFindings: 1,
  },
  scope: 'all monitored accounts',
  message: { channel: 'C0123456789', ts: '1714564800.000100' },
  posts: { posted: 3, failed: 0, notPosted: 0 },
};

describe('last scan', () => {
  it('is absent at first, then the newest one written', async () => {
    expect(await store.getLastScan()).toBeUndefined();
    await store.putLastScan(scan);
    expect(await store.getLastScan()).toEqual(scan);
    const next = { ...scan, at: '2024-05-02T12:00:00.000Z', posts: { posted: 0, failed: 1, notPosted: 2 } };
    await store.putLastScan(next);
    expect(await store.getLastScan()).toEqual(next);
  });

  it('reads an item written the old way (putMeta("lastScan", …): META#lastScan, the record under value)', async () => {
    const raw = new DynamoDBClient({
      region: store.info.region,
      endpoint: store.info.endpoint!,
      credentials: TEST_CREDENTIALS,
    });
    try {
      await raw.send(
        new PutItemCommand({
          TableName: store.info.tableName,
          Item: {
            PK: { S: 'META#lastScan' },
            SK: { S: 'META' },
            type: { S: 'meta' },
            value: { M: { at: { S: '2023-01-01T00:00:00.000Z' }, summary: { S: '3 findings' } } },
          },
        }),
      );
    } finally {
      raw.destroy();
    }
    expect(await store.getLastScan()).toEqual({ at: '2023-01-01T00:00:00.000Z', summary: '3 findings' });
  });
});
