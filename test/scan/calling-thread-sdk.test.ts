import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { shareguard } from '../cli/spawn.ts';
import { startSim, type Sim } from '../helpers/scan.ts';
import { account, emptyWorld, image, rdsSnapshot, snapshot } from '../helpers/world.ts';

/**
 * Preloaded into the CLI: when the process exits, the calling thread reports which SDK service clients
 * its module cache holds (ESM imports of the SDK's CommonJS builds go through it). Worker threads have
 * their own module cache, so what they load is not counted.
 */
const HOOK = `
import { createRequire } from 'node:module';
import { isMainThread } from 'node:worker_threads';
const require = createRequire(import.meta.url);
if (isMainThread)
  process.on('exit', () => {
    const names = Object.keys(require.cache)
      .map((k) => /[\\\\/]@aws-sdk[\\\\/](client-[a-z0-9-]+)[\\\\/]/.exec(k)?.[1])
      .filter((n) => n !== undefined);
    process.stderr.write('calling thread loaded: ' + JSON.stringify([...new Set(names)].sort()) + '\\n');
  });
`;

const HOME = '000000000000';
const EVIL = '444444444444';
const ACCOUNTS = ['100000000001', '100000000002', '100000000003'];

let sim: Sim | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

async function scanWith(workers: number): Promise<{ loaded: string[]; findings: unknown[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'sg-calling-thread-'));
  const hook = join(dir, 'hook.mjs');
  await writeFile(hook, HOOK);
  const config = join(dir, 'shareguard.json');
  await writeFile(
    config,
    JSON.stringify({
      aws: { endpoint: sim!.endpoint, workers },
      accounts: [{ id: HOME, role: 'none' }, ...ACCOUNTS.map((id) => ({ id }))],
      regions: ['us-east-1'],
      scan: { blastRadius: false },
    }),
  );
  const run = shareguard(['scan', '--config', config, '--json'], {
    AWS_ACCESS_KEY_ID: sim!.accessKeyId,
    AWS_SECRET_ACCESS_KEY: sim!.secretAccessKey,
    NODE_OPTIONS: `--import ${pathToFileURL(hook).href}`,
  });
  const exit = await run.exited;
  expect(exit.code, exit.stderr).toBe(1); // untrusted findings
  const line = /calling thread loaded: (.*)/.exec(exit.stderr);
  expect(line, exit.stderr).not.toBeNull();
  return {
    loaded: JSON.parse(line![1]!) as string[],
    findings: (JSON.parse(exit.stdout) as { findings: unknown[] }).findings,
  };
}

describe('the calling thread of a scan in worker threads', () => {
  it('never loads the EC2, RDS or STS clients, and finds what a one-thread scan finds', async () => {
    const w = emptyWorld(
      [account(HOME, ['us-east-1']), ...ACCOUNTS.map((id) => account(id, ['us-east-1']))],
      HOME,
    );
    let n = 0;
    for (const id of [HOME, ...ACCOUNTS]) {
      w.images.push(image(n++, 'us-east-1', EVIL, [{ userId: id }]));
      w.snapshots.push(snapshot(n++, 'us-east-1', EVIL, [id]));
      w.dbSnapshots.push(rdsSnapshot(`db-${n++}`, 'us-east-1', EVIL, [id]));
    }
    sim = await startSim(w);

    // One thread: the calling thread scans, so it loads the clients (the hook does see them).
    const one = await scanWith(1);
    expect(one.loaded).toEqual(expect.arrayContaining(['client-ec2', 'client-rds', 'client-sts']));

    const two = await scanWith(2);
    expect(two.loaded.filter((name) => /^client-(ec2|rds|sts)$/.test(name))).toEqual([]);
    expect(two.findings).toEqual(one.findings);
    expect(two.findings).toHaveLength(12);
  }, 120_000);
});
