import { randomUUID } from 'node:crypto';
import type {
  Actor,
  DecisionRecord,
  DecisionSummary,
  FindingRecord,
  FindingState,
} from '../domain/lifecycle.ts';
import type { IntentExtras, Refusal } from '../domain/intent.ts';
import type { BlockAccountResult } from './block-account.ts';
import type { TrustEntry } from '../domain/lifecycle.ts';
import { trustExpired } from '../domain/trust.ts';
import { StoreConflictError } from '../store/errors.ts';
import type { LadderAction } from '../remediate/registry.ts';
import { carryOutLadder, decideLadder } from './ladder.ts';
import { nowIso, type CoreDeps } from './deps.ts';
import { extrasOf } from './extras.ts';
import { alreadyDecided } from './refusals.ts';
import { onTrustListChanged } from '../allowed-amis/sync.ts';
import { liftOwnerGuard, type UnblockResult } from './unblock.ts';

/**
 * What comes with a decision besides who took it (issue 10): the approver's reason, for Trust an
 * expiry, and under the two-person rule the second approver who confirmed (`by` asked).
 */
export type DecisionExtras = IntentExtras;

/** Optional hooks and extras of a ladder decision (Remove, Delete at source). */
export interface LadderDecisionOptions {
  extras?: DecisionExtras;
  /** The finding was claimed (`removing`) and AWS is about to be called. */
  claimed?: (rec: FindingRecord) => Promise<void>;
}

/**
 * What a decision did: `records` are the findings whose messages must change (their messages are
 * rendered from the records: state, decision, AWS's answer in `decision.detail`). A refusal is typed
 * (`Refusal`); only src/slack/ (or the CLI) turns either into words (issue 8 item 8, issue 12).
 */
export type DecisionResult =
  | {
      status: 'done';
      records: FindingRecord[];
      /** Trust: the Allowed AMIs update that followed (issue 9), as src/allowed-amis summarises it. */
      allowedAmisSummary?: string;
      /**
       * Block / Unblock account: what the guard did, for the channel (absent when an earlier run of
       * a Block account ended it).
       */
      block?: BlockAccountResult;
      /** Unblock (a resource): what the guard did, for the channel. */
      unblock?: UnblockResult;
    }
  | Refused;

type Refused = { status: 'refused'; refusal: Refusal; records: FindingRecord[] };

/** What Untrust did, for src/slack/ to put in words. */
export type UntrustResult =
  | {
      status: 'done';
      accountId: string;
      /** False when the entry was already gone (a concurrent untrust): the outcome is the same. */
      wasTrusted: boolean;
      /** The Allowed AMIs update that followed (issue 9), as src/allowed-amis summarises it. */
      allowedAmisSummary?: string;
      records: FindingRecord[];
    }
  | { status: 'refused'; refusal: Refusal; records: FindingRecord[] };

/** The id and time a decision is recorded under: the intent's, so a retry converges (core/intents.ts). */
export interface DecisionIds {
  decisionId: string;
  at: string;
}

const freshIds = (deps: CoreDeps): DecisionIds => ({ decisionId: randomUUID(), at: nowIso(deps) });

/** Block account's refusals in the decision log (core/block-account.ts logs them in these words). */
export const BLOCK_REFUSAL_LOG = {
  'monitored-account': 'monitored account',
  'trusted-by-config': 'trusted by configuration',
  'on-trust-list': 'on the trust list',
  'not-blocked': 'not blocked',
} as const;

/** Plain words for the decision log's `detail` (data, not markup). */
export function refusalDetail(r: Refusal): string {
  switch (r.code) {
    case 'unknown-finding':
      return 'unknown finding';
    case 'already-decided':
      return `already ${r.state}`;
    case 'not-monitored':
      return `account ${r.accountId} is no longer monitored`;
    case 'nothing-applies':
      return 'nothing applies';
    case 'no-owner-role':
      return `no role in the owner account ${r.ownerAccountId}`;
    case 'not-authorized':
      return r.reason;
    case 'trusted-by-config':
      return 'trusted by configuration';
    case 'not-trusted':
      return 'not on the trust list';
    case 'block-refused':
      return BLOCK_REFUSAL_LOG[r.reason];
    case 'not-blocked':
      return 'not blocked';
  }
}

