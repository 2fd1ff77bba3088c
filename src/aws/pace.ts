/**
 * Client-side token buckets that mirror AWS's own (docs/aws.md "Limits and retries"), one set per account-region,
 * so a scan paces itself within an account-region instead of leaning on throttling errors and retries.
 * Reservation style: a caller takes a token even when the bucket is empty and waits until it refills,
 * so concurrent callers queue fairly without a timer per waiter.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly capacity: number,
    readonly refillPerSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = capacity;
    this.last = now();
  }

  /** Milliseconds the caller must wait before sending; the token is reserved either way. */
  reserve(): number {
    const t = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((t - this.last) / 1000) * this.refillPerSecond);
    this.last = t;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.refillPerSecond) * 1000;
  }

  async take(): Promise<void> {
    const wait = this.reserve();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

export type CallCategory = 'describe' | 'mutate';

/** AWS's EC2 buckets: non-mutating 100 burst / 20 per s, mutating 50 / 5. RDS is paced the same way. */
const BUCKETS: Record<CallCategory, { capacity: number; refill: number }> = {
  describe: { capacity: 100, refill: 20 },
  mutate: { capacity: 50, refill: 5 },
};

export function categoryOf(commandName: string): CallCategory {
  return /^(Describe|Get|List)/.test(commandName) ? 'describe' : 'mutate';
}

/** One pacer per account-region and service; buckets are created on first use. */
export class Pacer {
  private readonly buckets = new Map<string, Map<CallCategory, TokenBucket>>();

  constructor(private readonly scale = 1) {}

  bucket(key: string, category: CallCategory): TokenBucket {
    let byCategory = this.buckets.get(key);
    if (!byCategory) this.buckets.set(key, (byCategory = new Map()));
    let b = byCategory.get(category);
    if (!b) {
      const spec = BUCKETS[category];
      b = new TokenBucket(Math.max(1, spec.capacity * this.scale), spec.refill * this.scale);
      byCategory.set(category, b);
    }
    return b;
  }

  /** Drops the buckets of an account-region once its scan is done (memory stays flat on large organizations). */
  forget(key: string): void {
    this.buckets.delete(key);
  }
}
