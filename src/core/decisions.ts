import { randomUUID } from 'node:crypto';
import type {
  Actor,
  DecisionRecord,
  DecisionSummary,
  FindingRecord,
  TrustEntry,
} from '../domain/lifecycle.ts';
import { trustExpired } from '../domain/trust.ts';
import type { LadderAction } from '../remediate/registry.ts';
import { carryOutLadder, decideLadder } from './ladder.ts';
import { nowIso, type CoreDeps } from './deps.ts';
import { onTrustListChanged } from '../allowed-amis/sync.ts';

/**
 * What comes with a decision besides who took it (issue 10): the approver's reason, for Trust an
 * expiry, and under the two-person rule the second approver who confirmed (`by` asked).
 */
export interface DecisionExtras {
  reason?: string;
  /** Trust only: the trust entry lapses at this time (ISO). */
  trustExpiresAt?: string;
  confirmedBy?: Actor;
}

/** The fields of `DecisionExtras` a decision record / summary keeps (absent ones left out). */
export function extrasOf(e: { reason?: string; confirmedBy?: Actor } | undefined): {
  reason?: string;
  confirmedBy?: Actor;
} {
  return {
    ...(e?.reason ? { reason: e.reason } : {}),
    ...(e?.confirmedBy ? { confirmedBy: e.confirmedBy } : {}),
  };
}

/** Optional hooks and extras of a ladder decision (Remove, Delete at source). */
export interface LadderDecisionOptions {
  extras?: DecisionExtras;
  /** The finding was claimed (`removing`) and AWS is about to be called. */
  claimed?: (rec: FindingRecord) => Promise<void>;
}

/** What a decision did: `records` are the findings whose messages must change. */
export type DecisionResult =
  | { status: 'done'; message: string; records: FindingRecord[] }
  | { status: 'refused'; message: string; records: FindingRecord[] };

const who = (d: DecisionSummary) => `<@${d.by.userId}>`;

function alreadyDecided(rec: FindingRecord): string {
  const d = rec.decision;
  const by = d ? ` by ${who(d)} at ${d.at}` : '';
  switch (rec.state) {
    case 'removing':
      return `Removal of ${rec.finding.resourceId} is already under way${by}.`;
    case 'removed':
      return `${rec.finding.resourceId} was already removed${by}.`;
    case 'trusted':
      return `The owner ${rec.finding.ownerAccountId} was already trusted${by}.`;
    case 'resolved':
      return `${rec.finding.resourceId} is no longer shared with ${rec.finding.accountId}; nothing to do.`;
    case 'owner-only':
    case 'recorded':
      return `Remove was already decided${by}; only the owner ${rec.finding.ownerAccountId} can unshare it.`;
    case 'revoked':
      return `The share of ${rec.finding.resourceId} was already revoked at the source${by}.`;
    case 'deleted':
      return `${rec.finding.resourceId} was already deleted at the source${by}.`;
    case 'blocked':
      return `${rec.finding.resourceId} is already blocked${by}.`;
    case 'open':
      return `${rec.finding.resourceId} is open: use Remove first.`;
    default:
      return `${rec.finding.resourceId} is ${rec.state}.`;
  }
}

/** Records an attempt that changed nothing (unauthorized, stale, double click), for the audit trail. */
export async function logRefusal(
  deps: CoreDeps,
  action: DecisionRecord['action'],
  by: Actor,
  reason: string,
  target: { findingId?: string; ownerAccountId?: string } = {},
): Promise<void> {
  await deps.store.appendDecision({
    decisionId: randomUUID(),
    action,
    ...target,
    by,
    at: nowIso(deps),
    outcome: 'refused',
    detail: reason,
  });
}

async function unknownFinding(
  deps: CoreDeps,
  action: 'trust',
  by: Actor,
  findingId: string,
): Promise<DecisionResult> {
  await logRefusal(deps, action, by, 'unknown finding', { findingId });
  return {
    status: 'refused',
    message: 'That finding is unknown to shareguard; nothing was changed.',
    records: [],
  };
}

