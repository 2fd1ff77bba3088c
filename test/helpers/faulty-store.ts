/**
 * A Store decorator for fault injection (issue 8): a method failing once (or N times), the whole
 * store down, or every call failing at a seeded random rate. Failures are StoreErrors, as the
 * DynamoStore raises for a network or service failure, and happen before the call reaches dynalite.
 */
import { StoreError } from '../../src/store/errors.ts';
import type { Store } from '../../src/store/index.ts';
import { mulberry32 } from '../../src/testing/slack-api/server.ts';

export interface Faults {
  /** After `after` more calls of `method` succeed, the next `times` fail (default: the next one). */
  failNext(method: keyof Store, times?: number, after?: number): void;
  /** Every call fails while down. */
  down: boolean;
  /** Every call fails with probability `rate` (seeded); `null` stops it. `methods` limits it. */
  random(r: { rate: number; seed: number; methods?: Array<keyof Store> } | null): void;
  /** Calls failed so far, by method. */
  failed: Map<string, number>;
  /** Every call of these methods (all when empty) answers this much later: a slow store. */
  latency: { ms: number; methods?: Array<keyof Store> } | null;
}

export function faultyStore(inner: Store): { store: Store; faults: Faults } {
  const next = new Map<string, number>();
  const skip = new Map<string, number>();
  let rnd: { rate: number; next: () => number; methods?: Array<keyof Store> } | undefined;
  const faults: Faults = {
    failNext(method, times = 1, after = 0) {
      next.set(method, (next.get(method) ?? 0) + times);
      skip.set(method, after);
    },
    down: false,
    random(r) {
      rnd = r
        ? { rate: r.rate, next: mulberry32(r.seed), ...(r.methods ? { methods: r.methods } : {}) }
        : undefined;
    },
    failed: new Map(),
    latency: null,
  };
  const shouldFail = (method: string): boolean => {
    if (method === 'close' || method === 'info') return false;
    if (faults.down) return true;
    const n = next.get(method) ?? 0;
    const k = skip.get(method) ?? 0;
    if (n > 0 && k > 0) skip.set(method, k - 1);
    else if (n > 0) {
      next.set(method, n - 1);
      return true;
    }
    return !!rnd && (!rnd.methods || rnd.methods.includes(method as keyof Store)) && rnd.next() < rnd.rate;
  };
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      return (...args: unknown[]) => {
        if (shouldFail(prop)) {
          faults.failed.set(prop, (faults.failed.get(prop) ?? 0) + 1);
          return Promise.reject(
            new StoreError(`DynamoDB ${prop} failed: NetworkingError: injected fault (test)`),
          );
        }
        const slow = faults.latency;
        if (slow && (!slow.methods || slow.methods.includes(prop as keyof Store)))
          return new Promise((resolve) => setTimeout(resolve, slow.ms)).then(() =>
            (value as (...a: unknown[]) => unknown).apply(target, args),
          );
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store, faults };
}
