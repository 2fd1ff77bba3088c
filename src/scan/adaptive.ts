/**
 * The scan's concurrency limit, adapted to what this thread sees (issue 24). Against real AWS a request
 * waits tens to hundreds of milliseconds, so a fixed limit that keeps the CPU busy against a fast endpoint
 * leaves it idle against a slow one (M with 80 ms per request: 2.0× slower at 64 in flight, even at 256;
 * BENCHMARKS.md). Every `intervalMs` the controller looks at the event loop and the throttling errors:
 * - throttled attempts since the last look: halve the limit and hold off growing for a while (the
 *   per-account-region pace, src/aws/pace.ts, is the guard against throttling; this backs off what it
 *   could not foresee, such as another tool using the same account's budget);
 * - the event loop busy and late by more than `lagMs`: cut by a quarter, but not below the start (the thread
 *   has more answers than it can handle in time; more in flight than that only adds memory);
 * - tasks waiting and the event loop idle for more than a quarter of the interval: grow by half (the
 *   thread is waiting for AWS, not working).
 * The limit stays within [min, max]; with min = max it is fixed.
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { Limiter } from './limiter.ts';

export interface ConcurrencyLimits {
  /** Where the limit starts. */
  start: number;
  min: number;
  max: number;
}

/** What one interval showed in this thread. */
export interface LoadSample {
  /** Share of the interval the event loop was busy, 0–1 (`performance.eventLoopUtilization`). */
  utilization: number;
  /** How late the sampling timer fired, in ms: the event loop's lag. */
  lagMs: number;
  /** Attempts that AWS throttled since the last sample. */
  throttled: number;
  /** Tasks waiting for a slot. */
  queued: number;
}

export const ADAPTIVE = {
  intervalMs: 250,
  /** Grow only while the event loop is busy less than this share of the time. */
  growBelow: 0.75,
  growBy: 1.5,
  lagMs: 100,
  /**
   * Lag counts only while the thread was busy this share of the time, and only takes back growth (never
   * below the start): requests in flight cost no CPU while they wait, and on a machine short of CPU every
   * thread is woken late and looks busy. Measured: M with latency, at a load average of 20, with lag
   * alone cutting the limit, sat at 11–36 requests in flight per thread and took 206 s.
   */
  busyAbove: 0.9,
  cutBy: 0.75,
  /** Intervals without growth after a throttling error. */
  holdAfterThrottle: 8,
} as const;

/** The next limit, from the current one and one interval's sample; `hold` carries the throttling back-off. */
export function nextLimit(
  limit: number,
  s: LoadSample,
  bounds: ConcurrencyLimits,
  state: { hold: number },
): number {
  let next = limit;
  if (s.throttled > 0) {
    next = Math.floor(limit / 2);
    state.hold = ADAPTIVE.holdAfterThrottle;
  } else if (s.lagMs > ADAPTIVE.lagMs && s.utilization >= ADAPTIVE.busyAbove && limit > bounds.start)
    next = Math.max(bounds.start, Math.floor(limit * ADAPTIVE.cutBy));
  else if (state.hold > 0) state.hold--;
  else if (s.queued > 0 && s.utilization < ADAPTIVE.growBelow)
    next = Math.max(limit + 1, Math.ceil(limit * ADAPTIVE.growBy));
  return Math.min(bounds.max, Math.max(bounds.min, next));
}

/** A limits object from a fixed number (no adaptation) or limits as given, checked. */
export function concurrencyLimits(c: number | ConcurrencyLimits): ConcurrencyLimits {
  const l = typeof c === 'number' ? { start: c, min: c, max: c } : c;
  if (!(l.min >= 1 && l.min <= l.start && l.start <= l.max))
    throw new RangeError(`concurrency: expected 1 ≤ min ≤ start ≤ max, got ${JSON.stringify(l)}`);
  return l;
}

/** Divides a scan's limits between `threads` threads (each at least 1). */
export function perThread(l: ConcurrencyLimits, threads: number): ConcurrencyLimits {
  const share = (n: number) => Math.max(1, Math.ceil(n / threads));
  return { start: share(l.start), min: share(l.min), max: share(l.max) };
}

/** Runs `nextLimit` on a limiter every interval while started; a fixed range never starts a timer. */
export class AdaptiveConcurrency {
  private timer: NodeJS.Timeout | undefined;
  private elu: EventLoopUtilization | undefined;
  private due = 0;
  private seen = 0;
  private readonly state = { hold: 0 };
  /** The highest limit reached (for measurement). */
  peak: number;

  constructor(
    private readonly limiter: Limiter,
    private readonly bounds: ConcurrencyLimits,
    /** Throttled attempts so far (a counter that only grows). */
    private readonly throttles: () => number,
  ) {
    this.peak = limiter.limit;
  }

  start(): void {
    if (this.bounds.min === this.bounds.max || this.timer) return;
    this.seen = this.throttles();
    this.elu = performance.eventLoopUtilization();
    this.due = performance.now() + ADAPTIVE.intervalMs;
    this.timer = setInterval(() => this.tick(), ADAPTIVE.intervalMs);
    this.timer.unref();
  }

  private tick(): void {
    const now = performance.now();
    const elu = performance.eventLoopUtilization();
    const since = performance.eventLoopUtilization(elu, this.elu);
    this.elu = elu;
    const throttles = this.throttles();
    const sample: LoadSample = {
      utilization: since.utilization,
      lagMs: Math.max(0, now - this.due),
      throttled: throttles - this.seen,
      queued: this.limiter.queued,
    };
    this.seen = throttles;
    this.due = now + ADAPTIVE.intervalMs;
    const next = nextLimit(this.limiter.limit, sample, this.bounds, this.state);
    if (next !== this.limiter.limit) this.limiter.setLimit(next);
    this.peak = Math.max(this.peak, next);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

/**
 * The scan's limits from the `aws` config: from `concurrency`, adapting between a quarter of it and
 * `maxConcurrency`, or fixed at `concurrency` with `adaptiveConcurrency: false` (docs/configuration.md).
 */
export function scanConcurrency(aws: {
  concurrency: number;
  maxConcurrency: number;
  adaptiveConcurrency: boolean;
}): ConcurrencyLimits {
  const start = aws.concurrency;
  if (!aws.adaptiveConcurrency) return { start, min: start, max: start };
  return { start, min: Math.max(1, Math.floor(start / 4)), max: Math.max(start, aws.maxConcurrency) };
}
