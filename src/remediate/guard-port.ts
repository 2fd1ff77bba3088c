/**
 * What the Block rung needs from the guard (src/guard, the guard engineer's module): write the blocked
 * resource first (write-ahead), apply the guard derived from the store, verify AWS denies its use.
 * A port, so the ladder names exactly what it relies on; `guardPortFor` wires the real guard.
 */
import type { ResourceKind } from '../domain/finding.ts';
import type { Actor } from '../domain/lifecycle.ts';

/** As agreed in COMMON.md (`src/domain/guard.ts` BlockedResource, owned by the guard engineer). */
export interface BlockedResource {
  findingId: string;
  kind: ResourceKind;
  accountId: string;
  region: string;
  resourceId: string;
  resourceArn: string;
  ownerAccountId: string;
  decisionId: string;
  by: Actor;
  at: string;
}

export type GuardMode = 'off' | 'iam-policy' | 'scp' | 'print';

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
