import { afterEach, describe, expect, it } from 'vitest';
import { RESOURCE_KINDS } from '../../src/domain/finding.ts';
import { makeTrustPolicy } from '../../src/domain/trust.ts';
import {
  AdaptiveConcurrency,
  ADAPTIVE,
  nextLimit,
  perThread,
  scanConcurrency,
  type ConcurrencyLimits,
  type LoadSample,
} from '../../src/scan/adaptive.ts';
import { Limiter } from '../../src/scan/limiter.ts';
import { scanResultJson } from '../../src/scan/report.ts';
import { scan, type ScanDeps, type ScanResult } from '../../src/scan/scan.ts';
import type { World } from '../../src/testing/sim/index.ts';
import { clientsFor, monitored, startSim, type Sim } from '../helpers/scan.ts';
import { account, emptyWorld, image, ORG, OU, rdsSnapshot, snapshot } from '../helpers/world.ts';

const HOME = '000000000000';
const EVIL = '444444444444';
const TRUSTED = '999999999999';
const ACCOUNTS = Array.from({ length: 6 }, (_, i) => `2000000000${String(i + 10)}`);

const bounds: ConcurrencyLimits = { start: 8, min: 2, max: 64 };
const idle: LoadSample = { utilization: 0.2, lagMs: 0, throttled: 0, queued: 10 };

describe('the adaptive limit', () => {
  it('grows while tasks wait and the event loop idles, up to max', () => {
    const state = { hold: 0 };
    expect(nextLimit(8, idle, bounds, state)).toBe(12);
    expect(nextLimit(60, idle, bounds, state)).toBe(64);
    expect(nextLimit(64, idle, bounds, state)).toBe(64);
    // Busy, or nothing waiting: stays.
    expect(nextLimit(8, { ...idle, utilization: 0.9 }, bounds, state)).toBe(8);
    expect(nextLimit(8, { ...idle, queued: 0 }, bounds, state)).toBe(8);
  });

  it('halves on throttling and holds growth a while; cuts on event-loop lag; never below min', () => {
    const state = { hold: 0 };
    expect(nextLimit(40, { ...idle, throttled: 3 }, bounds, state)).toBe(20);
    for (let i = 0; i < ADAPTIVE.holdAfterThrottle; i++) expect(nextLimit(20, idle, bounds, state)).toBe(20);
    expect(nextLimit(20, idle, bounds, state)).toBe(30);
    const lag = { ...idle, lagMs: ADAPTIVE.lagMs + 1 };
    expect(nextLimit(40, { ...lag, utilization: 0.95 }, bounds, state)).toBe(30);
    // Lag only takes back growth: never below the start.
    expect(nextLimit(9, { ...lag, utilization: 0.95 }, bounds, state)).toBe(8);
    expect(nextLimit(8, { ...lag, utilization: 0.95 }, bounds, state)).toBe(8);
    // Late but idle (a machine short of CPU wakes a waiting thread late): no cut.
    expect(nextLimit(40, { ...lag, queued: 0 }, bounds, state)).toBe(40);
    expect(nextLimit(3, { ...idle, throttled: 1 }, bounds, state)).toBe(2);
  });

  it('reads its range from the config, and splits it between threads', () => {
    const aws = { concurrency: 64, maxConcurrency: 1024, adaptiveConcurrency: true };
    expect(scanConcurrency(aws)).toEqual({ start: 64, min: 16, max: 1024 });
    expect(scanConcurrency({ ...aws, adaptiveConcurrency: false })).toEqual({ start: 64, min: 64, max: 64 });
    expect(scanConcurrency({ ...aws, maxConcurrency: 10 })).toEqual({ start: 64, min: 16, max: 64 });
    expect(perThread({ start: 64, min: 16, max: 1024 }, 3)).toEqual({ start: 22, min: 6, max: 342 });
    expect(perThread({ start: 1, min: 1, max: 1 }, 2)).toEqual({ start: 1, min: 1, max: 1 });
  });

  it('a limiter follows a raised limit at once and a cut one as tasks finish', async () => {
    const limiter = new Limiter(1);
    let running = 0;
    let most = 0;
    const gates: Array<() => void> = [];
    const task = () =>
      limiter.run(async () => {
        most = Math.max(most, ++running);
        await new Promise<void>((r) => gates.push(r));
        running--;
      });
    const all = Promise.all(Array.from({ length: 6 }, task));
    await Promise.resolve();
    expect(running).toBe(1);
    limiter.setLimit(4);
    await Promise.resolve();
    expect(running).toBe(4);
    expect(limiter.queued).toBe(2);
    limiter.setLimit(1);
    // Running tasks finish; none starts until fewer than 1 run.
    for (const open of gates.splice(0)) open();
    await new Promise((r) => setTimeout(r, 0));
    expect(running).toBe(1);
    gates.splice(0).forEach((open) => open());
    await new Promise((r) => setTimeout(r, 0));
    expect(running).toBe(1);
    gates.splice(0).forEach((open) => open());
    await all;
    expect(most).toBe(4);
  });

  it('grows a limiter whose tasks wait on I/O while the thread idles', async () => {
    const limiter = new Limiter(2);
    const adaptive = new AdaptiveConcurrency(limiter, { start: 2, min: 1, max: 32 }, () => 0);
    adaptive.start();
    try {
      // Tasks that only wait (as a request to a slow endpoint does), always more than the limit.
      const tasks = Array.from({ length: 400 }, () =>
        limiter.run(() => new Promise((r) => setTimeout(r, 20))),
      );
      await Promise.all(tasks);
    } finally {
      adaptive.stop();
    }
    expect(adaptive.peak).toBeGreaterThan(2);
    expect(adaptive.peak).toBeLessThanOrEqual(32);
  });
});

