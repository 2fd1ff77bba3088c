import { keepKnownSharedVia, type Finding, type ResourceKind } from './finding.ts';
import type { MessageRef } from './message-ref.ts';

/**
 * Where a finding stands.
 * - `open`: posted, waiting for a decision (also after a failed removal: it can be tried again).
 * - `removing`: a Remove decision is written and being carried out (write-ahead).
 * - `removed`: AWS confirmed it is gone from the account's view (recipient-side cancel, verified).
 * - `revoked`: the owner-side share for this account was revoked at the source (shareguard has a role
 *   in the owner account) and AWS confirmed the account no longer sees it.
 * - `deleted`: the resource was deleted at the source (owner-side role), confirmed by AWS.
 * - `blocked`: still visible, but the guard (deny policy AWS enforces) blocks its use, verified.
 * - `recorded`: Remove was approved but nothing could be changed or blocked (guard off or print):
 *   the decision is recorded and the message says honestly what is left to do.
 * - `owner-only`: (old records only) Remove approved before the ladder existed; read as `recorded`.
 * - `trusted`: its owner was put on the trust list.
 * - `resolved`: no longer visible to the account (the owner unshared it, or it was removed and verified gone).
 */
export const FINDING_STATES = [
  'open',
  'removing',
  'removed',
  'revoked',
  'deleted',
  'blocked',
  'recorded',
  'owner-only',
  'trusted',
  'resolved',
] as const;
export type FindingState = (typeof FINDING_STATES)[number];

/**
 * Every state change a finding may make, declared once: `FINDING_TRANSITIONS[from]` lists the states it
 * may move to. The store refuses any other (`transitionFinding` throws a StoreError naming the pair), so a
 * new path through the lifecycle starts here. A write that leaves the state as it is (a patch without
 * `state`, or with the state it already has: a retried decision) is not a transition and always allowed.
 */
export const FINDING_TRANSITIONS: { readonly [S in FindingState]: readonly FindingState[] } = {
  // Remove / delete / revoke-org claim it (core/ladder.ts); Trust; Block account closes it (blocked,
  // or recorded when the guard is off); a scan no longer sees it.
  open: ['removing', 'trusted', 'blocked', 'recorded', 'resolved'],
  // The ladder ends: the state its last rung reached, or back where it started (failure, dry run).
  removing: ['removed', 'revoked', 'deleted', 'blocked', 'recorded', 'open', 'owner-only'],
  // Shared again (a scan sees it again).
  removed: ['open'],
  revoked: ['open'],
  deleted: ['open'],
  // Delete / revoke-org at the source; Unblock (account, or the resource) reopens what the block
  // closed; Trust lifts the owner's denies.
  blocked: ['removing', 'open', 'trusted'],
  // As `blocked`, plus Trust, Block account (verified now) and a scan no longer seeing it.
  recorded: ['removing', 'open', 'trusted', 'blocked', 'resolved'],
  // Old records: read as `recorded`, but nothing moves a finding into it except a ladder started from it.
  'owner-only': ['removing', 'trusted', 'blocked', 'resolved'],
  // Shared again after its owner left the trust list.
  trusted: ['open'],
  resolved: ['open'],
};

/** Whether a finding in state `from` may be moved to `to` (staying put is always allowed). */
export function canTransition(from: FindingState, to: FindingState): boolean {
  return from === to || FINDING_TRANSITIONS[from].includes(to);
}

/** The states from which a finding may move to `to`, in FINDING_STATES order. */
export function statesLeadingTo(to: FindingState): FindingState[] {
  return FINDING_STATES.filter((from) => from !== to && FINDING_TRANSITIONS[from].includes(to));
}

export interface Actor {
  userId: string;
  userName?: string;
  teamId?: string;
}

