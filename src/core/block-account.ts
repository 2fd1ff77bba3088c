import { randomUUID } from 'node:crypto';
import { describeAwsError } from '../aws/errors.ts';
import type { ResourceKind } from '../domain/finding.ts';
import type { BlockedOwner } from '../domain/guard.ts';
import type {
  Actor,
  DecisionOutcome,
  DecisionRecord,
  DecisionSummary,
  FindingRecord,
  FindingState,
} from '../domain/lifecycle.ts';
import { applyGuard, type GuardApplyResult } from '../guard/apply.ts';
import { ownerProbe, verifyBlocked, type GuardVerification, type VerifyTarget } from '../guard/verify.ts';
import { Limiter } from '../scan/limiter.ts';
import { monitoredAccounts } from '../scan/from-config.ts';
import { nowIso, type CoreDeps } from './deps.ts';
import { logRefusal } from './decisions.ts';

/**
 * Block account — the opposite of Trust: every image and snapshot an owner shares, now and later, is
 * denied by the guard in every monitored account (docs/aws.md "Guard"). The owner is stored before
 * the guard is applied (write-ahead), so a failed apply is finished by the next one.
 */

/** Verification of one monitored account (iam-policy) or of the organization's SCPs (scp: `accountId` is `organization`). */
export interface AccountVerification {
  accountId: string;
  verified: boolean;
  /** One per kind checked. */
  checks: Array<{ kind: ResourceKind; verification: GuardVerification }>;
}

/**
 * Why Block / Unblock account refused (src/slack/messages/guard.ts words it): the owner is a monitored
 * account (blocking it would deny its own images in its own account), trusted by the configuration file,
 * on the trust list, or (unblock) not blocked.
 */
export type BlockRefusalCode = 'monitored-account' | 'trusted-by-config' | 'on-trust-list' | 'not-blocked';

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

const VERIFY_CONCURRENCY = 4;
/** States a Block account closes: waiting on someone, or Remove recorded without a guard. */
const CLOSABLE: readonly FindingState[] = ['open', 'owner-only', 'recorded'];

/** Logs the refusal (plain words, for the decision log) and returns it typed. */
async function refuseBlock(
  deps: CoreDeps,
  action: 'block-account' | 'unblock-account',
  by: Actor,
  owner: string,
  code: BlockRefusalCode,
): Promise<BlockAccountResult> {
  await logRefusal(deps, action, by, BLOCK_REFUSAL_LOG[code], { ownerAccountId: owner });
  return { status: 'refused', ownerAccountId: owner, code };
}

const BLOCK_REFUSAL_LOG: Record<BlockRefusalCode, string> = {
  'monitored-account': 'monitored account',
  'trusted-by-config': 'trusted by configuration',
  'on-trust-list': 'on the trust list',
  'not-blocked': 'not blocked',
};

async function refusalCode(deps: CoreDeps, owner: string): Promise<BlockRefusalCode | undefined> {
  if (monitoredAccounts(deps.config).some((a) => a.id === owner)) return 'monitored-account';
  if (deps.config.trust.accounts.some((t) => t.id === owner)) return 'trusted-by-config';
  if (await deps.store.getTrust(owner)) return 'on-trust-list';
  return undefined;
}

/** Verifies the owner's block in each account (iam-policy) or once for the organization (scp). */
async function verifyOwner(
  deps: CoreDeps,
  owner: string,
  accountIds: readonly string[],
  samples: ReadonlyMap<string, VerifyTarget> = new Map(),
): Promise<AccountVerification[]> {
  const kinds = deps.config.kinds;
  const region = deps.config.aws.homeRegion;
  const scopes = deps.config.guard.mode === 'scp' ? [accountIds[0] ?? ''] : [...accountIds];
  const limiter = new Limiter(VERIFY_CONCURRENCY);
  return Promise.all(
    scopes.map((accountId) =>
      limiter.run(async (): Promise<AccountVerification> => {
        const probes = ownerProbe(owner, accountId, region).filter((p) => kinds.includes(p.kind));
        const checks: AccountVerification['checks'] = [];
        for (const probe of probes) {
          // A real resource of that kind, when there is one, makes the evidence concrete.
          const target = samples.get(`${accountId}|${probe.kind}`) ?? probe;
          checks.push({ kind: probe.kind, verification: await verifyBlocked(deps, target) });
        }
        return {
          accountId: deps.config.guard.mode === 'scp' ? 'organization' : accountId,
          verified: checks.length > 0 && checks.every((c) => c.verification.verified),
          checks,
        };
      }),
    ),
  );
}

function callsOf(guard: GuardApplyResult, verification: AccountVerification[]): string[] {
  return [...guard.calls, ...verification.flatMap((v) => v.checks.flatMap((c) => c.verification.calls))];
}

