import { randomUUID } from 'node:crypto';
import { describeAwsError } from '../aws/errors.ts';
import type { BlockedOwner } from '../domain/guard.ts';
import type {
  Actor,
  DecisionOutcome,
  DecisionRecord,
  DecisionSummary,
  FindingRecord,
  FindingState,
} from '../domain/lifecycle.ts';
import {
  applyGuard,
  ORGANIZATION_SCOPE,
  type GuardAccountResult,
  type GuardApplyResult,
} from '../guard/apply.ts';
import { GUARD_CONVERGE_TIMEOUT_MS } from '../guard/desired.ts';
import { guardReconciler } from '../guard/reconciler.ts';
import type { VerifyTarget } from '../guard/verify.ts';
import { monitoredAccountIdsNow } from '../scan/monitored-now.ts';
import type { DecisionIntent, Refusal } from '../domain/intent.ts';
import { StoreConflictError } from '../store/errors.ts';
import { appendDecisionOnce } from './decision-log.ts';
import { nowIso, type CoreDeps } from './deps.ts';
import { BLOCK_REFUSAL_LOG, logRefusal, type DecisionIds, type DecisionResult } from './decisions.ts';
import { callsOf, guardProblems, verifyOwner, type AccountVerification } from './verify-block.ts';

/**
 * Block account — the opposite of Trust: every image and snapshot an owner shares, now and later, is
 * denied by the guard in every monitored account (docs/aws.md "Guard"). The owner is stored before
 * the guard is applied (write-ahead), so a failed apply is finished by the next one.
 */

/**
 * Why Block / Unblock account refused (src/slack/messages/guard.ts words it): the owner is a monitored
 * account (blocking it would deny its own images in its own account), trusted by the configuration file,
 * on the trust list, or (unblock) not blocked.
 */
export type BlockRefusalCode = Extract<Refusal, { code: 'block-refused' }>['reason'];

export type BlockAccountResult =
  | { status: 'refused'; ownerAccountId: string; code: BlockRefusalCode }
  | {
      status: 'done';
      action: 'block-account' | 'unblock-account';
      ownerAccountId: string;
      /** Absent for a dry run (nothing is logged). */
      decisionId?: string;
      /**
       * block: `blocked` (applied and verified everywhere), `recorded` (guard off or print), `failed`
       * (some account failed: retry by blocking again), `planned` (dry run).
       * unblock: `succeeded`, `failed`, `planned`.
       */
      outcome: 'blocked' | 'recorded' | 'succeeded' | 'failed' | 'planned';
      guard: GuardApplyResult;
      verification: AccountVerification[];
      /** Findings whose state changed (their messages must be refreshed). */
      records: FindingRecord[];
      /** Findings left open because their account's guard is not verified. */
      leftOpen: FindingRecord[];
      /** Plain words for the decision log. */
      detail: string;
    };

/** States a Block account closes: waiting on someone, or Remove recorded without a guard. */
const CLOSABLE: readonly FindingState[] = ['open', 'owner-only', 'recorded'];

/** Logs the refusal (plain words, for the decision log; under `ids` when given) and returns it typed. */
async function refuseBlock(
  deps: CoreDeps,
  action: 'block-account' | 'unblock-account',
  by: Actor,
  owner: string,
  code: BlockRefusalCode,
  ids?: DecisionIds,
): Promise<BlockAccountResult> {
  await logRefusal(deps, action, by, BLOCK_REFUSAL_LOG[code], { ownerAccountId: owner }, ids);
  return { status: 'refused', ownerAccountId: owner, code };
}

