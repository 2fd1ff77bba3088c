/**
 * At most `limit` tasks run at once; the rest wait in arrival order. The limit may change while tasks run
 * (`setLimit`, the adaptive controller in adaptive.ts): a raise starts waiting tasks at once, a cut lets
 * the running ones finish and starts no new one until fewer than the new limit run.
 */
export class Limiter {
  private active = 0;
  private current: number;
  // A queue with a head index: Array#shift is linear in the queue's length, and persisting an
  // organization-sized scan queues tens of thousands of writes here.
  private waiting: Array<() => void> = [];
  private head = 0;

  constructor(limit: number) {
    this.current = checked(limit);
  }

  get limit(): number {
    return this.current;
  }

  /** Tasks waiting for a slot. */
  get queued(): number {
    return this.waiting.length - this.head;
  }

  setLimit(limit: number): void {
    this.current = checked(limit);
    while (this.active < this.current) {
      const next = this.next();
      if (!next) break;
      this.active++;
      next();
    }
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.current) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter so `active` never overshoots; after a cut, give it up.
      const next = this.active > this.current ? undefined : this.next();
      if (next) next();
      else this.active--;
    }
  }

  private next(): (() => void) | undefined {
    if (this.head >= this.waiting.length) return undefined;
    const next = this.waiting[this.head++];
    if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
    return next;
  }
}

function checked(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`limit must be a positive integer, got ${limit}`);
  return limit;
}