function guardProblems(guard: GuardApplyResult): string[] {
  return guard.accounts
    .filter((a) => a.status === 'failed')
    .map((a) => `${a.accountId}: ${a.error ?? 'failed'}`);
}

/** Blocks every image and snapshot of `owner` in every monitored account and closes its open findings. */
export async function blockAccount(
  deps: CoreDeps,
  owner: string,
  by: Actor,
  reason?: string,
): Promise<BlockAccountResult> {
  const refused = await refusalCode(deps, owner);
  if (refused) return refuseBlock(deps, 'block-account', by, owner, refused);
  const accountIds = monitoredAccounts(deps.config).map((a) => a.id);
  const mode = deps.config.guard.mode;

  if (deps.config.remediation.dryRun) {
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
      detail: `Dry run: would block ${owner} (${mode}) and close ${open.length} finding(s); nothing was changed.`,
    };
  }

  const at = nowIso(deps);
  const decision: DecisionRecord = {
    decisionId: randomUUID(),
    action: 'block-account',
    ownerAccountId: owner,
    by,
    at,
    outcome: 'pending',
    ...(reason ? { detail: `reason: ${reason}` } : {}),
  };
  await deps.store.appendDecision(decision);
  const entry: BlockedOwner = {
    ownerAccountId: owner,
    decisionId: decision.decisionId,
    by,
    at,
    ...(reason ? { reason } : {}),
  };
  await deps.store.putBlockedOwner(entry);
  return carryOutBlock(deps, decision, entry);
}

/**
 * The AWS part of Block account, once the decision is logged and the owner stored: apply, verify,
 * close the owner's findings, complete the decision. Also finishes one a crash interrupted.
 */
