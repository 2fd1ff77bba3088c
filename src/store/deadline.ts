/**
 * `withStoreDeadline`: one absolute deadline for a whole piece of store work (docs/store.md "Timeouts"),
 * e.g. everything a listener does before its ack. Carried in an AsyncLocalStorage scope, so every store
 * call made inside — on any store, however deep — sees it without being passed it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';

interface Scope {
  /** performance.now() at which the scope's time is up: monotonic, so a wall-clock jump cannot move it. */
  readonly endsAt: number;
  /** The budget the scope was opened with, for the error's words. */
  readonly ms: number;
}

const scopes = new AsyncLocalStorage<Scope>();

/**
 * Runs `fn` with every store call it makes bounded by one deadline, `ms` from now: each call gets the
 * time left (or the store's own per-call timeout, when that is shorter), and a call started after the
 * deadline fails at once. Three calls in a 600 ms scope take 600 ms together, not 600 ms each. A
 * nested scope keeps the earlier of the two deadlines.
 *
 * Work `fn` starts and does not await (a timer, a background retry) inherits the scope too: start it
 * outside, or it fails once the deadline has passed.
 */
export function withStoreDeadline<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  if (!(ms > 0)) throw new RangeError(`withStoreDeadline: ms must be positive, got ${ms}`);
  const endsAt = performance.now() + ms;
  const outer = scopes.getStore();
  return scopes.run(outer !== undefined && outer.endsAt <= endsAt ? outer : { endsAt, ms }, fn);
}

/** The deadline around a store call starting now: its budget and the time left (≤ 0: passed). */
export function currentStoreDeadline(): { ms: number; remainingMs: number } | undefined {
  const scope = scopes.getStore();
  return scope && { ms: scope.ms, remainingMs: scope.endsAt - performance.now() };
}