/**
 * Records an attempt that changed nothing (unauthorized, stale, double click), for the audit trail.
 * With `ids` (an intent's) the entry is written once however often the intent is retried.
 */
export async function logRefusal(
  deps: CoreDeps,
  action: DecisionRecord['action'],
  by: Actor,
  reason: string,
  target: { findingId?: string; ownerAccountId?: string } = {},
  ids: DecisionIds = freshIds(deps),
): Promise<void> {
  try {
    await deps.store.appendDecision({
      decisionId: ids.decisionId,
      action,
      ...target,
      by,
      at: ids.at,
      outcome: 'refused',
      detail: reason,
    });
  } catch (err) {
    // A retried intent whose refusal was logged by an earlier run (the state may have moved since)...
    if (!(err instanceof StoreConflictError)) throw err;
    // ...or whose earlier run wrote its entry ahead, pending, and stopped: the refusal completes it
    // (a pending entry says "in flight", and this decision is not).
    const current = err.current as DecisionRecord | undefined;
    if (current?.outcome !== 'pending') return;
    await deps.store.completeDecision(current, 'refused', reason, nowIso(deps)).catch((e: unknown) => {
      if (!(e instanceof StoreConflictError)) throw e;
    });
  }
}

async function refuse(
  deps: CoreDeps,
  action: DecisionRecord['action'],
  by: Actor,
  refusal: Refusal,
  target: { findingId?: string; ownerAccountId?: string },
  ids: DecisionIds,
): Promise<Refused> {
  await logRefusal(deps, action, by, refusalDetail(refusal), target, ids);
  return { status: 'refused', refusal, records: [] };
}

/** The ladder's refusals (typed by core/ladder.ts) are logged like every other decision's. */
function ladderRefusal(action: LadderAction, deps: CoreDeps, by: Actor, findingId: string, ids: DecisionIds) {
  return (refusal: Refusal, rec?: FindingRecord): Promise<DecisionResult> => {
    const target = { findingId, ...(rec ? { ownerAccountId: rec.finding.ownerAccountId } : {}) };
    return refuse(deps, action, by, refusal, target, ids);
  };
}

function decideLadderAction(action: LadderAction) {
  return (
    deps: CoreDeps,
    findingId: string,
    by: Actor,
    ids: DecisionIds = freshIds(deps),
    opts: LadderDecisionOptions = {},
  ) =>
    decideLadder(deps, action, findingId, by, {
      refused: ladderRefusal(action, deps, by, findingId, ids),
      decisionId: ids.decisionId,
      at: ids.at,
      ...opts,
    });
}

/**
 * Remove: claim the finding (open → removing, one conditional write, so of any number of concurrent
 * clicks exactly one proceeds), write the decision, then walk the removal ladder (core/ladder.ts):
 * revoke at the source, cancel as recipient, block use — every rung that applies, each recorded before
 * it is attempted.
 */
export const decideRemove = decideLadderAction('remove');

/** Delete at the source (owner-side role only): its own button and confirm. */
export const decideDeleteAtSource = decideLadderAction('delete-at-source');

/** Revoke an AMI's organization/OU share at the source (offered when a revoke left one in place). */
export const decideRevokeOrgShare = decideLadderAction('revoke-org-share');

const LADDER_ACTIONS: ReadonlySet<DecisionRecord['action']> = new Set([
  'remove',
  'delete-at-source',
  'revoke-org-share',
]);

/**
 * Carries on a ladder decision left in `removing` (a crash, or a store write that failed mid-way):
 * the decision log entry is written if it is missing, rungs recorded as done are not repeated, the one
 * under way is run again (every rung reads before it writes, so running it again is safe).
 */
export async function resumeLadder(deps: CoreDeps, rec: FindingRecord): Promise<DecisionResult> {
  const d = rec.decision!;
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
    ...(d.dryRun ? { dryRun: true } : {}),
    ...extrasOf(d),
  };
  if (!pending) await deps.store.appendDecision(decision);
  return carryOutLadder(deps, rec, decision);
}