/** Refusal of a ladder decision, in words for the person who clicked. */
function ladderRefusal(action: LadderAction) {
  return (deps: CoreDeps, by: Actor, findingId: string) =>
    async (reason: string, rec?: FindingRecord): Promise<DecisionResult> => {
      await logRefusal(deps, action, by, reason, {
        findingId,
        ...(rec ? { ownerAccountId: rec.finding.ownerAccountId } : {}),
      });
      if (!rec)
        return {
          status: 'refused',
          message: 'That finding is unknown to shareguard; nothing was changed.',
          records: [],
        };
      const state = reason.startsWith('already') || reason.startsWith('lost the race');
      return {
        status: 'refused',
        message: state
          ? alreadyDecided(rec)
          : `${reason[0]!.toUpperCase()}${reason.slice(1)}; nothing was changed.`,
        records: [],
      };
    };
}

/**
 * Remove: claim the finding (open → removing, one conditional write, so of any number of concurrent
 * clicks exactly one proceeds), write the decision, then walk the removal ladder (core/ladder.ts):
 * revoke at the source, cancel as recipient, block use — every rung that applies, each recorded before
 * it is attempted.
 */
export async function decideRemove(
  deps: CoreDeps,
  findingId: string,
  by: Actor,
  opts: LadderDecisionOptions = {},
): Promise<DecisionResult> {
  return decideLadder(deps, 'remove', findingId, by, {
    refused: ladderRefusal('remove')(deps, by, findingId),
    ...opts,
  });
}

/** Delete at the source (owner-side role only): its own button and confirm. */
export async function decideDeleteAtSource(
  deps: CoreDeps,
  findingId: string,
  by: Actor,
  opts: LadderDecisionOptions = {},
): Promise<DecisionResult> {
  return decideLadder(deps, 'delete-at-source', findingId, by, {
    refused: ladderRefusal('delete-at-source')(deps, by, findingId),
    ...opts,
  });
}

/** Revoke an AMI's organization/OU share at the source (offered when a revoke left one in place). */
export async function decideRevokeOrgShare(
  deps: CoreDeps,
  findingId: string,
  by: Actor,
  opts: LadderDecisionOptions = {},
): Promise<DecisionResult> {
  return decideLadder(deps, 'revoke-org-share', findingId, by, {
    refused: ladderRefusal('revoke-org-share')(deps, by, findingId),
    ...opts,
  });
}

const LADDER_ACTIONS: ReadonlySet<DecisionRecord['action']> = new Set([
  'remove',
  'delete-at-source',
  'revoke-org-share',
]);

/**
 * Finishes ladder decisions a crash left in `removing` (the decision was written, the outcome was not).
 * Rungs recorded as done are not repeated; the one under way is run again (every rung reads before it
 * writes, so running it again is safe).
 */
export async function resumeInterruptedRemovals(deps: CoreDeps): Promise<FindingRecord[]> {
  const out: FindingRecord[] = [];
  for (const rec of await deps.store.listFindings({ states: ['removing'] })) {
    const d = rec.decision;
    if (!d || !LADDER_ACTIONS.has(d.action)) continue;
    const pending = (
      await deps.store.listDecisions({ since: d.at, until: d.at, findingId: rec.finding.id })
    ).find((x) => x.decisionId === d.decisionId);
    const decision: DecisionRecord = pending ?? {
      decisionId: d.decisionId,
      action: d.action,
      findingId: rec.finding.id,
      ownerAccountId: rec.finding.ownerAccountId,
      by: d.by,
      at: d.at,
      outcome: 'pending',
      ...extrasOf(d),
    };
    if (!pending) await deps.store.appendDecision(decision);
    deps.log.warn(
      { findingId: rec.finding.id, action: d.action },
      'finishing a decision interrupted by a restart',
    );
    out.push(...(await carryOutLadder(deps, rec, decision)).records);
  }
  return out;
}

/**
 * Trust: the clicked finding is claimed (open/owner-only → trusted), the owner goes on the trust list,
 * and every other open finding of that owner is closed the same way.
 */
