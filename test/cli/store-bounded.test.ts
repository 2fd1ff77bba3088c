/**
 * Issue 21 D3 and D17 against the real `serve` child process.
 * D3: the store hangs (a proxy in front of it stops answering): `/healthz` says so (503, store
 * unreachable), a command is answered within the store deadline instead of never, the reconciler keeps
 * trying instead of waiting forever on its first call, and everything resumes when the store does.
 * D17: the embedded store accepts only its own process: a PutItem from another process fails.
 */
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/store.ts';
import { startLocalSlackApi, type LocalSlackApi } from '../../src/testing/slack-api/index.ts';
import { startHangingProxy, type HangingProxy } from '../helpers/hanging-proxy.ts';
import { APPROVER, CHANNEL, httpEnv, spawnServe } from '../helpers/serve-cli.ts';

const TEST = { accessKeyId: 'test', secretAccessKey: 'test' };
const UNAVAILABLE = 'the decision store is unavailable';

let slack: LocalSlackApi;
beforeAll(async () => {
  slack = await startLocalSlackApi({ token: 'xoxb-good' });
});
afterAll(async () => {
  await slack.close();
});

const until = async (what: string, ok: () => boolean | Promise<boolean>, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

async function health(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('a hanging store (D3)', () => {
  let backing: Store;
  let proxy: HangingProxy;
  beforeAll(async () => {
    // The table serve uses (`dynamodb` kind: not created on open), behind a proxy the test can hang.
    backing = await openStore(
      { kind: 'memory', tableName: 'shareguard', dataDir: 'unused' },
      { localCredentials: TEST },
    );
    proxy = await startHangingProxy(backing.info.endpoint!);
  });
  afterAll(async () => {
    await proxy.close();
    await backing.close();
  });

  it('healthz says 503 store unreachable, commands are answered, the reconciler keeps trying', async () => {
    const sg = spawnServe({
      flags: { store: 'dynamodb' },
      env: httpEnv(slack.url, {
        SHAREGUARD_DYNAMODB_ENDPOINT: proxy.url,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: TEST.accessKeyId,
        AWS_SECRET_ACCESS_KEY: TEST.secretAccessKey,
        RECONCILE_INTERVAL_MS: '500',
        STORE_TIMEOUT_MS: '1500',
      }),
    });
    try {
      const url = await sg.ready();
      expect((await health(url)).status).toBe(200);

      proxy.hang = true;
      const h = await health(url);
      expect(h.status).toBe(503);
      expect(h.body).toMatchObject({ ok: false, status: 'unavailable', store: 'unreachable', slack: 'ok' });

      // A command that reads the store is answered (that the store is unavailable), not left hanging.
      const responseUrl = slack.responseUrl(undefined, { channel: CHANNEL, user: APPROVER });
      const id = responseUrl.split('/').at(-1)!;
      const ack = await sg.command('status', responseUrl);
      expect(ack.status).toBe(200);
      await until('the status answer', () =>
        slack.responses.some((r) => r.id === id && JSON.stringify(r.payload).includes(UNAVAILABLE)),
      );

      // The reconciler is not stuck on a call that never returns: its passes keep reaching the store.
      const before = proxy.received;
      await until('reconcile passes reaching the hung store', () => proxy.received >= before + 3, 10_000);

      proxy.hang = false;
      await until('healthz back to 200', async () => (await health(url)).status === 200);
    } finally {
      proxy.hang = false;
    }
  }, 60_000);
});

describe('the embedded store is shareguard’s alone (D17)', () => {
  it('a PutItem from another process is refused; the trust list stays empty', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sg-d17-'));
    const sg = spawnServe({
      flags: { store: 'embedded' },
      env: httpEnv(slack.url, { SHAREGUARD_DATA_DIR: dataDir }),
    });
    await sg.ready();
    const endpoint = /embedded dynalite at (http:\/\/127\.0\.0\.1:\d+)/.exec(sg.stderr())?.[1];
    expect(endpoint).toBeDefined();
    for (const credentials of [
      { accessKeyId: 'shareguard-local', secretAccessKey: 'shareguard-local' }, // what it used to accept
      { accessKeyId: 'AKIAANYTHING', secretAccessKey: 'x' },
    ]) {
      const intruder = new DynamoDBClient({ region: 'us-east-1', endpoint, credentials, maxAttempts: 1 });
      try {
        const err = await intruder
          .send(
            new PutItemCommand({
              TableName: 'shareguard',
              Item: {
                PK: { S: 'TRUST' },
                SK: { S: '666666666666' },
                type: { S: 'trust' },
                accountId: { S: '666666666666' },
                addedBy: { S: 'intruder' },
                addedAt: { S: new Date().toISOString() },
              },
            }),
          )
          .then(() => undefined)
          .catch((e: Error) => e);
        expect(err?.name, credentials.accessKeyId).toBe('UnrecognizedClientException'); // before: written
      } finally {
        intruder.destroy();
      }
    }
    const responseUrl = slack.responseUrl(undefined, { channel: CHANNEL, user: APPROVER });
    const id = responseUrl.split('/').at(-1)!;
    await sg.command('trusted', responseUrl);
    await until('the trusted answer', () => slack.responses.some((r) => r.id === id));
    const answer = JSON.stringify(slack.responses.find((r) => r.id === id)!.payload);
    expect(answer).not.toContain('666666666666');
  }, 60_000);
});
