/**
 * Issue 21 D2 against the real `serve` child process: the scan lease is a lease with a heartbeat and an
 * expiry of a few minutes (SCAN_LEASE_MS here: 3 s). After SIGKILL mid-scan a new process on the same
 * data takes the stale lease over — `/shared-scan` is accepted, not "another scan is running" for an
 * hour — and the dead scan's "⏳ Scanning…" message is finished as interrupted. SIGTERM releases it at once.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalSlackApi, type LocalSlackApi } from '../../src/testing/slack-api/index.ts';
import { APPROVER, CHANNEL, httpEnv, spawnServe, type ServeProcess } from '../helpers/serve-cli.ts';
import { DEMO_WORLD } from './spawn.ts';

let slack: LocalSlackApi;
let slowWorld: string;
beforeAll(async () => {
  slack = await startLocalSlackApi({ token: 'xoxb-good' });
  // The demo organization, each AWS call 400 ms: a scan runs long enough to be cut short.
  const world = JSON.parse(await readFile(DEMO_WORLD, 'utf8')) as Record<string, unknown>;
  slowWorld = join(await mkdtemp(join(tmpdir(), 'sg-lease-')), 'slow-world.json');
  await writeFile(slowWorld, JSON.stringify({ ...world, latencyMs: 400 }));
});
afterAll(async () => {
  await slack.close();
});

const until = async (what: string, ok: () => boolean, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

const serve = (dataDir: string, extra: NodeJS.ProcessEnv = {}) =>
  spawnServe({
    flags: { world: slowWorld, store: 'embedded' },
    env: httpEnv(slack.url, {
      SHAREGUARD_DATA_DIR: dataDir,
      SCAN_LEASE_MS: '3000',
      RECONCILE_INTERVAL_MS: '500',
      ...extra,
    }),
  });

/** `/shared-scan` as the approver; resolves with the response_url id its answers go to. */
async function scanCommand(sg: ServeProcess): Promise<string> {
  const responseUrl = slack.responseUrl(undefined, { channel: CHANNEL, user: APPROVER });
  const res = await sg.command('', responseUrl);
  expect(res.status).toBe(200);
  return responseUrl.split('/').at(-1)!;
}

const text = (m: { text?: string; blocks?: unknown[] } | undefined) => JSON.stringify(m ?? {});

/**
 * Starts a scan on `sg` and waits until it is under way: its "Scanning" message (the first posted after
 * `before` messages) has had its first progress update, which comes after the lease noted the message.
 * Resolves with that message's ts.
 */
async function scanUnderWay(sg: ServeProcess, before: number): Promise<string> {
  await sg.ready();
  await scanCommand(sg);
  await until('the progress message', () =>
    slack
      .messages(CHANNEL)
      .slice(before)
      .some((m) => text(m).includes('Scanning')),
  );
  const progress = slack
    .messages(CHANNEL)
    .slice(before)
    .find((m) => text(m).includes('Scanning'))!;
  await until('a progress update', () => (slack.message(CHANNEL, progress.ts)?.updates ?? 0) > 0);
  return progress.ts;
}

/** A scan on `sg` is accepted (it posts its progress), not answered "another scan is running". */
async function expectScanAccepted(sg: ServeProcess): Promise<void> {
  const id = await scanCommand(sg);
  const postsBefore = slack.messages(CHANNEL).length;
  await until('the new scan to post its progress', () => slack.messages(CHANNEL).length > postsBefore);
  const answers = JSON.stringify(slack.responses.filter((r) => r.id === id).map((r) => r.payload));
  expect(answers).not.toMatch(/another scan is running|already running/);
}

describe('the scan lease (D2)', () => {
  it('after SIGKILL mid-scan: the next process takes the stale lease over and finishes the old message', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sg-lease-kill-'));
    const before = slack.messages(CHANNEL).length;
    const a = serve(dataDir);
    const progress = await scanUnderWay(a, before);
    expect(text(slack.message(CHANNEL, progress))).toContain('Scanning');
    await a.kill();
    expect(text(slack.message(CHANNEL, progress))).toContain('Scanning');

    const b = serve(dataDir);
    await b.ready();
    // The dead scan's message is finished by the reconciler once its lease expired (3 s).
    await until('the old progress message to say interrupted', () =>
      text(slack.message(CHANNEL, progress)).includes('interrupted'),
    );
    // A scan is accepted again (before the fix: "another scan is running" for up to an hour).
    await expectScanAccepted(b);
  }, 90_000);

  it('SIGTERM mid-scan releases the lease at once and says the scan was interrupted', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sg-lease-term-'));
    const before = slack.messages(CHANNEL).length;
    // A lease far longer than the test: only a release at shutdown lets the next process scan.
    const a = serve(dataDir, { SCAN_LEASE_MS: '600000' });
    const progress = await scanUnderWay(a, before);
    await a.stop();
    expect(text(slack.message(CHANNEL, progress))).toContain('interrupted');

    const b = serve(dataDir, { SCAN_LEASE_MS: '600000' });
    await b.ready();
    await expectScanAccepted(b);
  }, 90_000);
});
