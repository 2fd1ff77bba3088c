/**
 * At most `limit` tasks at once, the rest in arrival order. Unlike an Array#shift queue, taking the
 * next waiter is O(1) however many wait (the raw client queues tens of thousands of requests).
 */
export class Semaphore {
  private active = 0;
  private queue: Array<() => void> = [];
  private head = 0;

  constructor(readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      if (this.head < this.queue.length) {
        const next = this.queue[this.head++]!;
        if (this.head === this.queue.length) {
          this.queue = [];
          this.head = 0;
        }
        next();
      } else this.active--;
    }
  }
}
