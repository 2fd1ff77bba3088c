/**
 * Carrying out a ladder decision (Remove, Delete at the source, Revoke the organization share): walk the
 * rungs that apply, strongest first, each one written to the store as `attempting` before AWS is called
 * and completed after (write-ahead), so a restart resumes at the rung that was under way and never
 * repeats one that completed. The finding ends in the state the strongest confirmed rung reached:
 * removed | revoked | deleted | blocked | recorded, or back where it was with the decision `failed`
 * (retryable, AWS's error in plain words). Never "removed" unless AWS confirmed it.
 */
import { randomUUID } from 'node:crypto';
import { describeAwsError } from '../aws/errors.ts';
import type { SharedVia } from '../domain/finding.ts';
import type {
  Actor,
  DecisionOutcome,
  DecisionRecord,
  DecisionSummary,
  FindingRecord,
  FindingState,
  LadderProgress,
  LadderStep,
  StepResult,
} from '../domain/lifecycle.ts';
import { StoreConflictError } from '../store/errors.ts';
import { guardPortFor } from '../remediate/guard-wiring.ts';
import {
  REMEDIATIONS,
  applicableRungs,
  ladderFor,
  remediationContext,
  type LadderAction,
} from '../remediate/registry.ts';
import type { AccountClients, RemediationDeps, StepOutcome } from '../remediate/types.ts';
import type { MonitoredAccount } from '../aws/account.ts';
import { nowIso, type CoreDeps } from './deps.ts';
import type { DecisionExtras, DecisionResult } from './decisions.ts';
import { extrasOf } from './extras.ts';
import { alreadyDecided } from './refusals.ts';
import type { Refusal } from '../domain/intent.ts';

/** From which states each ladder decision may start. */
export const LADDER_FROM: Record<LadderAction, readonly FindingState[]> = {
  remove: ['open'],
  'delete-at-source': ['open', 'blocked', 'recorded', 'owner-only'],
  'revoke-org-share': ['open', 'blocked', 'recorded', 'owner-only'],
};

/** Rung results that end the ladder: nothing stronger or further is left to do. */
const FINAL_RESULTS: ReadonlySet<StepResult> = new Set([
  'removed',
  'revoked-at-source',
  'deleted-at-source',
  'blocked',
  'recorded',
]);

const STATE_OF: Partial<Record<StepResult, FindingState>> = {
  removed: 'removed',
  'revoked-at-source': 'revoked',
  'deleted-at-source': 'deleted',
  blocked: 'blocked',
  recorded: 'recorded',
};

function clientsFor(deps: CoreDeps, account: MonitoredAccount, region: string): AccountClients {
  return { ec2: () => deps.clients.ec2(account, region), rds: () => deps.clients.rds(account, region) };
}

/**
 * Claims the finding (one conditional write: of concurrent clicks exactly one proceeds), writes the
 * decision as pending, then walks the ladder. `refuse` lets the caller log its own way.
 */
export async function decideLadder(
  deps: CoreDeps,
  action: LadderAction,
  findingId: string,
  by: Actor,
  options: {
    refused: (refusal: Refusal, rec?: FindingRecord) => Promise<DecisionResult>;
    /** Why, and the second approver (issue 10): kept on the decision and its log entry. */
    extras?: DecisionExtras;
    /** Called once the finding is claimed (`removing`), before AWS: the message shows "⏳ Removing…" at once. */
    claimed?: (rec: FindingRecord) => Promise<void>;
    /** The intent's id and time (core/intents.ts): a retried intent converges on the same decision. */
    decisionId?: string;
    at?: string;
  },
): Promise<DecisionResult> {
  const rec = await deps.store.getFinding(findingId);
  if (!rec) return options.refused({ code: 'unknown-finding', findingId });
  if (!LADDER_FROM[action].includes(rec.state)) return options.refused(alreadyDecided(rec), rec);
  const ctx = remediationContext(deps.config, rec.finding);
  // No recipient role: the account is no longer monitored, so shareguard has no role to act with.
  if (!ctx.recipient)
    return options.refused({ code: 'not-monitored', accountId: rec.finding.accountId }, rec);
  if (applicableRungs(action, rec.finding, ctx).length === 0)
    return options.refused(
      action === 'remove'
        ? { code: 'nothing-applies', resourceId: rec.finding.resourceId }
        : // Delete / revoke-org act at the source: without a role in the owner account nothing applies.
          { code: 'no-owner-role', ownerAccountId: rec.finding.ownerAccountId },
      rec,
    );
  const at = options.at ?? nowIso(deps);
  const decision: DecisionRecord = {
    decisionId: options.decisionId ?? randomUUID(),
    action,
    findingId,
    ownerAccountId: rec.finding.ownerAccountId,
    by,
    at,
    outcome: 'pending',
    ...(ctx.dryRun ? { dryRun: true } : {}),
    ...extrasOf(options.extras),
  };
  const ladder: LadderProgress = {
    decisionId: decision.decisionId,
    action,
    fromState: rec.state,
    dryRun: ctx.dryRun,
    steps: [],
  };
  const claim = await deps.store.transitionFinding(findingId, LADDER_FROM[action], {
    state: 'removing',
    decision: {
      decisionId: decision.decisionId,
      action,
      by,
      at,
      outcome: 'pending',
      ...(ctx.dryRun ? { dryRun: true } : {}),
      ...extrasOf(options.extras),
    },
    ladder,
  });
  // Lost the race: someone else's decision (or a scan) moved it first.
  if (!claim.ok)
    return options.refused(
      claim.current ? alreadyDecided(claim.current) : { code: 'unknown-finding', findingId },
      claim.current,
    );
  await deps.store.appendDecision(decision);
  if (options.claimed) {
    // Feedback only: a failed message update never stops the decision.
    await options
      .claimed(claim.record)
      .catch((err: unknown) =>
        deps.log.warn({ err: (err as Error).message, findingId }, 'showing the decision under way failed'),
      );
  }
  return carryOutLadder(deps, claim.record, decision);
}

