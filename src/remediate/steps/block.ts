/**
 * Rung 3: block use of whatever stays visible, with the guard (deny statements AWS enforces, derived
 * from the store; src/guard). The blocked resource goes on the desired state first; the guard
 * reconciler writes it (src/guard/reconciler.ts); then IAM simulation must answer explicitDeny.
 * `blocked` only when written and verified, else rolled back and `failed`; `recorded` when the guard
 * is off or only printed. docs/aws.md "Guard"
 */
import { describeAwsError } from '../../aws/errors.ts';
import { guardIamActions } from '../../guard/iam-actions.ts';
import type { Finding } from '../../domain/finding.ts';
import type { BlockedResource } from '../guard-port.ts';
import type { Remediation, RemediationDeps, StepOutcome } from '../types.ts';
import { failed } from './words.ts';
import { RESOURCE_WORDS } from './words.ts';

/** What the guard calls (src/guard/iam-actions.ts), whatever its mode. */
export const GUARD_IAM_ACTIONS = [
  ...new Set([...guardIamActions('iam-policy'), ...guardIamActions('scp')]),
].sort();

export function blockedResourceOf(f: Finding, deps: Pick<RemediationDeps, 'decision'>): BlockedResource {
  return {
    findingId: f.id,
    kind: f.kind,
    accountId: f.accountId,
    region: f.region,
    resourceId: f.resourceId,
    resourceArn: f.resourceArn,
    ownerAccountId: f.ownerAccountId,
    decisionId: deps.decision.decisionId,
    by: deps.decision.by,
    at: deps.decision.at,
  };
}

/**
 * Takes a block that did not hold off the desired state again and waits for the guard to drop it, so
 * nothing reported failed stays enforced. If that cannot be written now, the periodic reconciler does it.
 */
async function rollBack(
  deps: RemediationDeps,
  entry: BlockedResource,
  why: string,
  calls: string[],
): Promise<StepOutcome> {
  try {
    const back = await deps.guard.unblock(entry);
    calls.push(...back.calls);
    if (back.ok)
      return failed(`Not blocked: ${why}. It was taken off the guard again, so nothing denies it.`, calls);
    return failed(
      `Not blocked: ${why}. It was taken off the guard's desired state; removing any deny already written is pending and will be retried (${back.summary})`,
      calls,
    );
  } catch (err) {
    return failed(
      `Not blocked: ${why}. Taking it off the guard failed too (${describeAwsError(err)}); the periodic reconciler retries.`,
      calls,
    );
  }
}

const ONLY_OWNER = (f: Finding) => `only the owner ${f.ownerAccountId} can unshare it`;

export const block: Remediation = {
  id: 'block',
  title: 'Block use',
  iamActions: { guard: GUARD_IAM_ACTIONS },
  appliesTo: () => true,
  plan(f, ctx) {
    const what = `${RESOURCE_WORDS[f.kind]} ${f.resourceId}`;
    switch (ctx.guardMode) {
      case 'off':
        return `Record the decision: the guard is off, so nothing will block use of ${what}; ${ONLY_OWNER(f)}.`;
      case 'print':
        return `Add ${what} to the guard and record the decision; it is not blocked until the printed policy (\`shareguard guard print\`) is applied.`;
      case 'iam-policy':
        return `Block use of ${what} in account ${f.accountId}: add it to the guard policy there and verify AWS denies it.`;
      case 'scp':
        return `Block use of ${what}: add it to the organization's guard SCP and verify AWS denies it.`;
    }
  },
  step: (_f, ctx) =>
    ctx.guardMode === 'off'
      ? 'record the decision (guard off: nothing blocks its use)'
      : ctx.guardMode === 'print'
        ? 'add it to the printed guard (not blocked until you apply it)'
        : `block its use with the guard (${ctx.guardMode}), verified`,
  async run(f, deps) {
    const mode = deps.guard.mode;
    const what = `${RESOURCE_WORDS[f.kind]} ${f.resourceId}`;
    if (deps.context.dryRun) {
      if (mode === 'off' || mode === 'print')
        return {
          status: 'done',
          result: 'would',
          detail:
            mode === 'off'
              ? `Dry run: would record the decision (guard off: nothing would block ${what}).`
              : `Dry run: would add ${what} to the printed guard (not blocked until it is applied).`,
          calls: [],
          stillVisible: true,
        };
      // Reads only: the guard is rendered as if the resource were stored, and says what would change.
      try {
        const planned = await deps.guard.plan([f.accountId], blockedResourceOf(f, deps));
        return {
          status: planned.ok ? 'done' : 'failed',
          result: planned.ok ? 'would' : 'error',
          detail: `Dry run: would block ${what}. ${planned.summary}`,
          calls: planned.calls,
          stillVisible: true,
        };
      } catch (err) {
        return failed(`Planning the guard failed: ${describeAwsError(err)}`, []);
      }
    }
    if (mode === 'off') {
      return {
        status: 'done',
        result: 'recorded',
        detail: `AWS offers the account no way to remove it and the guard is off (guard.mode: off), so nothing blocks its use: ${ONLY_OWNER(f)}. The decision is recorded.`,
        calls: [],
        stillVisible: true,
      };
    }
    const entry = blockedResourceOf(f, deps);
    if (mode === 'print') {
      try {
        await deps.guard.block(entry);
      } catch (err) {
        return failed(`Could not record the blocked resource: ${describeAwsError(err)}`, []);
      }
      return {
        status: 'done',
        result: 'recorded',
        detail: `Added to the guard, but guard.mode is print: it is not blocked until the printed policy (\`shareguard guard print\`) is applied. ${ONLY_OWNER(f)[0]!.toUpperCase()}${ONLY_OWNER(f).slice(1)}.`,
        calls: [],
        stillVisible: true,
      };
    }
    // The desired state, then the reconciler writes it; "blocked" only once a written revision holds
    // it and IAM denies it. Anything less is rolled back, so a failed block never enforces.
    const calls: string[] = [];
    let why: string;
    try {
      const applied = await deps.guard.block(entry);
      calls.push(...applied.calls);
      if (applied.ok) {
        const v = await deps.guard.verify(entry);
        calls.push(...v.calls);
        if (v.verified)
          return {
            status: 'done',
            result: 'blocked',
            detail: `${v.evidence} It stays listed in the account (${ONLY_OWNER(f)}), but AWS denies using it.`,
            calls,
            stillVisible: true,
          };
        why = `the guard was written but AWS does not deny ${what}: ${v.evidence}`;
      } else why = `the guard could not be written: ${applied.summary}`;
    } catch (err) {
      why = `the guard could not be changed: ${describeAwsError(err)}`;
    }
    return rollBack(deps, entry, why, calls);
  },
  async verify(f, deps) {
    const v = await deps.guard.verify(blockedResourceOf(f, deps));
    return { ok: v.verified, detail: v.evidence, calls: v.calls };
  },
};
