import type { Finding, ResourceKind } from './finding.ts';

/**
 * Where a finding stands.
 * - `open`: posted, waiting for a decision (also after a failed removal: it can be tried again).
 * - `removing`: a Remove decision is written and being carried out (write-ahead).
 * - `removed`: AWS confirmed the removal (AMI launch permission cancelled and gone from view).
 * - `owner-only`: Remove was approved but AWS lets a recipient remove nothing; only the owner can unshare.
 * - `trusted`: its owner was put on the trust list.
 * - `resolved`: no longer visible to the account (the owner unshared it, or it was removed and verified gone).
 */
export const FINDING_STATES = ['open', 'removing', 'removed', 'owner-only', 'trusted', 'resolved'] as const;
export type FindingState = (typeof FINDING_STATES)[number];

export interface Actor {
  userId: string;
  userName?: string;
  teamId?: string;
}

export type DecisionAction =
  | 'trust'
  | 'remove'
  | 'untrust'
  /** issue 9: Allowed AMIs criteria/state changed in one account-region (src/allowed-amis). */
  | 'allowed-amis';
export type DecisionOutcome = 'pending' | 'succeeded' | 'failed' | 'owner-only' | 'refused';

/** The last decision taken on a finding, kept on the finding so its message can show it. */
export interface DecisionSummary {
  decisionId: string;
  action: DecisionAction;
  by: Actor;
  at: string;
  outcome: DecisionOutcome;
  /** What AWS answered, in plain words. */
  detail?: string;
}

/** Where a finding is shown in Slack. */
export interface MessageRef {
  channel: string;
  ts: string;
  /** When the message groups several findings (one owner's resources): all of them, in display order. */
  findingIds?: string[];
}

export interface FindingRecord {
  finding: Finding;
  state: FindingState;
  firstSeenAt: string;
  lastSeenAt: string;
  resolvedAt?: string;
  decision?: DecisionSummary;
  /** The decision before it was shared again, for the "shared again" message. */
  previousDecision?: DecisionSummary;
  sharedAgainAt?: string;
  message?: MessageRef;
  /** Incremented on every write; writes are conditional on it (no transactions in dynalite). */
  version: number;
}

/** One entry of the append-only decision log. */
export interface DecisionRecord {
  decisionId: string;
  action: DecisionAction;
  /** The finding acted on (trust/remove from a button), if any. */
  findingId?: string;
  ownerAccountId?: string;
  by: Actor;
  at: string;
  outcome: DecisionOutcome;
  detail?: string;
  /** When the outcome was recorded (the log entry is written before the AWS call, then completed). */
  completedAt?: string;
}

export interface TrustEntry {
  accountId: string;
  note?: string;
  addedBy: Actor | { system: 'config' };
  addedAt: string;
}

/** The (account, region, kind) triples a scan listed successfully: only there can a finding be judged gone. */
export type ScannedScope = ReadonlySet<string>;
export const scopeKey = (accountId: string, region: string, kind: ResourceKind): string =>
  `${accountId}|${region}|${kind}`;

export type LifecycleChange =
  | { type: 'new'; record: FindingRecord }
  | { type: 'shared-again'; record: FindingRecord }
  | { type: 'seen'; record: FindingRecord }
  | { type: 'resolved'; record: FindingRecord };

/**
 * Pure reconciliation of a scan's untrusted findings against what the store knew:
 * new ones are posted; known open ones just get `lastSeenAt`; known closed ones (removed or resolved)
 * that show up again are posted again as "shared again"; open ones missing from a scope the scan covered
 * are resolved. Trusted ones that show up again stay trusted unless their owner left the trust list
 * (the scan's trust rules already dropped trusted owners, so a trusted record seen here is untrusted now).
 */
export function reconcile(
  known: ReadonlyMap<string, FindingRecord>,
  current: readonly Finding[],
  scanned: ScannedScope,
  now: string,
): LifecycleChange[] {
  const changes: LifecycleChange[] = [];
  const seen = new Set<string>();
  for (const finding of current) {
    seen.add(finding.id);
    const prev = known.get(finding.id);
    if (!prev) {
      changes.push({
        type: 'new',
        record: { finding, state: 'open', firstSeenAt: now, lastSeenAt: now, version: 0 },
      });
      continue;
    }
    if (prev.state === 'removed' || prev.state === 'resolved' || prev.state === 'trusted') {
      const record: FindingRecord = {
        finding,
        state: 'open',
        firstSeenAt: prev.firstSeenAt,
        lastSeenAt: now,
        sharedAgainAt: now,
        version: prev.version,
        ...(prev.decision ? { previousDecision: prev.decision } : {}),
      };
      changes.push({ type: 'shared-again', record });
      continue;
    }
    changes.push({ type: 'seen', record: { ...prev, finding, lastSeenAt: now } });
  }
  for (const prev of known.values()) {
    if (seen.has(prev.finding.id)) continue;
    // Closed or in-flight records keep their outcome; only ones still waiting on someone can resolve.
    if (prev.state !== 'open' && prev.state !== 'owner-only') continue;
    if (!scanned.has(scopeKey(prev.finding.accountId, prev.finding.region, prev.finding.kind))) continue;
    changes.push({
      type: 'resolved',
      record: { ...prev, state: 'resolved', resolvedAt: now, lastSeenAt: prev.lastSeenAt },
    });
  }
  return changes;
}