/** Walks the rungs from a finding in `removing`; also finishes one a crash interrupted (same decision). */
export async function carryOutLadder(
  deps: CoreDeps,
  claimed: FindingRecord,
  decision: DecisionRecord,
): Promise<DecisionResult> {
  let rec = claimed;
  const ladder: LadderProgress = rec.ladder ?? {
    decisionId: decision.decisionId,
    action: decision.action,
    fromState: 'open',
    dryRun: false,
    steps: [],
  };
  const action = ladder.action as LadderAction;
  const ctx = remediationContext(deps.config, rec.finding, { dryRun: ladder.dryRun });
  const guard = guardPortFor(deps);
  const steps: LadderStep[] = [...ladder.steps];
  let failure: LadderStep | undefined;

  for (const id of ladderFor(action, rec.finding.kind)) {
    const rung = REMEDIATIONS[id];
    const done = steps.find((s) => s.id === id && s.status === 'done');
    if (done) {
      // Completed before a restart: never repeated.
      if (ends(done, ladder.dryRun)) break;
      continue;
    }
    if (!rung.appliesTo(rec.finding, ctx)) continue;
    const resumed = steps.some((s) => s.id === id && s.status === 'attempting');
    const startedAt = nowIso(deps);
    upsert(steps, { id, status: 'attempting', startedAt });
    rec = await writeLadder(deps, rec, { ...ladder, steps: [...steps] });

    let outcome: StepOutcome;
    if (!ctx.recipient) {
      outcome = {
        status: 'failed',
        result: 'error',
        detail: `Account ${rec.finding.accountId} is no longer monitored.`,
        calls: [],
      };
    } else {
      const rdeps: RemediationDeps = {
        context: ctx,
        recipient: clientsFor(deps, ctx.recipient, rec.finding.region),
        ...(ctx.owner ? { owner: clientsFor(deps, ctx.owner, rec.finding.region) } : {}),
        guard,
        decision: { decisionId: decision.decisionId, by: decision.by, at: decision.at },
        ...(resumed ? { resumed: true } : {}),
      };
      try {
        outcome = await rung.run(rec.finding, rdeps);
      } catch (err) {
        outcome = {
          status: 'failed',
          result: 'error',
          detail: `Could not reach AWS: ${describeAwsError(err)}`,
          calls: [],
        };
      }
    }
    const step: LadderStep = {
      id,
      status: outcome.status,
      startedAt,
      completedAt: nowIso(deps),
      result: outcome.result,
      detail: outcome.detail,
      calls: outcome.calls,
      ...(outcome.stillVisible !== undefined ? { stillVisible: outcome.stillVisible } : {}),
    };
    upsert(steps, step);
    if (outcome.learnedSharedVia && outcome.learnedSharedVia !== rec.finding.sharedVia && !ladder.dryRun)
      rec = await learnSharedVia(deps, rec, outcome.learnedSharedVia);
    rec = await writeLadder(
      deps,
      rec,
      { ...ladder, steps: [...steps] },
      outcome.orgShares && !ladder.dryRun ? { orgShares: outcome.orgShares } : {},
    );
    deps.log.info(
      { findingId: rec.finding.id, rung: id, status: outcome.status, result: outcome.result },
      'ladder rung',
    );
    if (outcome.status === 'failed') {
      failure = step;
      break;
    }
    if (ends(step, ladder.dryRun)) break;
  }
  return finish(deps, rec, decision, ladder, steps, failure);
}

