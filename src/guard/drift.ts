/**
 * Guard drift (docs/aws.md "Guard", drift repair): every scope's policies are read from AWS and compared
 * with the store's desired state. iam-policy / scp: a hand-edited, detached or deleted guard policy is
 * rewritten by the reconciler (the one writer); print: the difference is reported, nothing written.
 * Each distinct drift is told to the channel once (the scope's `driftNotice` remembers it).
 */
import type { CoreDeps } from '../core/deps.ts';
import { describeAwsError } from '../aws/errors.ts';
import { Limiter } from '../scan/limiter.ts';
import { applyScope, type GuardAccountResult } from './apply.ts';
import { CallLog } from './calls.ts';
import { guardReconciler } from './reconciler.ts';

export interface ScopeDrift {
  scope: string;
  /** `repaired`: rewritten from the store; `found`: reported only (print mode, or the repair failed). */
  status: 'repaired' | 'found';
  /** What differed, per policy: "ShareGuardBlocked: updated", "ShareGuardBlocked: attached to WorkloadRole". */
  changes: string[];
  error?: string;
  /** First time this drift is seen (the channel is told); false when it was told before. */
  isNew: boolean;
}

export interface DriftReport {
  mode: string;
  checked: number;
  drift: ScopeDrift[];
  /** Scopes that could not be read at all (AWS's words). */
  failed: Array<{ scope: string; error: string }>;
}

function changesOf(r: GuardAccountResult): string[] {
  const out: string[] = [];
  for (const p of r.policies) {
    if (p.change === 'created') out.push(`${p.name}: missing (deleted?)`);
    else if (p.change === 'updated') out.push(`${p.name}: differs from the store (edited?)`);
    for (const role of p.attached) out.push(`${p.name}: not attached to ${role}`);
    for (const role of p.detached) out.push(`${p.name}: surplus still attached to ${role}`);
  }
  return out;
}

/** Checks (and in iam-policy / scp repairs) every scope of the configuration. */
export async function checkGuardDrift(deps: CoreDeps): Promise<DriftReport> {
  const mode = deps.config.guard.mode;
  const report: DriftReport = { mode, checked: 0, drift: [], failed: [] };
  if (mode === 'off') return report;
  const reconciler = guardReconciler(deps);
  const limiter = new Limiter(8);
  const scopes = await reconciler.allScopes();
  await Promise.all(
    scopes.map((scope) =>
      limiter.run(async () => {
        report.checked++;
        try {
          const before = await deps.store.getGuardScope(scope);
          const clean = !before || before.requested <= before.applied;
          let result: GuardAccountResult | undefined;
          let repaired = false;
          if (reconciler.writes) {
            const r = await reconciler.reconcile(scope);
            result = r.result;
            repaired = r.status === 'converged';
            if (r.status !== 'converged' && !result) {
              report.failed.push({ scope, error: r.error ?? r.status });
              return;
            }
          } else {
            result = await applyScope(deps, scope, new CallLog(), true);
          }
          if (!result) return;
          if (result.status === 'failed' && !result.policies.length) {
            report.failed.push({ scope, error: result.error ?? 'failed' });
            return;
          }
          const changes = changesOf(result);
          // Writing a dirty scope is convergence, not drift.
          if (!changes.length || (reconciler.writes && !clean)) {
            if (before?.driftNotice) await deps.store.noteGuardScope(scope, { driftNotice: '' });
            return;
          }
          const fingerprint = changes.join('|');
          const isNew = before?.driftNotice !== fingerprint;
          if (isNew) await deps.store.noteGuardScope(scope, { driftNotice: fingerprint });
          report.drift.push({
            scope,
            status: repaired && result.status !== 'failed' ? 'repaired' : 'found',
            changes,
            ...(result.error ? { error: result.error } : {}),
            isNew,
          });
        } catch (err) {
          report.failed.push({ scope, error: describeAwsError(err) });
        }
      }),
    ),
  );
  report.drift.sort((a, b) => (a.scope < b.scope ? -1 : 1));
  return report;
}