/** `work`'s value, or undefined when it takes longer than `ms` (it goes on; a late failure is dropped). */
async function bounded<T>(work: Promise<T>, ms: number | undefined): Promise<T | undefined> {
  if (ms === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  work.catch(() => {});
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function refusalCode(
  deps: CoreDeps,
  owner: string,
  monitoredWithinMs?: number,
): Promise<BlockRefusalCode | undefined> {
  const monitored = await bounded(monitoredAccountIdsNow(deps), monitoredWithinMs);
  if (monitored?.includes(owner)) return 'monitored-account';
  if (deps.config.trust.accounts.some((t) => t.id === owner)) return 'trusted-by-config';
  if (await deps.store.getTrust(owner)) return 'on-trust-list';
  return undefined;
}

/** Blocks every image and snapshot of `owner` in every monitored account and closes its open findings. */
export async function blockAccount(
  deps: CoreDeps,
  owner: string,
  by: Actor,
  reason?: string,
): Promise<BlockAccountResult> {
  const started = await startBlockAccount(deps, owner, by, reason);
  return 'result' in started ? started.result : finishBlockAccount(deps, started);
}

/** A Block account's identity before it is recorded: chosen by the caller, so it can void a late write. */
export interface BlockAccountId {
  decisionId: string;
  at: string;
}

export interface StartBlockOptions {
  /** The decision's id and time (default: new ones). */
  id?: BlockAccountId;
  /**
   * How long the monitored-account refusal may wait for the account set (with `organization` it can be
   * a discovery: seconds). Past it the check is left to `finishBlockAccount`, which refuses a monitored
   * owner and takes it off the desired state again before the guard is requested.
   */
  monitoredWithinMs?: number;
  /** Under the two-person rule: who confirmed `by`'s request (on the decision-log entry). */
  confirmedBy?: Actor;
}

/** A dry run: nothing is recorded; `finishBlockAccount` plans it (AWS reads, so after any ack). */
export interface PlannedBlock {
  dryRun: { ownerAccountId: string };
}

export type StartedBlock = { result: BlockAccountResult } | RecordedBlock | PlannedBlock;

/**
 * Block account up to the durable point, store calls only (and the account set): refused, a dry run
 * to plan, or the decision and the blocked owner in the store (`RecordedBlock`). A listener calls this
 * before it acknowledges — bounded by `withStoreDeadline` — so an acknowledged Block account survives
 * a crash; `finishBlockAccount` does the rest (the guard request, AWS, the findings).
 */
export async function startBlockAccount(
  deps: CoreDeps,
  owner: string,
  by: Actor,
  reason?: string,
  options: StartBlockOptions = {},
): Promise<StartedBlock> {
  const refused = await refusalCode(deps, owner, options.monitoredWithinMs);
  if (refused) return { result: await refuseBlock(deps, 'block-account', by, owner, refused, options.id) };
  if (deps.config.remediation.dryRun) return { dryRun: { ownerAccountId: owner } };
  return recordBlockAccount(deps, owner, by, reason, options.id, options.confirmedBy);
}

export interface FinishBlockOptions {
  /**
   * A log entry that cannot be completed fails the run (a decision intent's: the intent stays pending
   * and the reconciler runs it again) instead of being left for the next start.
   */
  strictLog?: boolean;
}

/** The rest of a started Block account: the guard converged and verified, findings closed, logged. */
export function finishBlockAccount(
  deps: CoreDeps,
  started: RecordedBlock | PlannedBlock,
  options: FinishBlockOptions = {},
): Promise<BlockAccountResult> {
  if ('dryRun' in started) return planBlock(deps, started.dryRun.ownerAccountId);
  return carryOutBlock(deps, started.decision, started.entry, options);
}

async function planBlock(deps: CoreDeps, owner: string): Promise<BlockAccountResult> {
  const accountIds = await monitoredAccountIdsNow(deps);
  const guard = await applyGuard(deps, { accountIds, overlay: { addOwners: [owner] } });
  const open = await deps.store.listFindings({ states: CLOSABLE, ownerAccountId: owner });
  return {
    status: 'done',
    action: 'block-account',
    ownerAccountId: owner,
    outcome: 'planned',
    guard,
    verification: [],
    records: [],
    leftOpen: open,
    detail: `Dry run: would block ${owner} (${deps.config.guard.mode}) and close ${open.length} finding(s); nothing was changed.`,
  };
}

/** A Block account whose desired state is in the store (durable): what `carryOutBlock` finishes. */
export interface RecordedBlock {
  decision: DecisionRecord;
  entry: BlockedOwner;
}

/**
 * The durable half of Block account: the decision (pending) and the blocked owner — the guard's desired
 * state — are in the store before this returns (two writes, nothing that grows with the accounts), so a
 * listener acknowledges only after it and a crash at any later point is finished at the next start
 * (`resumeInterruptedBlocks`, or the decision runner for an intent). The guard revision that holds it
 * is requested by `carryOutBlock`. Idempotent for one decision id (a resumed intent): an entry already
 * in the log stands as it is, and so does the blocked owner when it is this decision's (with the guard
 * revision an earlier run requested).
 */
export async function recordBlockAccount(
  deps: CoreDeps,
  owner: string,
  by: Actor,
  reason?: string,
  id: BlockAccountId = { decisionId: randomUUID(), at: nowIso(deps) },
  confirmedBy?: Actor,
): Promise<RecordedBlock> {
  let decision: DecisionRecord = {
    decisionId: id.decisionId,
    action: 'block-account',
    ownerAccountId: owner,
    by,
    at: id.at,
    outcome: 'pending',
    ...(reason ? { detail: `reason: ${reason}`, reason } : {}),
    ...(confirmedBy ? { confirmedBy } : {}),
  };
  const logged = await appendDecisionOnce(deps, decision);
  if (logged.existed) {
    // An earlier run of this decision logged it (and may have stored the owner with its revision).
    decision = logged.decision;
    const stored = await deps.store.getBlockedOwner(owner);
    if (stored?.decisionId === id.decisionId) return { decision, entry: stored };
  }
  const entry: BlockedOwner = {
    ownerAccountId: owner,
    decisionId: decision.decisionId,
    by,
    at: id.at,
    ...(reason ? { reason } : {}),
  };
  await deps.store.putBlockedOwner(entry);
  return { decision, entry };
}

const VOIDED_DETAIL =
  'Not recorded: the decision store did not answer in time, and whoever asked was told so. Nothing was carried out.';

/**
 * Takes back a Block account its caller gave up on (its writes missed their deadline and the user was
 * told "not recorded"), so a write that lands late is never carried out: the blocked owner is deleted if
 * it is this decision's (and the guard requested again, for a run that read it meanwhile), then the log
 * entry is completed as failed — in that order, so a crash in between leaves nothing to resume. One
 * attempt; store failures throw (see `abandonBlockAccount`).
 */
export async function voidBlockAccount(
  deps: CoreDeps,
  owner: string,
  by: Actor,
  id: BlockAccountId,
): Promise<void> {
  const entry = await deps.store.getBlockedOwner(owner);
  if (entry?.decisionId === id.decisionId) {
    await deps.store.deleteBlockedOwner(owner);
    await guardReconciler(deps).request(await monitoredAccountIdsNow(deps));
  }
  const decision: DecisionRecord = {
    decisionId: id.decisionId,
    action: 'block-account',
    ownerAccountId: owner,
    by,
    at: id.at,
    outcome: 'pending',
  };
  await deps.store.completeDecision(decision, 'failed', VOIDED_DETAIL, nowIso(deps)).catch((err: unknown) => {
    // Absent (never written) or already completed: nothing is pending.
    if (!(err instanceof StoreConflictError)) throw err;
  });
}

const VOID_TRIES = 60;

/**
 * `voidBlockAccount`, retried a second apart while the store fails — in the background (never awaited:
 * the store may be down for a while). Call once the abandoned writes have settled.
 */
export function abandonBlockAccount(deps: CoreDeps, owner: string, by: Actor, id: BlockAccountId): void {
  let tries = 0;
  const attempt = (): void => {
    voidBlockAccount(deps, owner, by, id).then(
      () => deps.log.warn({ owner, decisionId: id.decisionId }, 'Block account not recorded; voided'),
      (err: Error) => {
        if (++tries < VOID_TRIES) setTimeout(attempt, 1_000).unref();
        else
          deps.log.error({ owner, decisionId: id.decisionId, err: err.message }, 'Block account not voided');
      },
    );
  };
  attempt();
}

/**
 * The AWS part of Block account, once the decision is logged and the owner stored: apply, verify,
 * close the owner's findings, complete the decision. Also finishes one a crash interrupted.
 */
async function carryOutBlock(
  deps: CoreDeps,
  decision: DecisionRecord,
  recorded: BlockedOwner,
  options: FinishBlockOptions = {},
): Promise<BlockAccountResult> {
  let entry = recorded;
  const owner = entry.ownerAccountId;
  const { by, at } = decision;
  const reason = entry.reason;
  const accountIds = await monitoredAccountIdsNow(deps);
  // Not checked before the ack when the account set was slow to come (or the owner joined since).
  if (accountIds.includes(owner)) return withdrawMonitored(deps, owner, decision, accountIds);
  if (entry.generation === undefined) entry = await requestFor(deps, entry, accountIds);
  const mode = deps.config.guard.mode;
  let guard: GuardApplyResult;
  let verification: AccountVerification[] = [];
  try {
    guard = await convergeOwner(deps, accountIds, entry.generation);
    if (mode === 'iam-policy' || mode === 'scp') {
      const okAccounts = guard.accounts.filter((a) => a.status !== 'failed').map((a) => a.accountId);
      const open = await deps.store.listFindings({ states: CLOSABLE, ownerAccountId: owner });
      const samples = new Map<string, VerifyTarget>();
      for (const r of open) samples.set(`${r.finding.accountId}|${r.finding.kind}`, r.finding);
      const scope = mode === 'scp' ? (guard.status !== 'failed' ? accountIds : []) : okAccounts;
      verification = scope.length ? await verifyOwner(deps, owner, scope, samples) : [];
    }
  } catch (err) {
    // AWS failures are per scope in the result; this is the store or a bug. The owner stays stored
    // (desired state) and the reconciler keeps converging on it; the decision says what happened.
    const detail = `The block of ${owner} is stored, but converging the guard failed: ${describeAwsError(err)}. The guard reconciler retries.`;
    await deps.store.completeDecision(decision, 'failed', detail, nowIso(deps)).catch(() => undefined);
    throw err;
  }

  const verifiedAccounts = new Set<string>();
  for (const v of verification) {
    if (!v.verified) continue;
    if (v.accountId === 'organization') accountIds.forEach((a) => verifiedAccounts.add(a));
    else verifiedAccounts.add(v.accountId);
  }
  const recordedOnly = mode === 'off' || mode === 'print';
  const state: FindingState = recordedOnly ? 'recorded' : 'blocked';
  const outcome: DecisionOutcome = recordedOnly
    ? 'recorded'
    : verifiedAccounts.size === accountIds.length
      ? 'blocked'
      : 'failed';
  const problems = [
    ...guardProblems(guard),
    ...verification
      .filter((v) => !v.verified)
      .map(
        (v) =>
          `${v.accountId}: ${v.checks.find((c) => !c.verification.verified)?.verification.detail ?? 'not verified'}`,
      ),
  ];
  const detail = recordedOnly
    ? mode === 'print'
      ? `Account ${owner} recorded as blocked; not blocked until the printed policy is applied (shareguard guard print).`
      : `Account ${owner} recorded as blocked; the guard is off, so nothing blocks its shares in AWS.`
    : outcome === 'blocked'
      ? `Account ${owner} blocked in ${accountIds.length} monitored account(s) (${mode}), verified.`
      : `Account ${owner} is stored as blocked but not verified in ${problems.length} scope(s) yet: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''}. The guard reconciler keeps retrying; block it again to check.`;

  const summary: DecisionSummary = {
    decisionId: decision.decisionId,
    action: 'block-account',
    by,
    at,
    outcome: recordedOnly ? 'recorded' : 'blocked',
    detail,
  };
  const records: FindingRecord[] = [];
  const leftOpen: FindingRecord[] = [];
  const from: readonly FindingState[] = recordedOnly ? ['open'] : CLOSABLE;
  for (const rec of await deps.store.listFindings({ states: from, ownerAccountId: owner })) {
    if (!recordedOnly && !verifiedAccounts.has(rec.finding.accountId)) {
      leftOpen.push(rec);
      continue;
    }
    const res = await deps.store.transitionFinding(rec.finding.id, from, { state, decision: summary });
    if (res.ok) records.push(res.record);
  }
  const calls = callsOf(guard, verification);
  try {
    await deps.store.completeDecision(
      decision,
      outcome === 'blocked' || outcome === 'recorded' ? outcome : 'failed',
      boundedDetail(
        `${detail}${reason ? ` Reason: ${reason}.` : ''} Closed ${records.length} finding(s).`,
        calls,
      ),
      nowIso(deps),
    );
  } catch (err) {
    const current =
      err instanceof StoreConflictError ? (err.current as DecisionRecord | undefined) : undefined;
    // Completed already, by an earlier run of this decision (a resumed intent): nothing is pending.
    if (!current || current.outcome === 'pending') {
      if (options.strictLog) throw err;
      // The guard is written: the message must say so. The log entry stays pending and the next start
      // finishes it (resumeInterruptedBlocks).
      deps.log.error(
        { owner, err: (err as Error).message },
        'Block account done but its log entry not completed',
      );
    }
  }
  deps.log.info({ owner, outcome, closed: records.length, by: by.userId }, 'owner blocked');
  return {
    status: 'done',
    action: 'block-account',
    ownerAccountId: owner,
    decisionId: decision.decisionId,
    outcome: outcome as 'blocked' | 'recorded' | 'failed',
    guard,
    verification,
    records,
    leftOpen,
    detail,
  };
}

/**
 * Requests the guard revision that holds a recorded block and keeps it on the entry (a resumed block
 * then waits for it instead of requesting anew). An entry gone meanwhile (unblocked) is not put back.
 */
async function requestFor(
  deps: CoreDeps,
  entry: BlockedOwner,
  accountIds: readonly string[],
): Promise<BlockedOwner> {
  const ticket = await guardReconciler(deps).request(accountIds);
  const withGeneration = { ...entry, generation: ticket.generation };
  const current = await deps.store.getBlockedOwner(entry.ownerAccountId);
  if (current?.decisionId === entry.decisionId) await deps.store.putBlockedOwner(withGeneration);
  return withGeneration;
}

/** A recorded block of an owner that is a monitored account: taken off the desired state, refused. */
async function withdrawMonitored(
  deps: CoreDeps,
  owner: string,
  decision: DecisionRecord,
  accountIds: readonly string[],
): Promise<BlockAccountResult> {
  await deps.store.deleteBlockedOwner(owner);
  // A guard run may have read it meanwhile: the next revision is written without it.
  await guardReconciler(deps).request(accountIds);
  await deps.store
    .completeDecision(decision, 'refused', BLOCK_REFUSAL_LOG['monitored-account'], nowIso(deps))
    .catch((err: unknown) => {
      if (!(err instanceof StoreConflictError)) throw err;
    });
  deps.log.warn({ owner }, 'Block account of a monitored account withdrawn');
  return { status: 'refused', ownerAccountId: owner, code: 'monitored-account' };
}

/** The log entry of a decision, found by its id and time. */
async function loggedDecision(deps: CoreDeps, id: BlockAccountId): Promise<DecisionRecord | undefined> {
  return (await deps.store.listDecisions({ since: id.at, until: id.at })).find(
    (x) => x.decisionId === id.decisionId,
  );
}

/**
 * Carries out a Block account decision intent (the reason modal, a two-person Confirm; core/intents.ts):
 * the owner of the intent's finding is blocked with the intent's id as the decision id. Safe to run
 * again after any failure: what an earlier run wrote is found by that id (the log entry, the blocked
 * owner) and finished — the guard converged and verified again, nothing logged twice — never refused
 * or blocked anew. A block that ended meanwhile (withdrawn for a monitored owner, unblocked since) is
 * not redone. `records` also holds the clicked finding, whose message must show the decision (or,
 * under the two-person rule, no longer the request).
 */
export async function carryOutBlockIntent(deps: CoreDeps, intent: DecisionIntent): Promise<DecisionResult> {
  const ids: DecisionIds = { decisionId: intent.intentId, at: intent.at };
  const { by, findingId } = intent;
  const rec = await deps.store.getFinding(findingId);
  if (!rec) {
    await logRefusal(deps, 'block-account', by, 'unknown finding', { findingId }, ids);
    return { status: 'refused', refusal: { code: 'unknown-finding', findingId }, records: [] };
  }
  const owner = rec.finding.ownerAccountId;
  const reason = intent.extras?.reason;
  const confirmedBy = intent.extras?.confirmedBy;
  const logged = await loggedDecision(deps, ids);
  let started: StartedBlock;
  if (!logged) {
    started = await startBlockAccount(deps, owner, by, reason, {
      id: ids,
      ...(confirmedBy ? { confirmedBy } : {}),
    });
  } else {
    const entry = await deps.store.getBlockedOwner(owner);
    if (entry?.decisionId === ids.decisionId) started = { decision: logged, entry };
    else if (logged.outcome === 'pending')
      // Logged, the owner not yet stored (or taken by a later block): stored again under this decision.
      started = await recordBlockAccount(deps, owner, by, reason, ids, confirmedBy);
    else return ended(logged, owner, rec);
  }
  const result =
    'result' in started ? started.result : await finishBlockAccount(deps, started, { strictLog: true });
  if (result.status === 'refused')
    return {
      status: 'refused',
      refusal: { code: 'block-refused', ownerAccountId: owner, reason: result.code },
      records: [],
    };
  const shown = result.records.some((r) => r.finding.id === findingId)
    ? result.records
    : [...result.records, (await deps.store.getFinding(findingId)) ?? rec];
  return { status: 'done', records: shown, block: result };
}

/** An earlier run of the intent ended its block (its log entry is complete, the owner not its own). */
function ended(logged: DecisionRecord, owner: string, rec: FindingRecord): DecisionResult {
  if (logged.outcome !== 'refused') return { status: 'done', records: [rec] };
  const code = (Object.keys(BLOCK_REFUSAL_LOG) as BlockRefusalCode[]).find(
    (c) => BLOCK_REFUSAL_LOG[c] === logged.detail,
  );
  const refusal: Refusal = code
    ? { code: 'block-refused', ownerAccountId: owner, reason: code }
    : // The other refusal logged under an intent's id: the runner's approver check.
      { code: 'not-authorized', reason: logged.detail ?? 'refused' };
  return { status: 'refused', refusal, records: [] };
}

/**
 * Finishes Block account decisions a crash left pending (the owner is stored, the outcome is not).
 * Applying and verifying again is idempotent. Call at start-up, next to resumeInterruptedRemovals.
 */
export async function resumeInterruptedBlocks(
  deps: CoreDeps,
  /** Each finished one (the channel is told: the process that took it may have died before it could). */
  onDone?: (r: BlockAccountResult, by: Actor, reason?: string) => Promise<void>,
): Promise<FindingRecord[]> {
  const out: FindingRecord[] = [];
  for (const entry of await deps.store.listBlockedOwners()) {
    const decision = await loggedDecision(deps, entry);
    if (!decision || decision.outcome !== 'pending' || deps.config.remediation.dryRun) continue;
    // A decision intent's (the reason modal, a two-person Confirm): the decision runner owns it, and
    // its reconcile pass finishes it — once, with its outcome told like the other intents'.
    if (await deps.store.getIntent(entry.decisionId)) continue;
    deps.log.warn({ owner: entry.ownerAccountId }, 'finishing a Block account interrupted by a restart');
    const r = await carryOutBlock(deps, decision, entry);
    if (r.status === 'done') out.push(...r.records);
    await onDone?.(r, decision.by, entry.reason);
  }
  return out;
}

/**
 * The guard converged for an owner change (desired state already in the store), as a GuardApplyResult:
 * one entry per scope, what this process wrote or `unchanged` where it was written already.
 */
async function convergeOwner(
  deps: CoreDeps,
  accountIds: readonly string[],
  generation?: number,
): Promise<GuardApplyResult> {
  const mode = deps.config.guard.mode;
  const reconciler = guardReconciler(deps);
  const base = { mode, dryRun: false, rendered: [] };
  if (mode === 'off') return { ...base, status: 'off', accounts: [], calls: [] };
  if (mode === 'print') {
    await reconciler.request(accountIds, generation);
    return { ...base, status: 'printed', accounts: [], calls: [] };
  }
  const ticket =
    generation !== undefined
      ? { scopes: reconciler.scopesFor(accountIds), generation }
      : await reconciler.request(accountIds);
  const c = await reconciler.converged(ticket, GUARD_CONVERGE_TIMEOUT_MS * 5);
  const accounts: GuardAccountResult[] = c.scopes.map((s) => {
    const accountId =
      s.scope === ORGANIZATION_SCOPE ? (deps.config.guard.scp?.managementAccount ?? s.scope) : s.scope;
    if (s.status === 'converged')
      return s.result ? { ...s.result, accountId } : { accountId, status: 'unchanged', policies: [] };
    return { accountId, status: 'failed', policies: s.result?.policies ?? [], error: s.error ?? s.status };
  });
  const failed = accounts.filter((a) => a.status === 'failed').length;
  return {
    ...base,
    status: failed === 0 ? 'applied' : failed === accounts.length ? 'failed' : 'partial',
    accounts,
    calls: c.calls,
  };
}

/** A decision-log detail that stays small whatever the number of accounts: the calls are cut. */
function boundedDetail(text: string, calls: readonly string[]): string {
  const MAX_CALLS = 40;
  const shown = calls.slice(0, MAX_CALLS);
  const more = calls.length - shown.length;
  const out = `${text.slice(0, 4000)}${shown.length ? ` [${shown.join('; ')}${more ? `; … and ${more} more calls` : ''}]` : ''}`;
  return out.slice(0, 16_000);
}

/**
 * Reverses Block account: the owner leaves the guard, and findings it closed are open again.
 * Idempotent for one decision id (`ids`: a decision intent's, core/unblock-intent.ts): a run after a
 * crash finds its own log entry and finishes it — the owner taken off again (unless a later block
 * stored it anew), the guard converged, the block's findings reopened, the entry completed — never a
 * second entry, never refused because the earlier run already took the owner off.
 */
export async function unblockAccount(
  deps: CoreDeps,
  owner: string,
  by: Actor,
  ids: DecisionIds = { decisionId: randomUUID(), at: nowIso(deps) },
): Promise<BlockAccountResult> {
  const logged = await loggedDecision(deps, ids);
  if (logged?.outcome === 'refused') return { status: 'refused', ownerAccountId: owner, code: 'not-blocked' };
  const entry = await deps.store.getBlockedOwner(owner);
  if (!entry && !logged) return refuseBlock(deps, 'unblock-account', by, owner, 'not-blocked', ids);
  const accountIds = await monitoredAccountIdsNow(deps);
  const reopenable = async () =>
    (
      await deps.store.listFindings({ states: ['blocked', 'recorded', 'open'], ownerAccountId: owner })
    ).filter(
      (r) =>
        (r.state !== 'open' && r.decision?.action === 'block-account') ||
        // Reopened by an earlier run of this decision: shown again (its message may not say so yet).
        r.decision?.decisionId === ids.decisionId,
    );
  if (deps.config.remediation.dryRun) {
    const guard = await applyGuard(deps, { accountIds, overlay: { removeOwners: [owner] } });
    const reopen = (await reopenable()).filter((r) => r.state !== 'open');
    return {
      status: 'done',
      action: 'unblock-account',
      ownerAccountId: owner,
      outcome: 'planned',
      guard,
      verification: [],
      records: [],
      leftOpen: [],
      detail: `Dry run: would unblock ${owner} and reopen ${reopen.length} finding(s); nothing was changed.`,
    };
  }
  const at = ids.at;
  const decision: DecisionRecord = logged ?? {
    decisionId: ids.decisionId,
    action: 'unblock-account',
    ownerAccountId: owner,
    by,
    at,
    outcome: 'pending',
  };
  if (!logged) await appendDecisionOnce(deps, decision);
  // A block stored after this decision (a later Block account) is not this unblock's to take off.
  if (entry && entry.at <= at) await deps.store.deleteBlockedOwner(owner);
  const guard = await convergeOwner(deps, accountIds);
  const problems = guardProblems(guard);
  const outcome = problems.length ? 'failed' : 'succeeded';
  const detail = problems.length
    ? `Account ${owner} is no longer blocked in the store, but the guard could not be updated in ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''}; the guard reconciler retries (or \`shareguard guard apply\`).`
    : `Account ${owner} unblocked; the guard no longer denies its images and snapshots.`;
  const summary: DecisionSummary = {
    decisionId: decision.decisionId,
    action: 'unblock-account',
    by,
    at,
    outcome,
    detail,
  };
  const records: FindingRecord[] = [];
  for (const rec of await reopenable()) {
    if (rec.state === 'open') {
      records.push(rec);
      continue;
    }
    // Only what the block closed; a finding blocked by its own Remove decision stays blocked.
    const res = await deps.store.transitionFinding(rec.finding.id, ['blocked', 'recorded'], {
      state: 'open',
      decision: summary,
    });
    if (res.ok) records.push(res.record);
  }
  try {
    await deps.store.completeDecision(
      decision,
      outcome,
      boundedDetail(`${detail} Reopened ${records.length} finding(s).`, guard.calls),
      nowIso(deps),
    );
  } catch (err) {
    const current =
      err instanceof StoreConflictError ? (err.current as DecisionRecord | undefined) : undefined;
    // Completed already, by an earlier run of this decision: it stands.
    if (!current || current.outcome === 'pending') throw err;
  }
  deps.log.info({ owner, outcome, reopened: records.length, by: by.userId }, 'owner unblocked');
  return {
    status: 'done',
    action: 'unblock-account',
    ownerAccountId: owner,
    decisionId: decision.decisionId,
    outcome,
    guard,
    verification: [],
    records,
    leftOpen: [],
    detail,
  };
}