let sims: Sim[] = [];
afterEach(async () => {
  await Promise.all(sims.map((s) => s.stop()));
  sims = [];
});

/** Six accounts in two or three regions, every kind, shares from an outsider, an OU and a trusted vendor. */
function world(latency?: World['latency']): World {
  const w = emptyWorld(
    [
      account(HOME, ['us-east-1']),
      ...ACCOUNTS.map((id, i) =>
        account(id, i % 2 ? ['us-east-1', 'eu-west-1', 'ap-southeast-2'] : ['us-east-1', 'eu-west-1'], {
          organization: ORG,
          ous: [OU],
        }),
      ),
    ],
    HOME,
  );
  if (latency) w.latency = latency;
  let n = 0;
  for (const [i, id] of ACCOUNTS.entries()) {
    for (const region of ['us-east-1', 'eu-west-1', 'ap-southeast-2']) {
      const owner = i % 3 === 0 ? TRUSTED : EVIL;
      w.images.push(image(n++, region, owner, [{ userId: id }], { name: `img-${n}` }));
      w.images.push(image(n++, region, EVIL, [{ organizationalUnitArn: OU }], { name: `ou-${n}` }));
      w.snapshots.push(snapshot(n++, region, owner, [id]));
      w.dbSnapshots.push(rdsSnapshot(`db-${n++}`, region, EVIL, [id]));
      w.dbClusterSnapshots.push(rdsSnapshot(`cl-${n++}`, region, EVIL, [id], 'aurora-mysql'));
    }
  }
  return w;
}

async function run(s: Sim, deps: Partial<ScanDeps>): Promise<ScanResult> {
  const clients = clientsFor(s);
  const ids = [HOME, ...ACCOUNTS];
  try {
    return await scan(
      {
        accounts: monitored(ids, HOME),
        regions: 'all',
        kinds: [...RESOURCE_KINDS],
        trust: makeTrustPolicy({
          trusted: [{ accountId: TRUSTED }],
          trustMonitoredAccounts: true,
          monitoredAccountIds: ids,
        }),
        blastRadius: true,
      },
      { clients, concurrency: 8, workers: 1, ...deps },
    );
  } finally {
    clients.destroy();
  }
}

function stable(result: ScanResult): string {
  const json = scanResultJson(result) as Record<string, unknown>;
  delete json.startedAt;
  delete json.durationMs;
  return JSON.stringify(json);
}

describe('scan results with latency and the adaptive limit', () => {
  it(
    'are identical without latency, with latency per region, and with the limit pinned at 1 or at 256',
    { timeout: 120_000 },
    async () => {
      const fast = await startSim(world());
      const slow = await startSim(
        world({
          regions: {
            'us-east-1': { minMs: 2, maxMs: 10 },
            'eu-west-1': { minMs: 10, maxMs: 25 },
            '*': { minMs: 20, maxMs: 40 },
          },
          seed: 24,
        }),
      );
      sims.push(fast, slow);
      const base = await run(fast, { concurrency: 8 });
      expect(base.summary.targetsFailed).toBe(0);
      expect(base.findings.length).toBeGreaterThan(50);
      const expected = stable(base);
      const runs = {
        'latency, adaptive from 2': await run(slow, { concurrency: { start: 2, min: 1, max: 256 } }),
        'latency, pinned at 1': await run(slow, { concurrency: { start: 1, min: 1, max: 1 } }),
        'latency, pinned at 256': await run(slow, { concurrency: { start: 256, min: 256, max: 256 } }),
        'latency, 2 threads, adaptive': await run(slow, {
          workers: 2,
          concurrency: { start: 4, min: 2, max: 256 },
        }),
        'no latency, pinned at 1': await run(fast, { concurrency: 1 }),
        'no latency, adaptive': await run(fast, { concurrency: { start: 4, min: 1, max: 1024 } }),
      };
      for (const [name, result] of Object.entries(runs))
        expect({ name, json: stable(result) }).toEqual({ name, json: expected });
    },
  );
});
