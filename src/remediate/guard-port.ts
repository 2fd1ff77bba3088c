/**
 * What the Block rung needs from the guard (src/guard): put a resource on the guard's desired state and
 * wait for the guard reconciler to write it (or take it off again), verify AWS denies its use. A port,
 * so the ladder names exactly what it relies on; `guardPortFor` (guard-wiring.ts) wires the real guard.
 */
import type { BlockedResource, GuardMode } from '../domain/guard.ts';

export type { BlockedResource, GuardMode };

export interface GuardApplied {
  /** True when every scope's policies were written from the change's revision or a later one. */
  ok: boolean;
  /** `"service:Action target → answer"` */
  calls: string[];
  /** What was applied where (or, in a dry run, what would be), in plain words. */
  summary: string;
}

export interface GuardVerified {
  verified: boolean;
  /** Which policy in which account denies it (or why it is not verified). */
  evidence: string;
  calls: string[];
}

export interface GuardPort {
  mode: GuardMode;
  /**
   * Puts `e` on the desired state (written before anything else), then — iam-policy and scp — waits
   * (bounded) until the reconciler wrote a revision that holds it. print: recorded only.
   */
  block(e: BlockedResource): Promise<GuardApplied>;
  /** Takes `e` off the desired state and waits until the guard no longer holds it. */
  unblock(e: Pick<BlockedResource, 'findingId' | 'accountId'>): Promise<GuardApplied>;
  /** Dry run: what writing the guard with `planned` added would change (reads only). */
  plan(accountIds: readonly string[], planned: BlockedResource): Promise<GuardApplied>;
  verify(r: BlockedResource): Promise<GuardVerified>;
}
