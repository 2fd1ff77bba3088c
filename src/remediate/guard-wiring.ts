/**
 * The real guard (src/guard) behind the Block rung's port: the blocked resource is stored (write-ahead),
 * the guard is applied from the store for the finding's account, and verified by IAM simulation.
 * A dry run does not reach the port (the rung plans in words), but a dry-run port writes nothing and
 * plans the apply with the entry overlaid, should a caller use it.
 */
import type { CoreDeps } from '../core/deps.ts';
import { applyGuard, type GuardApplyResult } from '../guard/apply.ts';
import { verifyBlocked } from '../guard/verify.ts';
import type { BlockedResource, GuardPort } from './guard-port.ts';

export function guardPortFor(deps: CoreDeps, dryRun: boolean): GuardPort {
  const mode = deps.config.guard.mode;
  const d: CoreDeps =
    dryRun && !deps.config.remediation.dryRun
      ? { ...deps, config: { ...deps.config, remediation: { ...deps.config.remediation, dryRun: true } } }
      : deps;
  const planned: BlockedResource[] = [];
  return {
    mode,
    async putBlockedResource(e) {
      if (d.config.remediation.dryRun) planned.push(e);
      else await deps.store.putBlockedResource(e);
    },
    async apply(accountIds) {
      const r = await applyGuard(d, { accountIds, overlay: { addResources: planned } });
      return { calls: r.calls, summary: summarize(r) };
    },
    async verify(r) {
      const v = await verifyBlocked(d, r);
      return { verified: v.verified, evidence: v.detail, calls: v.calls };
    },
  };
}

function summarize(r: GuardApplyResult): string {
  const parts = r.accounts.map(
    (a) =>
      `${a.accountId}: ${a.status}${a.error ? ` (${a.error})` : ''}${
        a.policies.length ? ` [${a.policies.map((p) => `${p.name} ${p.change}`).join(', ')}]` : ''
      }`,
  );
  return `guard ${r.mode}${r.dryRun ? ' (dry run)' : ''}: ${r.status}${parts.length ? `; ${parts.join('; ')}` : ''}`;
}