async function carryOutBlock(
  deps: CoreDeps,
  decision: DecisionRecord,
  entry: BlockedOwner,
): Promise<BlockAccountResult> {
  const owner = entry.ownerAccountId;
  const { by, at } = decision;
  const reason = entry.reason;
  const accountIds = monitoredAccounts(deps.config).map((a) => a.id);
  const mode = deps.config.guard.mode;
  let guard: GuardApplyResult;
  let verification: AccountVerification[] = [];
  try {
    guard = await applyGuard(deps, { accountIds });
    if (mode === 'iam-policy' || mode === 'scp') {
      const okAccounts = guard.accounts.filter((a) => a.status !== 'failed').map((a) => a.accountId);
      const open = await deps.store.listFindings({ states: CLOSABLE, ownerAccountId: owner });
      const samples = new Map<string, VerifyTarget>();
      for (const r of open) samples.set(`${r.finding.accountId}|${r.finding.kind}`, r.finding);
      const scope = mode === 'scp' ? (okAccounts.length ? accountIds : []) : okAccounts;
      verification = scope.length ? await verifyOwner(deps, owner, scope, samples) : [];
    }
  } catch (err) {
    // applyGuard reports AWS failures per account; this is the store or a bug. The owner stays stored.
    const detail = `Could not apply the guard: ${describeAwsError(err)}`;
    await deps.store.completeDecision(decision, 'failed', detail, nowIso(deps));
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
      : `Account ${owner} is stored as blocked but not verified everywhere: ${problems.join('; ')}. Block it again to retry.`;

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
  await deps.store.completeDecision(
    decision,
    outcome === 'blocked' || outcome === 'recorded' ? outcome : 'failed',
    `${detail}${reason ? ` Reason: ${reason}.` : ''} Closed ${records.length} finding(s).${calls.length ? ` [${calls.join('; ')}]` : ''}`,
    nowIso(deps),
  );
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
 * Finishes Block account decisions a crash left pending (the owner is stored, the outcome is not).
 * Applying and verifying again is idempotent. Call at start-up, next to resumeInterruptedRemovals.
 */
export async function resumeInterruptedBlocks(deps: CoreDeps): Promise<FindingRecord[]> {
  const out: FindingRecord[] = [];
  for (const entry of await deps.store.listBlockedOwners()) {
    const decision = (await deps.store.listDecisions({ since: entry.at, until: entry.at })).find(
      (x) => x.decisionId === entry.decisionId,
    );
    if (!decision || decision.outcome !== 'pending' || deps.config.remediation.dryRun) continue;
    deps.log.warn({ owner: entry.ownerAccountId }, 'finishing a Block account interrupted by a restart');
    const r = await carryOutBlock(deps, decision, entry);
    if (r.status === 'done') out.push(...r.records);
  }
  return out;
}

/** Reverses Block account: the owner leaves the guard, and findings it closed are open again. */
export async function unblockAccount(deps: CoreDeps, owner: string, by: Actor): Promise<BlockAccountResult> {
  const entry = await deps.store.getBlockedOwner(owner);
  if (!entry) return refuseBlock(deps, 'unblock-account', by, owner, 'not-blocked');
  const accountIds = monitoredAccounts(deps.config).map((a) => a.id);
  const reopenable = async () =>
    (await deps.store.listFindings({ states: ['blocked', 'recorded'], ownerAccountId: owner })).filter(
      (r) => r.decision?.action === 'block-account',
    );
  if (deps.config.remediation.dryRun) {
    const guard = await applyGuard(deps, { accountIds, overlay: { removeOwners: [owner] } });
    const reopen = await reopenable();
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
  const at = nowIso(deps);
  const decision: DecisionRecord = {
    decisionId: randomUUID(),
    action: 'unblock-account',
    ownerAccountId: owner,
    by,
    at,
    outcome: 'pending',
  };
  await deps.store.appendDecision(decision);
  await deps.store.deleteBlockedOwner(owner);
  const guard = await applyGuard(deps, { accountIds });
  const problems = guardProblems(guard);
  const outcome = problems.length ? 'failed' : 'succeeded';
  const detail = problems.length
    ? `Account ${owner} is no longer blocked in the store, but the guard could not be updated in ${problems.join('; ')}; run \`shareguard guard apply\` to retry.`
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
    // Only what the block closed; a finding blocked by its own Remove decision stays blocked.
    const res = await deps.store.transitionFinding(rec.finding.id, ['blocked', 'recorded'], {
      state: 'open',
      decision: summary,
    });
    if (res.ok) records.push(res.record);
  }
  await deps.store.completeDecision(
    decision,
    outcome,
    `${detail} Reopened ${records.length} finding(s).${guard.calls.length ? ` [${guard.calls.join('; ')}]` : ''}`,
    nowIso(deps),
  );
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

/**
 * The scan's hook (call it in scanAndRecord on the findings about to be posted): a new or shared-again
 * finding of a blocked owner is not posted as open. It is closed as `blocked` when the guard of its
 * account verifies (applied first, so a newly monitored account gets it), as `recorded` when the guard
 * is off or print, and left to be posted when the guard could not be verified there.
 */
export async function holdBackBlockedOwners(
  deps: CoreDeps,
  toPost: readonly FindingRecord[],
): Promise<{ toPost: FindingRecord[]; closed: FindingRecord[] }> {
  const owners = new Map((await deps.store.listBlockedOwners()).map((o) => [o.ownerAccountId, o]));
  const candidates = toPost.filter((r) => owners.has(r.finding.ownerAccountId) && r.state === 'open');
  if (!candidates.length) return { toPost: [...toPost], closed: [] };
  const mode = deps.config.guard.mode;
  const recordedOnly = mode === 'off' || mode === 'print' || deps.config.remediation.dryRun;
  const verified = new Map<string, GuardVerification>();
  if (!recordedOnly) {
    const accountIds = [...new Set(candidates.map((r) => r.finding.accountId))];
    const guard = await applyGuard(deps, { accountIds });
    const applied = new Set(guard.accounts.filter((a) => a.status !== 'failed').map((a) => a.accountId));
    // One verification per account and kind, with a real finding of that kind.
    for (const r of candidates) {
      const key = `${r.finding.accountId}|${r.finding.kind}`;
      if (verified.has(key)) continue;
      const ok = mode === 'scp' ? guard.status !== 'failed' : applied.has(r.finding.accountId);
      verified.set(
        key,
        ok
          ? await verifyBlocked(deps, r.finding)
          : { verified: false, evidence: [], blockedBy: [], detail: 'guard not applied', calls: [] },
      );
    }
  }
  const closed: FindingRecord[] = [];
  const closedIds = new Set<string>();
  for (const r of candidates) {
    const o = owners.get(r.finding.ownerAccountId)!;
    const v = verified.get(`${r.finding.accountId}|${r.finding.kind}`);
    if (!recordedOnly && !v?.verified) {
      deps.log.warn(
        { findingId: r.finding.id, detail: v?.detail },
        'share of a blocked owner not verified blocked: posting it',
      );
      continue;
    }
    const summary: DecisionSummary = {
      decisionId: o.decisionId,
      action: 'block-account',
      by: o.by,
      at: o.at,
      outcome: recordedOnly ? 'recorded' : 'blocked',
      detail: recordedOnly
        ? `Shared by ${o.ownerAccountId}, which is blocked; the guard is ${deps.config.remediation.dryRun ? 'in dry run' : mode}, so nothing blocks it in AWS.`
        : `Shared by ${o.ownerAccountId}, which is blocked: ${v!.detail}`,
    };
    const res = await deps.store.transitionFinding(r.finding.id, ['open'], {
      state: recordedOnly ? 'recorded' : 'blocked',
      decision: summary,
    });
    if (res.ok) {
      closed.push(res.record);
      closedIds.add(r.finding.id);
    }
  }
  return { toPost: toPost.filter((r) => !closedIds.has(r.finding.id)), closed };
}
