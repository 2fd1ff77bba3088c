import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.ts';
import { runStoreCommand } from '../../src/store/cli.ts';
import { StoreError } from '../../src/store/errors.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/store.ts';
import { createTable, verifyTable } from '../../src/store/table.ts';
import { OWNER_A, makeRecord, memoryStore, TEST_CREDENTIALS } from './fixtures.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shareguard-store-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const alice = { userId: 'U012ABCDEF' };

describe('embedded store on disk', () => {
  it('keeps findings, trust and decisions across close and reopen', async () => {
    const cfg = { kind: 'embedded' as const, tableName: 'shareguard', dataDir: join(dir, 'nested', 'data') };
    const logs: string[] = [];
    const first = await openStore(cfg, { log: (m) => logs.push(m) });
    expect(logs.join('\n')).toMatch(/embedded dynalite at http:\/\/127\.0\.0\.1:\d+, data in .*nested/);
    const rec = makeRecord(1);
    expect(await first.createFinding(rec)).toBe(true);
    await first.putTrust({ accountId: OWNER_A, addedBy: alice, addedAt: '2024-05-01T00:00:00.000Z' });
    const decision = {
      decisionId: 'd-1',
      action: 'remove' as const,
      by: alice,
      at: '2024-05-01T10:00:00.000Z',
      outcome: 'pending' as const,
    };
    await first.appendDecision(decision);
    await first.close();
    await first.close(); // idempotent

    const second = await openStore(cfg);
    try {
      expect(await second.getFinding(rec.finding.id)).toEqual({ ...rec, version: 1 });
      expect((await second.listFindings({ states: ['open'] })).map((r) => r.finding.id)).toEqual([
        rec.finding.id,
      ]);
      expect(await second.listTrust()).toHaveLength(1);
      // The pending decision written before a crash can still be completed after the restart.
      await second.completeDecision(decision, 'failed', 'process restarted');
      const [d] = await second.listDecisions({ since: '2024-05-01', until: '2024-05-02' });
      expect(d).toMatchObject({ decisionId: 'd-1', outcome: 'failed' });
    } finally {
      await second.close();
    }
  });

  it('refuses a data directory another store has open, with a clear message', async () => {
    const cfg = { kind: 'embedded' as const, tableName: 'shareguard', dataDir: join(dir, 'locked') };
    const holder = await openStore(cfg);
    try {
      const err = await openStore(cfg).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect((err as Error).message).toMatch(/in use by another shareguard process/);
      // The first store still works.
      expect(await holder.createFinding(makeRecord(2))).toBe(true);
    } finally {
      await holder.close();
    }
  });
});

describe('memory store', () => {
  it('starts empty each time', async () => {
    const a = await memoryStore();
    await a.createFinding(makeRecord(3));
    await a.close();
    const b = await memoryStore();
    expect(await b.getFinding(makeRecord(3).finding.id)).toBeUndefined();
    await b.close();
  });
});

describe('table and store init (dynamodb kind, against dynalite as the endpoint)', () => {
  let local: Store;
  let client: DynamoDBClient;
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  beforeAll(async () => {
    local = await memoryStore('unrelated');
    client = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: local.info.endpoint!,
      credentials: TEST_CREDENTIALS,
    });
    // The dynamodb kind takes credentials from the default chain.
    process.env.AWS_ACCESS_KEY_ID = 'test';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
  });
  afterAll(async () => {
    client.destroy();
    await local.close();
    for (const [k, v] of [
      ['AWS_ACCESS_KEY_ID', saved.id],
      ['AWS_SECRET_ACCESS_KEY', saved.secret],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  const config = (tableName: string) =>
    configSchema.parse({
      accounts: [{ id: '123456789012' }],
      store: { kind: 'dynamodb', tableName, endpoint: local.info.endpoint, region: 'eu-west-1' },
    });

  it('creates the table, then finds it already there', async () => {
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(`ERR ${l}`) };
    expect(await runStoreCommand(['init'], config('sg-init'), io)).toBe(0);
    expect(out.at(-1)).toMatch(
      /^Created table "sg-init" in eu-west-1 \(endpoint http:\/\/127\.0\.0\.1:\d+\)/,
    );
    expect(await runStoreCommand(['init'], config('sg-init'), io)).toBe(0);
    expect(out.at(-1)).toMatch(/already exists .* with the expected layout/);

    // The dynamodb kind does not create tables on open, but uses the one init made.
    const store = await openStore(config('sg-init').store);
    expect(await store.createFinding(makeRecord(4))).toBe(true);
    expect(await store.listFindings({ states: ['open'] })).toHaveLength(1);
    await store.close();
  });

  it('says how to create a missing table', async () => {
    const store = await openStore(config('sg-missing').store);
    const err = await store.getFinding('x').catch((e: unknown) => e);
    await store.close();
    expect(err).toBeInstanceOf(StoreError);
    expect((err as Error).message).toMatch(/table "sg-missing" not found .*shareguard store init/);
  });

  it('refuses an existing table with another layout', async () => {
    await client.send(
      new CreateTableCommand({
        TableName: 'sg-other',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );
    await expect(createTable(client, 'sg-other')).rejects.toThrow(
      /does not have shareguard's layout: key schema is id:HASH, expected PK:HASH,SK:RANGE; no global secondary index "GSI1"/,
    );
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(`ERR ${l}`) };
    expect(await runStoreCommand(['init'], config('sg-other'), io)).toBe(1);
    expect(out.at(-1)).toMatch(/^ERR store init failed: .*layout/);
    expect(await createTable(client, 'unrelated')).toBe('exists');
    await expect(verifyTable(client, 'unrelated')).resolves.toMatchObject({ TableStatus: 'ACTIVE' });
  });

  it('reports usage errors', async () => {
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(`ERR ${l}`) };
    expect(await runStoreCommand([], config('sg-usage'), io)).toBe(2);
    expect(await runStoreCommand(['drop'], config('sg-usage'), io)).toBe(2);
    expect(await runStoreCommand(['init', '--force'], config('sg-usage'), io)).toBe(2);
    expect(await runStoreCommand(['help'], config('sg-usage'), io)).toBe(0);
  });
});

describe('store init for the embedded kind', () => {
  it('opens (creating the table) and closes', async () => {
    const config = configSchema.parse({
      accounts: [{ id: '123456789012' }],
      store: { kind: 'embedded', dataDir: join(dir, 'init') },
    });
    const out: string[] = [];
    expect(
      await runStoreCommand(['init'], config, { out: (l) => out.push(l), err: (l) => out.push(l) }),
    ).toBe(0);
    expect(out).toEqual([
      `Embedded store ready: table "shareguard" in ${join(dir, 'init')} (created when missing).`,
    ]);
  });
});
