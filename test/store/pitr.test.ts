/**
 * `shareguard store init` turns on point-in-time recovery (issue 22 item 2). dynalite has no continuous
 * backups API, so DynamoDB's two calls are answered by a small front in this test (as DynamoDB documents
 * them: ContinuousBackupsUnavailableException while a new table's backups start) and everything else is
 * passed through to dynalite over HTTP.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.ts';
import { runStoreCommand } from '../../src/store/cli.ts';
import type { Store } from '../../src/store/store.ts';
import { enablePointInTimeRecovery } from '../../src/store/table.ts';
import { TEST_CREDENTIALS, memoryStore } from './fixtures.ts';

let local: Store;
let front: Server;
let endpoint: string;
const pitr = new Map<string, boolean>();
/** UpdateContinuousBackups answers "unavailable" this many times first (a table just created). */
let unavailable = 0;
const calls: string[] = [];
const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

beforeAll(async () => {
  local = await memoryStore('pitr-backend');
  const backend = new URL(local.info.endpoint!);
  front = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const action = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      calls.push(action);
      const json = (status: number, value: object) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify(value));
      };
      const table = (JSON.parse(body.toString('utf8') || '{}') as { TableName?: string }).TableName ?? '';
      const description = () => ({
        ContinuousBackupsDescription: {
          ContinuousBackupsStatus: 'ENABLED',
          PointInTimeRecoveryDescription: {
            PointInTimeRecoveryStatus: pitr.get(table) ? 'ENABLED' : 'DISABLED',
          },
        },
      });
      if (action === 'DescribeContinuousBackups') return json(200, description());
      if (action === 'UpdateContinuousBackups') {
        if (unavailable > 0) {
          unavailable--;
          return json(400, {
            __type: 'com.amazonaws.dynamodb.v20120810#ContinuousBackupsUnavailableException',
            message: 'Backups are being enabled for the table',
          });
        }
        pitr.set(table, true);
        return json(200, description());
      }
      const proxied = request(
        {
          host: backend.hostname,
          port: backend.port,
          path: req.url,
          method: req.method,
          headers: req.headers,
        },
        (up) => {
          res.writeHead(up.statusCode ?? 500, up.headers);
          up.pipe(res);
        },
      );
      proxied.end(body);
    });
  });
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
});

afterAll(async () => {
  await new Promise((r) => front.close(r));
  await local.close();
  for (const [k, v] of [
    ['AWS_ACCESS_KEY_ID', saved.id],
    ['AWS_SECRET_ACCESS_KEY', saved.secret],
  ] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

describe('store init: point-in-time recovery', () => {
  it('creates the table with point-in-time recovery on, waiting while backups start; then finds it on', async () => {
    unavailable = 2;
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(`ERR ${l}`) };
    const config = configSchema.parse({
      accounts: [{ id: '123456789012' }],
      store: { kind: 'dynamodb', tableName: 'sg-pitr', endpoint, region: 'eu-west-1' },
    });
    // Two refusals while backups start: init waits between tries (3 s each), then turns it on.
    expect(await runStoreCommand(['init'], config, io)).toBe(0);
    expect(out.at(-1)).toMatch(/^Created table "sg-pitr" .*point-in-time recovery turned on\.$/);
    expect(pitr.get('sg-pitr')).toBe(true);
    expect(calls.filter((c) => c === 'UpdateContinuousBackups')).toHaveLength(3);

    expect(await runStoreCommand(['init'], config, io)).toBe(0);
    expect(out.at(-1)).toMatch(/already exists .*point-in-time recovery already on\.$/);
  }, 30_000);

  it('says so when the endpoint has no such API (dynalite itself)', async () => {
    const client = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: local.info.endpoint!,
      credentials: TEST_CREDENTIALS,
    });
    try {
      expect(await enablePointInTimeRecovery(client, 'pitr-backend')).toBe('unsupported');
    } finally {
      client.destroy();
    }
  });
});
