import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { start } from '../../src/testing/sim/index.ts';
import { Latency } from '../../src/testing/sim/latency.ts';
import { worldSchema } from '../../src/testing/sim/world.ts';
import { account, emptyWorld } from '../helpers/world.ts';

const HOME = '000000000000';

describe('simulator latency per region (world `latency`)', () => {
  it('draws each delay from its region’s range, `*` for the others, added to latencyMs, the same for a seed', () => {
    const spec = {
      regions: { 'us-east-1': { minMs: 40, maxMs: 60 }, '*': { minMs: 200, maxMs: 250 } },
      seed: 42,
    };
    const a = new Latency(5, spec);
    const b = new Latency(5, spec);
    const east = Array.from({ length: 200 }, () => a.delayMs({ region: 'us-east-1' }));
    const far = Array.from({ length: 200 }, () => a.delayMs({ region: 'ap-southeast-2' }));
    expect(Math.min(...east)).toBeGreaterThanOrEqual(45);
    expect(Math.max(...east)).toBeLessThanOrEqual(65);
    expect(Math.min(...far)).toBeGreaterThanOrEqual(205);
    expect(Math.max(...far)).toBeLessThanOrEqual(255);
    expect(new Set(east).size).toBeGreaterThan(100); // drawn, not fixed
    expect([...east, ...far]).toEqual([
      ...Array.from({ length: 200 }, () => b.delayMs({ region: 'us-east-1' })),
      ...Array.from({ length: 200 }, () => b.delayMs({ region: 'ap-southeast-2' })),
    ]);
    expect(new Latency(0, { seed: 43, regions: spec.regions }).delayMs({ region: 'us-east-1' })).not.toBe(
      new Latency(0, spec).delayMs({ region: 'us-east-1' }),
    );
    // No range for the region and no `*`: the fixed latency alone.
    expect(
      new Latency(7, { regions: { 'eu-west-1': { minMs: 1, maxMs: 2 } } }).delayMs({ region: 'us-east-1' }),
    ).toBe(7);
    expect(new Latency(7, undefined).delayMs({ region: 'us-east-1' })).toBe(7);
  });

  it('rejects a range whose minMs exceeds maxMs, naming the field', () => {
    const w = { ...emptyWorld([account(HOME, ['us-east-1'])], HOME) };
    const bad = worldSchema.safeParse({
      ...w,
      latency: { regions: { 'us-east-1': { minMs: 9, maxMs: 3 } } },
    });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['latency', 'regions', 'us-east-1', 'minMs']);
    expect(
      worldSchema.safeParse({ ...w, latency: { regions: { '*': { minMs: 1, maxMs: 3 } } } }).success,
    ).toBe(true);
  });

  it('answers over HTTP with the latency configured, and keeps it in the world it reports', async () => {
    const latency = { regions: { '*': { minMs: 1, maxMs: 5 } }, seed: 3 };
    const sim = await start({ world: { ...emptyWorld([account(HOME, ['us-east-1'])], HOME), latency } });
    try {
      const client = new EC2Client({
        region: 'us-east-1',
        endpoint: sim.endpoint,
        credentials: { accessKeyId: sim.accessKeyId, secretAccessKey: sim.secretAccessKey },
      });
      const out = await client.send(new DescribeRegionsCommand({}));
      client.destroy();
      expect(out.Regions?.map((r) => r.RegionName)).toEqual(['us-east-1']);
      const state = (await (await fetch(`${sim.endpoint}/_sim/state`)).json()) as { latency?: unknown };
      expect(state.latency).toEqual(latency);
    } finally {
      await sim.stop();
    }
  });
});