function ends(step: LadderStep, dryRun: boolean): boolean {
  if (step.stillVisible === false) return true;
  return !dryRun && step.result !== undefined && FINAL_RESULTS.has(step.result);
}

function upsert(steps: LadderStep[], step: LadderStep): void {
  const i = steps.findIndex((s) => s.id === step.id);
  if (i >= 0) steps[i] = step;
  else steps.push(step);
}

/** Patches the ladder on a finding that is still `removing` under this decision. */
async function writeLadder(
  deps: CoreDeps,
  rec: FindingRecord,
  ladder: LadderProgress,
  extra: { orgShares?: string[] } = {},
): Promise<FindingRecord> {
  const res = await deps.store.transitionFinding(rec.finding.id, ['removing'], { ladder, ...extra });
  if (res.ok) return res.record;
  // An SDK retry of a write that had landed fails its own condition; anything else is a bug or a race.
  if (res.current?.state === 'removing' && res.current.ladder?.decisionId === ladder.decisionId)
    return res.current;
  throw new Error(`finding ${rec.finding.id} left "removing" while its ladder was being carried out`);
}

/** A share path AWS just told us (owner side read, or a cancel's NotFound while still visible): kept on the finding. */
async function learnSharedVia(deps: CoreDeps, rec: FindingRecord, via: SharedVia): Promise<FindingRecord> {
  let current: FindingRecord | undefined = rec;
  for (let attempt = 0; attempt < 5 && current; attempt++) {
    if (current.state !== 'removing') return current;
    try {
      return await deps.store.saveFinding({ ...current, finding: { ...current.finding, sharedVia: via } });
    } catch (err) {
      if (!(err instanceof StoreConflictError)) throw err;
      current = await deps.store.getFinding(rec.finding.id);
    }
  }
  return current ?? rec;
}

function stepLine(s: LadderStep, i: number): string {
  const title = REMEDIATIONS[s.id].title;
  const calls = s.calls?.length ? ` [${s.calls.join('; ')}]` : '';
  return `${i + 1}. ${title} — ${s.status}: ${s.detail ?? ''}${calls}`;
}

async function finish(
  deps: CoreDeps,
  rec: FindingRecord,
  decision: DecisionRecord,
  ladder: LadderProgress,
  steps: LadderStep[],
  failure: LadderStep | undefined,
): Promise<DecisionResult> {
  const action = ladder.action as LadderAction;
  const done = steps.filter((s) => s.status === 'done');
  const last = done[done.length - 1];
  let state: FindingState;
  let outcome: Exclude<DecisionOutcome, 'pending'>;
  let detail: string;
  if (failure) {
    state = ladder.fromState === 'removing' ? 'open' : ladder.fromState;
    outcome = 'failed';
    const before = done.map((s) => s.detail).filter(Boolean);
    detail = `${[...before, failure.detail].join(' ')}`;
  } else if (ladder.dryRun) {
    state = ladder.fromState;
    outcome = 'recorded';
    detail = done.map((s) => s.detail).join(' ') || 'Dry run: nothing applies.';
  } else {
    const reached = last?.result ? STATE_OF[last.result] : undefined;
    state = reached ?? ladder.fromState;
    outcome =
      last?.result === 'removed' ||
      last?.result === 'revoked-at-source' ||
      last?.result === 'deleted-at-source' ||
      last?.result === 'blocked' ||
      last?.result === 'recorded'
        ? last.result
        : action === 'revoke-org-share'
          ? 'revoked-at-source'
          : 'recorded';
    detail = done.map((s) => s.detail).join(' ');
  }
  const summary: DecisionSummary = {
    decisionId: decision.decisionId,
    action,
    by: decision.by,
    at: decision.at,
    outcome,
    detail,
    ...(ladder.dryRun ? { dryRun: true } : {}),
    ...extrasOf(decision),
  };
  const res = await deps.store.transitionFinding(rec.finding.id, ['removing'], {
    state,
    decision: summary,
    ladder: { ...ladder, steps },
  });
  const log = steps.map(stepLine).join(' ');
  try {
    await deps.store.completeDecision(decision, outcome, log || detail, nowIso(deps));
  } catch (err) {
    // Already completed by an earlier run of this same decision (a restart after the write landed).
    if (!(err instanceof StoreConflictError)) throw err;
  }
  deps.log.info(
    { findingId: rec.finding.id, action, outcome, state, steps: steps.length, by: decision.by.userId },
    'ladder decision carried out',
  );
  const record = res.ok ? res.record : (res.current ?? rec);
  return { status: 'done', records: [record] };
}
