// EC2-style request rate limiting (docs/aws.md "Limits and retries"): token buckets per acting account, region
// and category (or per action, as an extension), sized by AWS's defaults × throttle.scale.
import type { Category } from './actions/common.ts';
import type { Service } from './protocol/errors.ts';

interface Spec {
  capacity: number;
  refillPerSec: number;
}

// RDS publishes no numbers; the same shape as EC2's keeps the product's pacing honest.
const SPECS: Record<'ec2' | 'rds', Record<Category, Spec>> = {
  ec2: {
    describe: { capacity: 100, refillPerSec: 20 },
    'describe-unfiltered': { capacity: 50, refillPerSec: 10 },
    mutate: { capacity: 50, refillPerSec: 5 },
  },
  rds: {
    describe: { capacity: 100, refillPerSec: 20 },
    'describe-unfiltered': { capacity: 100, refillPerSec: 20 },
    mutate: { capacity: 50, refillPerSec: 5 },
  },
};

interface Bucket {
  tokens: number;
  at: number;
  capacity: number;
  rate: number;
}

export class Throttle {
  private readonly buckets = new Map<string, Bucket>();
  readonly enabled: boolean;

  constructor(
    private readonly scale: number | undefined,
    private readonly per: 'category' | 'action' = 'category',
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.enabled = !!scale && scale > 0;
  }

  /** Takes one token; false when the bucket is empty (the request is throttled). */
  take(service: Service, account: string, region: string, category: Category, action: string): boolean {
    if (!this.enabled || (service !== 'ec2' && service !== 'rds')) return true;
    const key = `${service}|${account}|${region}|${this.per === 'action' ? action : category}`;
    const now = this.clock();
    let b = this.buckets.get(key);
    if (!b) {
      const spec = SPECS[service][category];
      // Scale shrinks both numbers; a bucket still holds at least one request.
      const capacity = Math.max(1, spec.capacity * this.scale!);
      b = { tokens: capacity, at: now, capacity, rate: spec.refillPerSec * this.scale! };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(b.capacity, b.tokens + ((now - b.at) / 1000) * b.rate);
      b.at = now;
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
