import type { ResourceKind } from './finding.ts';
import type { Actor } from './lifecycle.ts';

/**
 * A resource a Remove decision put on the guard (its finding stays visible; the guard denies its use).
 * One per finding: the same AMI seen in two accounts is two entries, one per account's policy.
 */
export interface BlockedResource {
  findingId: string;
  kind: ResourceKind;
  /** The monitored account that sees it: the iam-policy guard of this account denies it. */
  accountId: string;
  region: string;
  resourceId: string;
  resourceArn: string;
  ownerAccountId: string;
  decisionId: string;
  by: Actor;
  at: string;
}

/** An owner decided "Block account": every image and snapshot it owns is denied in every monitored account. */
export interface BlockedOwner {
  ownerAccountId: string;
  reason?: string;
  decisionId: string;
  by: Actor;
  at: string;
  /** The guard revision that holds it (set once requested): a restart waits for it instead of a new one. */
  generation?: number;
}

/**
 * One guard scope's convergence record (docs/store.md "Guard"): a monitored account (iam-policy) or
 * `organization` (scp). `requested` is the newest guard revision a change asked of it; `applied` the
 * revision whose desired state its policies were last written from. `requested > applied`: dirty.
 */
export interface GuardScopeState {
  scope: string;
  requested: number;
  applied: number;
  appliedAt?: string;
  /** The last apply's failure, AWS's words (cleared by a successful apply). */
  lastError?: string;
  lastErrorAt?: string;
  /** What the channel was last told about drift in this scope (told once per distinct drift). */
  driftNotice?: string;
}

export type GuardMode = 'off' | 'iam-policy' | 'scp' | 'print';
/** `iam`: a customer managed policy (6,144 characters, whitespace not counted); `scp`: 5,120 characters. */
export type GuardFormat = 'iam' | 'scp';

export interface GuardStatement {
  Sid: string;
  Effect: 'Deny';
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string[]>>;
}

export interface GuardDocument {
  Version: '2012-10-17';
  Statement: GuardStatement[];
}

/** One rendered guard policy: `ShareGuardBlocked`, `ShareGuardBlocked-2`, … */
export interface GuardPolicy {
  name: string;
  format: GuardFormat;
  document: GuardDocument;
  /** The document as sent to AWS (compact JSON, keys in a fixed order). */
  json: string;
  /** Characters AWS counts against the limit (whitespace excluded for IAM; the compact JSON has none). */
  size: number;
  /** Blocked resource ARNs and owner ids this policy covers (for "which policy blocks it"). */
  resourceArns: string[];
  owners: string[];
}
