/**
 * What the Block rung needs from the guard (src/guard): write the blocked resource first (write-ahead),
 * apply the guard derived from the store, verify AWS denies its use. A port, so the ladder names exactly
 * what it relies on; `guardPortFor` (guard-wiring.ts) wires the real guard.
 */
import type { BlockedResource, GuardMode } from '../domain/guard.ts';

export type { BlockedResource, GuardMode };

export interface GuardApplied {
  /** False when AWS refused the change in some account (then `summary` says why). */
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
  putBlockedResource(e: BlockedResource): Promise<void>;
  /** Applies the guard for these accounts; with `planned`, a dry run that renders it as if it were stored. */
  apply(accountIds: readonly string[], planned?: BlockedResource): Promise<GuardApplied>;
  verify(r: BlockedResource): Promise<GuardVerified>;
}
