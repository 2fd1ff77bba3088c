/** The real guard (src/guard) behind the Block rung's port: desired state in the store, the reconciler writes. */
import type { CoreDeps } from '../core/deps.ts';
import { applyGuard } from '../guard/apply.ts';
import { describeApply } from '../guard/cli.ts';
import { changeGuard, describeConvergence, verifyWithRetry } from '../guard/desired.ts';
import type { GuardPort } from './guard-port.ts';

export function guardPortFor(deps: CoreDeps): GuardPort {
  return {
    mode: deps.config.guard.mode,
    async block(e) {
      const c = await changeGuard(deps, { accountIds: [e.accountId], put: [e] });
      return { ok: c.ok, calls: c.calls, summary: describeConvergence(c) };
    },
    async unblock(e) {
      const c = await changeGuard(deps, { accountIds: [e.accountId], remove: [e.findingId] });
      return { ok: c.ok, calls: c.calls, summary: describeConvergence(c) };
    },
    async plan(accountIds, planned) {
      const r = await applyGuard(deps, { accountIds, overlay: { addResources: [planned] } });
      const ok = r.status !== 'failed' && r.status !== 'partial';
      return { ok, calls: r.calls, summary: describeApply(r).replace(/\n\s*/g, ' ') };
    },
    async verify(r) {
      const v = await verifyWithRetry(deps, r);
      return { verified: v.verified, evidence: v.detail, calls: v.calls };
    },
  };
}
