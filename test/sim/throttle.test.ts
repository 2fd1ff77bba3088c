import { DescribeImagesCommand, DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { DescribeDBSnapshotsCommand } from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, type SimHandle } from '../../src/testing/sim/index.ts';
import { Throttle } from '../../src/testing/sim/throttle.ts';
import { A, assume, baseCreds, ec2, rdsClient, smallWorld } from './helpers.ts';

describe('Throttle buckets', () => {
  it('holds capacity × scale, refills at rate × scale, per account, region and category', () => {
    let now = 0;
    const t = new Throttle(0.1, 'category', () => now);
    const take = (account = A, region = 'us-east-1') =>
      t.take('ec2', account, region, 'describe', 'DescribeImages');
    for (let i = 0; i < 10; i++) expect(take()).toBe(true);
    expect(take()).toBe(false);
    expect(take('222222222222')).toBe(true); // other account: own bucket
    expect(take(A, 'eu-west-1')).toBe(true); // other region: own bucket
    expect(t.take('ec2', A, 'us-east-1', 'mutate', 'DeregisterImage')).toBe(true);
    now += 500; // 2 tokens per second at scale 0.1
    expect(take()).toBe(true);
    expect(take()).toBe(false);
    expect(new Throttle(0).take('ec2', A, 'us-east-1', 'describe', 'x')).toBe(true);
    expect(new Throttle(undefined).enabled).toBe(false);
  });

  it('per action (extension) separates actions of one category', () => {
    const t = new Throttle(0.01, 'action', () => 0);
    expect(t.take('ec2', A, 'us-east-1', 'describe', 'DescribeImages')).toBe(true);
    expect(t.take('ec2', A, 'us-east-1', 'describe', 'DescribeImages')).toBe(false);
    expect(t.take('ec2', A, 'us-east-1', 'describe', 'DescribeSnapshots')).toBe(true);
  });
});

/** Calls until one fails (at most 50 times); the failure as name, message and status. */
async function firstFailure(call: () => Promise<unknown>) {
  for (let i = 0; i < 50; i++) {
    try {
      await call();
    } catch (e) {
      const err = e as Error & { $metadata?: { httpStatusCode?: number } };
      return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode };
    }
  }
  return undefined;
}

describe('throttling over the wire', () => {
  let sim: SimHandle;
  beforeAll(async () => {
    // scale 0.05: describe buckets hold 5 and refill 1 per second.
    sim = await start({ world: { ...smallWorld(), throttle: { scale: 0.05 } } });
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('an empty EC2 bucket answers RequestLimitExceeded (503); the SDK sees a throttling error', async () => {
    const client = ec2(sim, baseCreds(sim), { maxAttempts: 1 });
    expect(await firstFailure(() => client.send(new DescribeRegionsCommand({})))).toMatchObject({
      name: 'RequestLimitExceeded',
      status: 503,
    });
  });

  it('an empty RDS bucket answers Throttling ("Rate exceeded", 400)', async () => {
    const client = rdsClient(sim, baseCreds(sim), { maxAttempts: 1 });
    expect(await firstFailure(() => client.send(new DescribeDBSnapshotsCommand({})))).toEqual({
      name: 'Throttling',
      message: 'Rate exceeded',
      status: 400,
    });
  });

  it("the SDK's standard retry gets a small burst through", async () => {
    // scale 0.2: 20 tokens, 4 per second. A burst of 30 is 10 short, which takes 2.5 s to refill,
    // so some requests are throttled however slowly the burst goes out.
    const fast = await start({ world: { ...smallWorld(), throttle: { scale: 0.2 } } });
    try {
      // Standard retry mode backs off with jitter on throttling errors; a few more attempts
      // than the default 3 keep the test from depending on that jitter.
      const client = ec2(fast, await assume(fast, A), { maxAttempts: 10 });
      const burst = await Promise.all(
        Array.from({ length: 30 }, () =>
          client.send(new DescribeImagesCommand({ ExecutableUsers: ['self'] })),
        ),
      );
      expect(burst.every((r) => r.Images!.length > 0)).toBe(true);
      expect(burst.some((r) => r.$metadata.attempts! > 1)).toBe(true);
      expect(fast.calls({ action: 'DescribeImages', account: A })).toBeGreaterThan(30);
    } finally {
      await fast.stop();
    }
  });
});