export type DecisionAction =
  | 'trust'
  | 'remove'
  | 'untrust'
  /** Owner-side deletion of the resource (separate button, own confirm). */
  | 'delete-at-source'
  /** Revoke an organization/OU share at the source (offered after a revoke left one in place). */
  | 'revoke-org-share'
  /** Deny every image and snapshot of an owner (guard engineer). */
  | 'block-account'
  | 'unblock-account'
  /** Take one resource a Remove blocked off the guard again (Unblock button, `/shared-scan unblock`). */
  | 'unblock'
  /** Allowed AMIs criteria/state changed in one account-region (src/allowed-amis). */
  | 'allowed-amis';

/**
 * - `pending`: written before anything is attempted (write-ahead).
 * - `succeeded`: trust / untrust / block-account / unblock-account done.
 * - `removed`: gone from the account's view (recipient cancel, verified).
 * - `revoked-at-source`: the owner-side share for the account was revoked and verified.
 * - `deleted-at-source`: the resource was deleted by its owner account.
 * - `blocked`: the guard blocks its use (verified by IAM simulation).
 * - `recorded`: nothing could be changed (guard off or print): decision recorded only.
 * - `failed`: AWS refused or errored; retryable. `refused`: not allowed (e.g. not a member of the channel).
 * - `owner-only`: old records only.
 */
export type DecisionOutcome =
  | 'pending'
  | 'succeeded'
  | 'removed'
  | 'revoked-at-source'
  | 'deleted-at-source'
  | 'blocked'
  | 'recorded'
  | 'failed'
  | 'owner-only'
  | 'refused';

/** The last decision taken on a finding, kept on the finding so its message can show it. */
export interface DecisionSummary {
  decisionId: string;
  action: DecisionAction;
  by: Actor;
  at: string;
  outcome: DecisionOutcome;
  /** What AWS answered, in plain words. */
  detail?: string;
  /** Carried out as a plan only (remediation.dryRun): nothing was changed. */
  dryRun?: boolean;
  /** Why, as the approver wrote it in the reason modal (plain text; escaped when shown). */
  reason?: string;
  /** The second approver who confirmed `by`'s request (`slack.twoPersonRule`). */
  confirmedBy?: Actor;
}

/**
 * A decision awaiting a second approver (`slack.twoPersonRule`), kept on the open finding. Written and
 * cleared with conditional writes: one request at a time, and one Confirm / Reject wins.
 */
export interface ApprovalRequest {
  requestId: string;
  action: 'trust' | 'remove' | 'delete-at-source' | 'block-account';
  requestedBy: Actor;
  requestedAt: string;
  reason?: string;
  /** Trust only: when the trust entry would expire. */
  trustExpiresAt?: string;
  /** After this the request is void (checked on click, swept by the scan). */
  expiresAt: string;
}

/** The rungs of the removal ladder (src/remediate/registry.ts), strongest first per kind. */
export const REMEDIATION_IDS = [
  'revoke-at-source',
  'cancel-as-recipient',
  'block',
  'delete-at-source',
  'revoke-org-share',
] as const;
export type RemediationId = (typeof REMEDIATION_IDS)[number];

/**
 * What one rung achieved: `removed` (gone from the account's view), `revoked-at-source`,
 * `deleted-at-source`, `blocked` (verified), `recorded` (guard off/print), `still-visible` (it did its
 * part but the account still sees the resource: the next rung applies), `would` (dry run: allowed,
 * nothing changed), `error` (failed).
 */
export type StepResult =
  | 'removed'
  | 'revoked-at-source'
  | 'deleted-at-source'
  | 'blocked'
  | 'recorded'
  | 'still-visible'
  | 'would'
  | 'error';

/**
 * One rung of a decision's ladder. Written as `attempting` before AWS is called and completed after,
 * so a restart knows exactly which rungs finished (never repeated) and which one was under way
 * (run again: every rung is idempotent, reading before it writes).
 */
export interface LadderStep {
  id: RemediationId;
  status: 'attempting' | 'done' | 'failed';
  startedAt: string;
  completedAt?: string;
  result?: StepResult;
  detail?: string;
  calls?: string[];
  stillVisible?: boolean;
}

