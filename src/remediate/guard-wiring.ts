/** The real guard (src/guard) behind the Block rung's port. */
import type { CoreDeps } from '../core/deps.ts';
import { applyGuard } from '../guard/apply.ts';
import { describeApply } from '../guard/cli.ts';
import { verifyBlocked } from '../guard/verify.ts';
import type { GuardPort } from './guard-port.ts';

export function guardPortFor(deps: CoreDeps): GuardPort {
  return {
    mode: deps.config.guard.mode,
    putBlockedResource: (e) => deps.store.putBlockedResource(e),
    async apply(accountIds, planned) {
      const r = await applyGuard(deps, {
        accountIds,
        ...(planned ? { overlay: { addResources: [planned] } } : {}),
      });
      const ok = r.status !== 'failed' && r.status !== 'partial';
      return { ok, calls: r.calls, summary: describeApply(r).replace(/\n\s*/g, ' ') };
    },
    async verify(r) {
      const v = await verifyBlocked(deps, r);
      return { verified: v.verified, evidence: v.detail, calls: v.calls };
    },
  };
}
