/**
 * What the Block rung needs from the guard (src/guard, the guard engineer's module): write the blocked
 * resource first (write-ahead), apply the guard derived from the store, verify AWS denies its use.
 * A port, so the ladder names exactly what it relies on; `guardPortFor` wires the real guard.
 */
import type { BlockedResource, GuardMode } from '../domain/guard.ts';

/** As agreed in COMMON.md: the guard's own type (src/domain/guard.ts). */
export type { BlockedResource, GuardMode } from '../domain/guard.ts';

export interface GuardApplied {
  /** `"service:Action target → answer"` */
  calls: string[];
  /** One line: what was applied where (or, in print mode, that nothing was). */
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
  putBlockedResource(e: BlockedResource): Promise<void>;
  apply(accountIds: readonly string[]): Promise<GuardApplied>;
  verify(r: BlockedResource): Promise<GuardVerified>;
}
