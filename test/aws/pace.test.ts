import { describe, expect, it } from 'vitest';
import { categoryOf, TokenBucket } from '../../src/aws/pace.ts';
import { Limiter } from '../../src/scan/limiter.ts';

describe('token bucket pacing', () => {
  it('lets a burst through, then spaces calls at the refill rate', () => {
    let now = 0;
    const bucket = new TokenBucket(3, 2, () => now);
    expect([bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([0, 0, 0]);
    expect(bucket.reserve()).toBe(500);
    expect(bucket.reserve()).toBe(1000);
    now = 1000;
    expect(bucket.reserve()).toBe(500);
  });

  it('classifies describe and mutating calls', () => {
    expect(categoryOf('DescribeImages')).toBe('describe');
    expect(categoryOf('GetAllowedImagesSettings')).toBe('describe');
    expect(categoryOf('CancelImageLaunchPermission')).toBe('mutate');
  });
});

describe('limiter', () => {
  it('never runs more than its limit at once and runs everything', async () => {
    const limiter = new Limiter(3);
    let active = 0;
    let peak = 0;
    const done: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limiter.run(async () => {
          active++;
          peak = Math.max(peak, active);
          await new Promise((r) => setImmediate(r));
          active--;
          done.push(i);
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('frees its slot when a task throws', async () => {
    const limiter = new Limiter(1);
    await expect(limiter.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.run(async () => 42)).resolves.toBe(42);
  });
});

describe('limiter under a long queue', () => {
  it('runs 20,000 queued tasks in arrival order', async () => {
    const limiter = new Limiter(2);
    const order: number[] = [];
    await Promise.all(Array.from({ length: 20_000 }, (_, i) => limiter.run(async () => void order.push(i))));
    expect(order).toEqual(Array.from({ length: 20_000 }, (_, i) => i));
  });
});