/**
 * Finishes ladder decisions left in `removing` (the decision was written, the outcome was not): at
 * start and periodically (serve's reconciler). `skip` holds decision ids being carried out right now.
 */
export async function resumeInterruptedRemovals(
  deps: CoreDeps,
  skip: ReadonlySet<string> = new Set(),
): Promise<FindingRecord[]> {
  const out: FindingRecord[] = [];
  for (const rec of await deps.store.listFindings({ states: ['removing'] })) {
    const d = rec.decision;
    if (!d || !LADDER_ACTIONS.has(d.action) || skip.has(d.decisionId)) continue;
    // The index may lag (DynamoDB GSI): re-read the item before acting on it.
    const fresh = await deps.store.getFinding(rec.finding.id);
    if (fresh?.state !== 'removing' || fresh.decision?.decisionId !== d.decisionId) continue;
    // A decision whose intent is still pending belongs to the intent runner: its claim holder (this or
    // another replica) is carrying it out, or the runner takes it over once the claim lapses. `skip`
    // cannot know an intent another replica recorded after this pass listed the pending ones.
    if ((await deps.store.getIntent(d.decisionId))?.status === 'pending') continue;
    deps.log.warn(
      { findingId: rec.finding.id, action: d.action },
      'finishing a decision interrupted by a restart or a store failure',
    );
    out.push(...(await resumeLadder(deps, fresh)).records);
  }
  return out;
}

/** Findings a Trust closes: waiting on someone, or Remove recorded without a guard. */
const TRUSTABLE: readonly FindingState[] = ['open', 'owner-only', 'recorded'];

/**
 * Trust: the owner goes on the trust list, the decision is logged as pending, the clicked finding is
 * claimed (→ trusted), every other open finding of that owner is closed the same way, and the log
 * entry is completed. Each step is retryable: a failure after the trust entry leaves the owner trusted
 * and the finding open, and the retry (the same intent, or a new click) finishes — it is never refused
 * as "already trusted" (issue 8 item 3).
 */
