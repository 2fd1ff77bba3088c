/**
 * Changing what the guard blocks: the one call decisions make (docs/aws.md "Guard"). The desired state
 * is written to the store first, the guard revision is bumped, and the call waits (bounded) for the
 * reconciler to write a revision that holds it. Nothing here writes a policy.
 */
import type { CoreDeps } from '../core/deps.ts';
import type { BlockedOwner, BlockedResource } from '../domain/guard.ts';
import { guardReconciler, type Convergence, type GuardTicket } from './reconciler.ts';
import { verifyBlocked, type GuardVerification, type VerifyTarget } from './verify.ts';

/** How long a decision waits for the guard to converge before it reports what it knows. */
export const GUARD_CONVERGE_TIMEOUT_MS = 120_000;

export interface GuardChange {
  /** The monitored accounts whose guard the change concerns (all of them for an owner). */
  accountIds: readonly string[];
  put?: readonly BlockedResource[];
  /** Finding ids taken off the guard. */
  remove?: readonly string[];
  putOwner?: BlockedOwner;
  removeOwner?: string;
  /** Wait for this revision instead of bumping a new one (a change a crash interrupted after its request). */
  generation?: number;
  timeoutMs?: number;
}

export interface GuardChangeResult extends Convergence {
  /** False when the mode writes nothing (off, print): the change is recorded only. */
  written: boolean;
  ticket?: GuardTicket;
}

/** Writes the desired state, requests the guard, waits for it. Store failures throw; AWS's never do. */
export async function changeGuard(deps: CoreDeps, change: GuardChange): Promise<GuardChangeResult> {
  const store = deps.store;
  for (const e of change.put ?? []) await store.putBlockedResource(e);
  for (const id of change.remove ?? []) await store.deleteBlockedResource(id);
  if (change.putOwner) await store.putBlockedOwner(change.putOwner);
  if (change.removeOwner) await store.deleteBlockedOwner(change.removeOwner);
  const reconciler = guardReconciler(deps);
  const ticket = await reconciler.request(change.accountIds, change.generation);
  if (!reconciler.writes) return { ok: false, written: false, scopes: [], calls: [], ticket };
  const c = await reconciler.converged(ticket, change.timeoutMs ?? GUARD_CONVERGE_TIMEOUT_MS);
  return { ...c, written: true, ticket };
}

/** Plain words for a convergence (AWS's errors included; bounded for a message or the decision log). */
export function describeConvergence(c: Convergence): string {
  const failed = c.scopes.filter((s) => s.status !== 'converged');
  if (!failed.length)
    return c.scopes.length === 1
      ? `The guard of ${c.scopes[0]!.scope} holds it.`
      : `The guard holds it in ${c.scopes.length} scopes.`;
  const shown = failed
    .slice(0, 5)
    .map(
      (s) =>
        `${s.scope}: ${s.status === 'timeout' ? 'not written in time' : 'failed'}${s.error ? ` (${s.error})` : ''}`,
    );
  return `${shown.join('; ')}${failed.length > shown.length ? `; and ${failed.length - shown.length} more` : ''}.`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * verifyBlocked, asked again a few times when IAM does not deny yet: a new policy version can take
 * seconds to be enforced everywhere (docs/aws.md "Guard": eventual consistency).
 */
export async function verifyWithRetry(
  deps: CoreDeps,
  r: VerifyTarget,
  waits: readonly number[] = [500, 1500, 3000],
): Promise<GuardVerification> {
  let v = await verifyBlocked(deps, r);
  const calls = [...v.calls];
  for (const ms of waits) {
    if (v.verified || !v.evidence.length) break;
    await sleep(ms);
    v = await verifyBlocked(deps, r);
    calls.push(...v.calls);
  }
  return { ...v, calls };
}

/** Whether IAM lets the workload role use it again: evidence for every action, none an explicit deny. */
export interface LiftVerification {
  lifted: boolean;
  detail: string;
  calls: string[];
}

export async function verifyLifted(
  deps: CoreDeps,
  r: VerifyTarget,
  waits: readonly number[] = [500, 1500, 3000],
): Promise<LiftVerification> {
  const calls: string[] = [];
  let v: GuardVerification | undefined;
  for (let i = 0; i <= waits.length; i++) {
    if (i > 0) await sleep(waits[i - 1]!);
    v = await verifyBlocked(deps, r);
    calls.push(...v.calls);
    if (v.evidence.length && !v.evidence.some((e) => e.decision === 'explicitDeny')) {
      return {
        lifted: true,
        detail: `IAM no longer denies ${[...new Set(v.evidence.map((e) => e.action))].join(', ')} on ${r.resourceId}.`,
        calls,
      };
    }
    if (!v.evidence.length) break;
  }
  const denied = v?.evidence.filter((e) => e.decision === 'explicitDeny') ?? [];
  return {
    lifted: false,
    detail: denied.length
      ? `IAM still denies ${denied.map((e) => e.action).join(', ')} on ${r.resourceId}${denied[0]?.policy ? ` (${denied[0].policy})` : ''}.`
      : `Could not check that ${r.resourceId} is usable again: ${v?.detail ?? 'no answer'}`,
    calls,
  };
}