export async function decideTrust(
  deps: CoreDeps,
  findingId: string,
  by: Actor,
  extras: DecisionExtras = {},
): Promise<DecisionResult> {
  const rec = await deps.store.getFinding(findingId);
  if (!rec) return unknownFinding(deps, 'trust', by, findingId);
  const owner = rec.finding.ownerAccountId;
  const at = nowIso(deps);
  const decisionId = randomUUID();
  const summary: DecisionSummary = {
    decisionId,
    action: 'trust',
    by,
    at,
    outcome: 'succeeded',
    detail: `Account ${owner} added to the trust list${
      extras.trustExpiresAt ? ` until ${extras.trustExpiresAt}` : ''
    }.`,
    ...extrasOf(extras),
  };
  const claim = await deps.store.transitionFinding(findingId, ['open', 'owner-only', 'recorded'], {
    state: 'trusted',
    decision: summary,
  });
  if (!claim.ok) {
    await logRefusal(deps, 'trust', by, `already ${claim.current?.state ?? 'gone'}`, {
      findingId,
      ownerAccountId: owner,
    });
    return {
      status: 'refused',
      message: claim.current ? alreadyDecided(claim.current) : 'That finding is gone.',
      records: [],
    };
  }
  const entry: TrustEntry = {
    accountId: owner,
    note: `trusted from ${rec.finding.kind} ${rec.finding.resourceId}`,
    addedBy: by,
    addedAt: at,
    ...(extras.reason ? { reason: extras.reason } : {}),
    ...(extras.trustExpiresAt ? { expiresAt: extras.trustExpiresAt } : {}),
    ...(extras.confirmedBy ? { confirmedBy: extras.confirmedBy } : {}),
  };
  if (!(await deps.store.putTrust(entry))) {
    // An entry whose expiry passed no longer applies: this decision replaces it (a live one is kept).
    const old = await deps.store.getTrust(owner);
    if (old && trustExpired(old, at) && (await deps.store.deleteTrust(owner)))
      await deps.store.putTrust(entry);
  }
  await deps.store.appendDecision({
    decisionId,
    action: 'trust',
    findingId,
    ownerAccountId: owner,
    by,
    at,
    outcome: 'succeeded',
    detail: summary.detail!,
    ...extrasOf(extras),
  });
  const records = [claim.record];
  for (const other of await deps.store.listFindings({
    states: ['open', 'owner-only', 'recorded'],
    ownerAccountId: owner,
  })) {
    const res = await deps.store.transitionFinding(other.finding.id, ['open', 'owner-only', 'recorded'], {
      state: 'trusted',
      decision: summary,
    });
    if (res.ok) records.push(res.record);
  }
  deps.log.info({ owner, closed: records.length, by: by.userId }, 'owner trusted');
  const allowed = await onTrustListChanged(deps, by, `trust ${owner}`); // issue 9
  return {
    status: 'done',
    message:
      `Account ${owner} is trusted now; ${records.length} finding${records.length === 1 ? '' : 's'} closed.` +
      (allowed ? ` ${allowed.summary}.` : ''),
    records,
  };
}

/** Takes an owner off the trust list (future scans report its shares again). */
export async function untrustAccount(deps: CoreDeps, accountId: string, by: Actor): Promise<DecisionResult> {
  if (deps.config.trust.accounts.some((t) => t.id === accountId)) {
    await logRefusal(deps, 'untrust', by, 'trusted by configuration', { ownerAccountId: accountId });
    return {
      status: 'refused',
      message: `${accountId} is trusted by shareguard's configuration file; remove it there.`,
      records: [],
    };
  }
  const removed = await deps.store.deleteTrust(accountId);
  if (!removed) {
    await logRefusal(deps, 'untrust', by, 'not on the trust list', { ownerAccountId: accountId });
    return { status: 'refused', message: `${accountId} is not on the trust list.`, records: [] };
  }
  await deps.store.appendDecision({
    decisionId: randomUUID(),
    action: 'untrust',
    ownerAccountId: accountId,
    by,
    at: nowIso(deps),
    outcome: 'succeeded',
    detail: `Account ${accountId} removed from the trust list.`,
  });
  const allowed = await onTrustListChanged(deps, by, `untrust ${accountId}`); // issue 9
  return {
    status: 'done',
    message:
      `${accountId} is no longer trusted; the next scan reports what it shares.` +
      (allowed ? ` ${allowed.summary}.` : ''),
    records: [],
  };
}
