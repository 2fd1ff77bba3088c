import type { DecisionSummary, FindingRecord } from '../domain/lifecycle.ts';
import { ORGANIZATION_SCOPE } from '../guard/apply.ts';
import { guardReconciler } from '../guard/reconciler.ts';
import { verifyBlocked, type GuardVerification } from '../guard/verify.ts';
import type { CoreDeps } from './deps.ts';

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
    // Through the reconciler (the guard's one writer): a newly monitored account gets the owner's deny.
    const reconciler = guardReconciler(deps);
    const converged = await Promise.all(reconciler.scopesFor(accountIds).map((s) => reconciler.reconcile(s)));
    const ok = new Set(converged.filter((c) => c.status === 'converged').map((c) => c.scope));
    const applied = new Set(accountIds.filter((a) => ok.has(mode === 'scp' ? ORGANIZATION_SCOPE : a)));
    // One verification per account and kind, with a real finding of that kind.
    for (const r of candidates) {
      const key = `${r.finding.accountId}|${r.finding.kind}`;
      if (verified.has(key)) continue;
      verified.set(
        key,
        applied.has(r.finding.accountId)
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
