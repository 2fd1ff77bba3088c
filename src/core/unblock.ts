/**
 * Unblocking (docs/aws.md "Guard", unblocking): a resource a Remove put on the guard is taken off it
 * (Unblock button, `/shared-scan unblock <resource>`), and Trust lifts an owner's denies — its own and
 * its resources'. Both change only the desired state, wait for the guard reconciler, and verify with
 * IAM's simulator that the workload role may use the resource again.
 */
import { randomUUID } from 'node:crypto';
import type { BlockedResource } from '../domain/guard.ts';
import type { Actor, DecisionRecord, DecisionSummary, FindingRecord } from '../domain/lifecycle.ts';
import { changeGuard, describeConvergence, verifyLifted } from '../guard/desired.ts';
import { ownerProbe } from '../guard/verify.ts';
import { monitoredAccountIdsNow } from '../scan/monitored-now.ts';
import { StoreConflictError } from '../store/errors.ts';
import { appendDecisionOnce } from './decision-log.ts';
import { nowIso, type CoreDeps } from './deps.ts';
import type { DecisionIds } from './decisions.ts';

/** What the guard did when an owner's or a resource's deny was lifted. */
export interface GuardLift {
  /** Blocked resources and (Trust) the blocked owner taken off the guard. */
  resources: number;
  owner: boolean;
  /** `lifted`: written and IAM no longer denies; `recorded`: guard off/print; `failed`: see detail. */
  outcome: 'lifted' | 'recorded' | 'failed' | 'nothing';
  /** Plain words (AWS's included). */
  detail: string;
  calls: string[];
}

export type UnblockResult =
  | { status: 'refused'; resource: string; code: 'unknown' | 'not-blocked' }
  | {
      status: 'done';
      decisionId?: string;
      resource: string;
      outcome: 'succeeded' | 'failed' | 'planned';
      lift: GuardLift;
      /** Findings whose messages change (back to open). */
      records: FindingRecord[];
    };

/**
 * Trust's guard part: the owner and every resource of it come off the guard, then IAM must answer that
 * the workload role may use them. Never throws for AWS; store failures throw (Trust is retried).
 */
export async function liftOwnerGuard(deps: CoreDeps, owner: string): Promise<GuardLift> {
  const resources = (await deps.store.listBlockedResources()).filter((r) => r.ownerAccountId === owner);
  const ownerEntry = await deps.store.getBlockedOwner(owner);
  if (!resources.length && !ownerEntry)
    return { resources: 0, owner: false, outcome: 'nothing', detail: '', calls: [] };
  const accountIds = ownerEntry
    ? await monitoredAccountIdsNow(deps)
    : [...new Set(resources.map((r) => r.accountId))];
  const lift = await lift_(deps, {
    accountIds,
    remove: resources.map((r) => r.findingId),
    ...(ownerEntry ? { removeOwner: owner } : {}),
    targets: resources.length
      ? resources
      : ownerProbe(owner, accountIds[0] ?? '', deps.config.aws.homeRegion).filter((p) =>
          deps.config.kinds.includes(p.kind),
        ),
  });
  return { ...lift, resources: resources.length, owner: !!ownerEntry };
}

async function lift_(
  deps: CoreDeps,
  change: {
    accountIds: readonly string[];
    remove: readonly string[];
    removeOwner?: string;
    targets: readonly Parameters<typeof verifyLifted>[1][];
  },
): Promise<Omit<GuardLift, 'resources' | 'owner'>> {
  const c = await changeGuard(deps, {
    accountIds: change.accountIds,
    remove: change.remove,
    ...(change.removeOwner ? { removeOwner: change.removeOwner } : {}),
  });
  if (!c.written)
    return {
      outcome: 'recorded',
      detail: `Taken off the guard; no policy was written (guard.mode ${deps.config.guard.mode}${deps.config.remediation.dryRun ? ', dry run' : ''}).`,
      calls: [],
    };
  if (!c.ok)
    return {
      outcome: 'failed',
      detail: `Taken off the guard in the store, but the policy could not be rewritten yet: ${describeConvergence(c)} The guard reconciler retries.`,
      calls: c.calls,
    };
  const calls = [...c.calls];
  const still: string[] = [];
  // A few samples are enough evidence; an owner with hundreds of resources is not checked one by one.
  for (const t of change.targets.slice(0, 8)) {
    const v = await verifyLifted(deps, t);
    calls.push(...v.calls);
    if (!v.lifted) still.push(v.detail);
  }
  if (still.length)
    return { outcome: 'failed', detail: `The guard was rewritten, but ${still.join(' ')}`, calls };
  return {
    outcome: 'lifted',
    detail: 'The guard no longer denies its use: verified by IAM (the workload role may use it again).',
    calls,
  };
}

/** Findings in state `blocked` that `x` names: a finding id, or a resource id / ARN (every account). */
export async function blockedFindingsFor(deps: CoreDeps, x: string): Promise<FindingRecord[]> {
  const byId = await deps.store.getFinding(x);
  if (byId) return [byId];
  return (await deps.store.listFindings({ states: ['blocked'] })).filter(
    (r) => r.finding.resourceId === x || r.finding.resourceArn === x,
  );
}

/** The log entry of a decision, found by its id and time (and finding). */
async function loggedUnblock(
  deps: CoreDeps,
  findingId: string,
  ids: DecisionIds,
): Promise<DecisionRecord | undefined> {
  return (await deps.store.listDecisions({ since: ids.at, until: ids.at, findingId })).find(
    (x) => x.decisionId === ids.decisionId,
  );
}