export async function decideTrust(
  deps: CoreDeps,
  findingId: string,
  by: Actor,
  ids: DecisionIds = freshIds(deps),
  extras: DecisionExtras = {},
): Promise<DecisionResult> {
  const { decisionId, at } = ids;
  const rec = await deps.store.getFinding(findingId);
  if (!rec) return refuse(deps, 'trust', by, { code: 'unknown-finding', findingId }, { findingId }, ids);
  const owner = rec.finding.ownerAccountId;
  const mine = rec.decision?.decisionId === decisionId;
  // A blocked finding may be trusted too: Trust lifts its deny (issue 20).
  // An earlier run of this decision that put the owner on the trust list has taken effect (scans obey
  // the list): it is finished, even if the clicked finding was decided otherwise since.
  if (
    !mine &&
    !TRUSTABLE.includes(rec.state) &&
    rec.state !== 'blocked' &&
    !trustedBy(await deps.store.getTrust(owner), by, at)
  )
    return refuse(deps, 'trust', by, alreadyDecided(rec), { findingId, ownerAccountId: owner }, ids);
  const detail = `Account ${owner} added to the trust list${
    extras.trustExpiresAt ? ` until ${extras.trustExpiresAt}` : ''
  }.`;
  const summary: DecisionSummary = {
    decisionId,
    action: 'trust',
    by,
    at,
    outcome: 'succeeded',
    detail,
    ...extrasOf(extras),
  };
  const entry: DecisionRecord = {
    decisionId,
    action: 'trust',
    findingId,
    ownerAccountId: owner,
    by,
    at,
    outcome: 'pending',
    ...extrasOf(extras),
  };

  // 1. The trust entry first: it is what future scans obey. False = already trusted: not a refusal.
  const trust: TrustEntry = {
    accountId: owner,
    note: `trusted from ${rec.finding.kind} ${rec.finding.resourceId}`,
    addedBy: by,
    addedAt: at,
    ...(extras.reason ? { reason: extras.reason } : {}),
    ...(extras.trustExpiresAt ? { expiresAt: extras.trustExpiresAt } : {}),
    ...(extras.confirmedBy ? { confirmedBy: extras.confirmedBy } : {}),
  };
  if (!(await deps.store.putTrust(trust))) {
    // An entry whose expiry passed no longer applies: this decision replaces it (a live one is kept).
    const old = await deps.store.getTrust(owner);
    if (old && trustExpired(old, at) && (await deps.store.deleteTrust(owner)))
      await deps.store.putTrust(trust);
  }
  // 2. The log entry, pending (a retry finds its own entry, pending or completed).
  try {
    await deps.store.appendDecision(entry);
  } catch (err) {
    if (!(err instanceof StoreConflictError)) throw err;
  }
  // 2b. Trust lifts the owner's denies and its resources' (issue 20): the guard is converged and
  // IAM must let the workload role use them again; the outcome goes into the decision's words.
  const lift = await liftOwnerGuard(deps, owner);
  if (lift.outcome !== 'nothing') summary.detail = `${detail} ${lift.detail}`;
  const closable: readonly FindingState[] =
    lift.outcome === 'lifted' || lift.outcome === 'recorded' ? [...TRUSTABLE, 'blocked'] : TRUSTABLE;
  // 3. The findings it closes: the clicked one, then the owner's other open ones.
  const records: FindingRecord[] = [];
  const claim = await deps.store.transitionFinding(findingId, mine ? [rec.state] : closable, {
    state: 'trusted',
    decision: summary,
  });
  if (claim.ok) records.push(claim.record);
  for (const other of await deps.store.listFindings({ states: closable, ownerAccountId: owner })) {
    if (other.finding.id === findingId) continue;
    const res = await deps.store.transitionFinding(other.finding.id, closable, {
      state: 'trusted',
      decision: summary,
    });
    if (res.ok) records.push(res.record);
  }
  // 4. Done.
  try {
    await deps.store.completeDecision(entry, 'succeeded', summary.detail ?? detail, at);
  } catch (err) {
    // Completed by an earlier run of this same decision.
    if (!(err instanceof StoreConflictError)) throw err;
  }
  deps.log.info({ owner, closed: records.length, by: by.userId }, 'owner trusted');
  const allowed = await onTrustListChanged(deps, by, `trust ${owner}`); // issue 9
  return { status: 'done', records, ...(allowed ? { allowedAmisSummary: allowed.summary } : {}) };
}

/** The trust entry is the one this decision (who, when) wrote. */
function trustedBy(entry: TrustEntry | undefined, by: Actor, at: string): boolean {
  return entry?.addedAt === at && 'userId' in entry.addedBy && entry.addedBy.userId === by.userId;
}

/**
 * Takes an owner off the trust list (future scans report its shares again). The log entry is written
 * pending before the trust entry is deleted, so a failure in between is visible and a retry finishes.
 */
export async function untrustAccount(deps: CoreDeps, accountId: string, by: Actor): Promise<UntrustResult> {
  const ids = freshIds(deps);
  const target = { ownerAccountId: accountId };
  if (deps.config.trust.accounts.some((t) => t.id === accountId))
    return refuse(deps, 'untrust', by, { code: 'trusted-by-config', accountId }, target, ids);
  if (!(await deps.store.getTrust(accountId)))
    return refuse(deps, 'untrust', by, { code: 'not-trusted', accountId }, target, ids);
  const entry: DecisionRecord = { ...ids, action: 'untrust', ...target, by, outcome: 'pending' };
  await deps.store.appendDecision(entry);
  const removed = await deps.store.deleteTrust(accountId);
  const detail = removed
    ? `Account ${accountId} removed from the trust list.`
    : `Account ${accountId} was already off the trust list.`;
  await deps.store.completeDecision(entry, 'succeeded', detail, nowIso(deps));
  const allowed = await onTrustListChanged(deps, by, `untrust ${accountId}`); // issue 9
  return {
    status: 'done',
    accountId,
    wasTrusted: removed,
    ...(allowed ? { allowedAmisSummary: allowed.summary } : {}),
    records: [],
  };
}
