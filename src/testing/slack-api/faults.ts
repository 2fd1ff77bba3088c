// Failures a test asks for: the next call of a method (failNext) or, for chaos runs, every call
// with a probability drawn from a seeded generator so a run is repeatable (failRandomly).
import type { Answer, Args, LocalSlackApi } from './types.ts';
import { mulberry32 } from '../prng.ts';

type Failure = { error: string; status?: number; retryAfter?: number };

export class Faults {
  private readonly queued = new Map<string, Array<Failure & { match?: (args: Args) => boolean }>>();
  private chaos: { rate: number; next: () => number; errors: Failure[]; methods?: string[] } | undefined;
  private chaosFailures = 0;

  failNext(method: string, error: string, o: Parameters<LocalSlackApi['failNext']>[2] = {}): void {
    const list = this.queued.get(method) ?? [];
    list.push({ error, ...o });
    this.queued.set(method, list);
  }

  failRandomly(c: Parameters<LocalSlackApi['failRandomly']>[0]): void {
    this.chaos = c
      ? {
          rate: c.rate,
          next: mulberry32(c.seed),
          errors: c.errors,
          ...(c.methods ? { methods: c.methods } : {}),
        }
      : undefined;
  }

  randomFailures(): number {
    return this.chaosFailures;
  }

  /** Held methods: their calls wait (unanswered) until released. */
  private readonly holds = new Map<string, { waiting: number; left: number; released: Promise<void> }>();

  hang(method: string, calls = Infinity): { release(): void; waiting(): number } {
    let release!: () => void;
    const h = { waiting: 0, left: calls, released: new Promise<void>((resolve) => (release = resolve)) };
    this.holds.set(method, h);
    return {
      release: () => {
        if (this.holds.get(method) === h) this.holds.delete(method);
        release();
      },
      waiting: () => h.waiting,
    };
  }

  private readonly late = new Map<string, number[]>();

  answerLate(method: string, ms: number): void {
    this.late.set(method, [...(this.late.get(method) ?? []), ms]);
  }

  /** How long this call's answer is held back after it was carried out (0: not). */
  lateBy(method: string): number {
    return this.late.get(method)?.shift() ?? 0;
  }

  /** Resolves when this call may be answered: at once, or when its method's hang is released. */
  async held(method: string): Promise<void> {
    const h = this.holds.get(method);
    if (!h || h.left <= 0) return;
    h.left--;
    h.waiting++;
    await h.released;
    h.waiting--;
  }

  /** The failure this call gets, if any: a queued one first, then chaos. */
  take(method: string, args: Args): Answer | undefined {
    const queue = this.queued.get(method) ?? [];
    const at = queue.findIndex((f) => !f.match || f.match(args));
    let f: Failure | undefined = at >= 0 ? queue.splice(at, 1)[0] : undefined;
    const chaos = this.chaos;
    if (!f && chaos && (!chaos.methods || chaos.methods.includes(method)) && chaos.next() < chaos.rate) {
      f = chaos.errors[Math.floor(chaos.next() * chaos.errors.length)];
      this.chaosFailures++;
    }
    if (!f) return undefined;
    const headers: Record<string, string> =
      f.retryAfter !== undefined ? { 'Retry-After': String(f.retryAfter) } : {};
    return { status: f.status ?? 200, headers, body: { ok: false, error: f.error } };
  }
}