/**
 * Unblock: the resource comes off the guard (only what its own Remove put there: a blocked owner's
 * deny stays until Unblock account or Trust), verified, logged as a decision; the finding is open again.
 * Idempotent for one decision id (`ids`: a decision intent's, core/intents.ts): a run after a crash
 * finds what an earlier one wrote — its pending log entry, the finding carrying its decision — and
 * finishes it (lifted and verified again, the finding reopened, the entry completed), never a second
 * entry, never refused because the earlier run already took the resource off the guard.
 */
export async function unblockResource(
  deps: CoreDeps,
  findingId: string,
  by: Actor,
  ids: DecisionIds = { decisionId: randomUUID(), at: nowIso(deps) },
): Promise<UnblockResult> {
  const rec = await deps.store.getFinding(findingId);
  if (!rec) return { status: 'refused', resource: findingId, code: 'unknown' };
  const f = rec.finding;
  // An earlier run of this decision got as far as the finding: only its log entry may be left.
  if (rec.decision?.decisionId === ids.decisionId) return finishedEarlier(deps, rec, ids);
  const entry: BlockedResource | undefined = (
    await deps.store.listBlockedResources({ accountId: f.accountId })
  ).find((r) => r.findingId === f.id);
  const logged = await loggedUnblock(deps, f.id, ids);
  if (logged && logged.outcome !== 'pending')
    // Ended by an earlier run, and the finding moved on since: nothing is left to do.
    return logged.outcome === 'refused'
      ? { status: 'refused', resource: f.resourceId, code: 'not-blocked' }
      : {
          status: 'done',
          decisionId: ids.decisionId,
          resource: f.resourceId,
          outcome: 'succeeded',
          lift: nothingLifted(logged.detail ?? ''),
          records: [],
        };
  // Written ahead by an earlier run (which may have taken it off the guard already): finished, not refused.
  if (!logged && !entry && rec.state !== 'blocked')
    return { status: 'refused', resource: f.resourceId, code: 'not-blocked' };
  const at = ids.at;
  if (deps.config.remediation.dryRun)
    return {
      status: 'done',
      resource: f.resourceId,
      outcome: 'planned',
      lift: { ...nothingLifted('Dry run: nothing was changed.'), resources: entry ? 1 : 0 },
      records: [],
    };
  const decision: DecisionRecord = logged ?? {
    decisionId: ids.decisionId,
    action: 'unblock',
    findingId: f.id,
    ownerAccountId: f.ownerAccountId,
    by,
    at,
    outcome: 'pending',
  };
  if (!logged) await appendDecisionOnce(deps, decision);
  const ownerBlocked = await deps.store.getBlockedOwner(f.ownerAccountId);
  // With its owner blocked the owner's deny still applies: IAM cannot show this one's lifted.
  const lifted = await lift_(deps, {
    accountIds: [f.accountId],
    remove: entry ? [f.id] : [],
    targets: ownerBlocked ? [] : [f],
  });
  const detail = ownerBlocked
    ? `Its own deny was taken off the guard, but its owner ${f.ownerAccountId} is blocked (Block account): that deny stays until the account is unblocked.`
    : lifted.detail;
  const lift: GuardLift = { ...lifted, detail, resources: entry ? 1 : 0, owner: false };
  const outcome = lifted.outcome === 'failed' ? 'failed' : 'succeeded';
  const summary: DecisionSummary = {
    decisionId: decision.decisionId,
    action: 'unblock',
    by,
    at,
    outcome,
    detail,
  };
  const records: FindingRecord[] = [];
  if (rec.state === 'blocked' && outcome === 'succeeded') {
    const res = await deps.store.transitionFinding(f.id, ['blocked'], { state: 'open', decision: summary });
    if (res.ok) records.push(res.record);
  } else if (rec.state === 'blocked') {
    // Not lifted yet: the finding stays blocked and its message says so.
    const res = await deps.store.transitionFinding(f.id, ['blocked'], { decision: summary });
    if (res.ok) records.push(res.record);
  }
  await completeOnce(deps, decision, outcome, detail);
  deps.log.info({ findingId: f.id, outcome, by: by.userId }, 'resource unblocked');
  return { status: 'done', decisionId: decision.decisionId, resource: f.resourceId, outcome, lift, records };
}

function nothingLifted(detail: string): GuardLift {
  return { resources: 0, owner: false, outcome: 'nothing', detail, calls: [] };
}

/** Completes a pending entry; one completed already (by an earlier run) stands. */
async function completeOnce(
  deps: CoreDeps,
  decision: DecisionRecord,
  outcome: 'succeeded' | 'failed',
  detail: string,
): Promise<void> {
  try {
    await deps.store.completeDecision(decision, outcome, detail.slice(0, 4000), nowIso(deps));
  } catch (err) {
    if (!(err instanceof StoreConflictError)) throw err;
  }
}

/**
 * The finding carries this decision (an earlier run reopened it, or left it blocked as not lifted):
 * its log entry is completed from it if the run stopped before that, and the outcome is told again
 * from the finding (the channel was not told: the runner tells it after the intent is done).
 */
async function finishedEarlier(deps: CoreDeps, rec: FindingRecord, ids: DecisionIds): Promise<UnblockResult> {
  const d = rec.decision!;
  const outcome = d.outcome === 'failed' ? 'failed' : 'succeeded';
  const detail = d.detail ?? '';
  const logged = await loggedUnblock(deps, rec.finding.id, ids);
  if (logged?.outcome === 'pending') await completeOnce(deps, logged, outcome, detail);
  return {
    status: 'done',
    decisionId: ids.decisionId,
    resource: rec.finding.resourceId,
    outcome,
    lift: { ...nothingLifted(detail), outcome: outcome === 'failed' ? 'failed' : 'lifted' },
    records: [rec],
  };
}
