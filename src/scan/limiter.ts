/** At most `limit` tasks run at once; the rest wait in arrival order. */
export class Limiter {
  private active = 0;
  // A queue with a head index: Array#shift is linear in the queue's length, and persisting an
  // organization-sized scan queues tens of thousands of writes here.
  private waiting: Array<() => void> = [];
  private head = 0;

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`limit must be a positive integer, got ${limit}`);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.next();
      // Hand the slot straight to the next waiter so `active` never overshoots.
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