/** The ladder of the decision in progress (or last carried out) on a finding. */
export interface LadderProgress {
  decisionId: string;
  action: DecisionAction;
  /** The state to go back to when a rung fails (the finding stays retryable). */
  fromState: FindingState;
  dryRun: boolean;
  steps: LadderStep[];
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
  /** The rungs of the current / last ladder, step by step (write-ahead). */
  ladder?: LadderProgress;
  /** Organization / OU shares seen at the source and left in place: offered as their own decision. */
  orgShares?: string[];
  /** A request awaiting a second approver (the finding stays `open`; its buttons are Confirm / Reject). */
  approval?: ApprovalRequest;
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
  /** Carried out as a plan only (remediation.dryRun): nothing was changed. */
  dryRun?: boolean;
  /** Why, from the reason modal. */
  reason?: string;
  /** The second approver (`slack.twoPersonRule`); `by` is the one who asked. */
  confirmedBy?: Actor;
}

export interface TrustEntry {
  accountId: string;
  note?: string;
  addedBy: Actor | { system: 'config' };
  addedAt: string;
  /** Why the approver trusted it (reason modal). */
  reason?: string;
  /** The trust stops applying at the first scan after this time (compared by timestamp: no TTL). */
  expiresAt?: string;
  /** The second approver (`slack.twoPersonRule`). */
  confirmedBy?: Actor;
}

/** The (account, region, kind) triples a scan listed successfully: only there can a finding be judged gone. */
export type ScannedScope = ReadonlySet<string>;
export const scopeKey = (accountId: string, region: string, kind: ResourceKind): string =>
  `${accountId}|${region}|${kind}`;

/** Closed states from which a finding seen again is "shared again" (posted again). */
const SHARED_AGAIN_FROM: ReadonlySet<FindingState> = new Set([
  'removed',
  'revoked',
  'deleted',
  'resolved',
  'trusted',
]);
/** States in which a finding no longer listed becomes `resolved`. */
const RESOLVABLE: ReadonlySet<FindingState> = new Set(statesLeadingTo('resolved'));

export type LifecycleChange =
  | { type: 'new'; record: FindingRecord }
  | { type: 'shared-again'; record: FindingRecord }
  | { type: 'seen'; record: FindingRecord }
  | { type: 'resolved'; record: FindingRecord };

/**
 * Pure reconciliation of a scan's untrusted findings against what the store knew:
 * new ones are posted; known open ones just get `lastSeenAt`; known closed ones (removed, revoked,
 * deleted or resolved) that show up again are posted again as "shared again"; a blocked one that is
 * still visible stays blocked (the guard still denies it; nothing to repost); open and recorded ones
 * missing from a scope the scan covered are resolved. Trusted ones that show up again stay trusted unless
 * their owner left the trust list (the scan's trust rules already dropped trusted owners, so a trusted
 * record seen here is untrusted now). A share path known from an earlier removal attempt or the owner
 * side is kept: a recipient's listing never knows it (`unknown`).
 */
export function reconcile(
  known: ReadonlyMap<string, FindingRecord>,
  current: readonly Finding[],
  scanned: ScannedScope,
  now: string,
): LifecycleChange[] {
  const changes: LifecycleChange[] = [];
  const seen = new Set<string>();
  for (const listed of current) {
    seen.add(listed.id);
    const prev = known.get(listed.id);
    const finding = keepKnownSharedVia(listed, prev?.finding);
    if (!prev) {
      changes.push({
        type: 'new',
        record: { finding, state: 'open', firstSeenAt: now, lastSeenAt: now, version: 0 },
      });
      continue;
    }
    if (SHARED_AGAIN_FROM.has(prev.state)) {
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
    if (!RESOLVABLE.has(prev.state)) continue;
    if (!scanned.has(scopeKey(prev.finding.accountId, prev.finding.region, prev.finding.kind))) continue;
    changes.push({
      type: 'resolved',
      record: { ...prev, state: 'resolved', resolvedAt: now, lastSeenAt: prev.lastSeenAt },
    });
  }
  return changes;
}
