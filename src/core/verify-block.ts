/** Block account's evidence: the owner's block verified per monitored account (or once for the SCPs). */
import type { ResourceKind } from '../domain/finding.ts';
import type { GuardApplyResult } from '../guard/apply.ts';
import { ownerProbe, verifyBlocked, type GuardVerification, type VerifyTarget } from '../guard/verify.ts';
import { Limiter } from '../scan/limiter.ts';
import type { CoreDeps } from './deps.ts';

/** Verification of one monitored account (iam-policy) or of the organization's SCPs (scp: `accountId` is `organization`). */
export interface AccountVerification {
  accountId: string;
  verified: boolean;
  /** One per kind checked. */
  checks: Array<{ kind: ResourceKind; verification: GuardVerification }>;
}

const VERIFY_CONCURRENCY = 16;

/** Verifies the owner's block in each account (iam-policy) or once for the organization (scp). */
export async function verifyOwner(
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

export function callsOf(guard: GuardApplyResult, verification: AccountVerification[]): string[] {
  return [...guard.calls, ...verification.flatMap((v) => v.checks.flatMap((c) => c.verification.calls))];
}

export function guardProblems(guard: GuardApplyResult): string[] {
  return guard.accounts
    .filter((a) => a.status === 'failed')
    .map((a) => `${a.accountId}: ${a.error ?? 'failed'}`);
}
