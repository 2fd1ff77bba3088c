import { partitionOf } from '../domain/ids.ts';
import type { BlockedResource, GuardFormat, GuardMode, GuardPolicy } from '../domain/guard.ts';
import type { CoreDeps } from '../core/deps.ts';
import { Limiter } from '../scan/limiter.ts';
import { monitoredAccountsNow } from '../scan/monitored-now.ts';
import { applyIamAccount } from './apply-iam.ts';
import { applyScp } from './apply-scp.ts';
import { CallLog } from './calls.ts';
import { renderGuard } from './render.ts';

/** What happened to one guard policy (`ref`: the IAM policy ARN or the SCP id). */
export interface GuardPolicyOutcome {
  name: string;
  ref?: string;
  /** `emptied`: a numbered policy the guard no longer needs (denies nothing real, detached). */
  change: 'created' | 'updated' | 'unchanged' | 'emptied';
  /** Roles (iam-policy) or targets (scp) attached / detached by this apply. */
  attached: string[];
  detached: string[];
  /** Old non-default versions deleted to stay within IAM's 5 versions. */
  prunedVersions: string[];
}

export interface GuardAccountResult {
  /** The monitored account (iam-policy, print) or the management account (scp). */
  accountId: string;
  status: 'applied' | 'unchanged' | 'planned' | 'printed' | 'failed';
  policies: GuardPolicyOutcome[];
  /** AWS's error in plain words (status `failed`). */
  error?: string;
  /** AWS's error code (status `failed`): the reconciler retries the ones another writer causes. */
  code?: string;
}

export interface GuardApplyResult {
  mode: GuardMode;
  dryRun: boolean;
  /**
   * `applied`: every account is up to date; `partial` / `failed`: some / all accounts failed (see
   * `accounts`); `planned`: dry run; `printed`: guard.mode print; `off`: guard.mode off.
   */
  status: 'applied' | 'partial' | 'failed' | 'planned' | 'printed' | 'off';
  accounts: GuardAccountResult[];
  /** The rendered policies: per monitored account (iam-policy, print) or for the organization (scp). */
  rendered: { scope: string; format: GuardFormat; policies: GuardPolicy[] }[];
  calls: string[];
}

/**
 * Changes a dry run plans on top of the store (the decision is not stored in a dry run, so the plan is
 * rendered as if it were).
 */
export interface GuardOverlay {
  addResources?: readonly BlockedResource[];
  removeFindingIds?: readonly string[];
  addOwners?: readonly string[];
  removeOwners?: readonly string[];
}

export interface ApplyGuardQuery {
  /** The monitored accounts whose guard must reflect the store (iam-policy, print); ignored by scp. */
  accountIds: readonly string[];
  overlay?: GuardOverlay;
}

const ACCOUNT_CONCURRENCY = 4;

/**
 * Applies the guard per `config.guard.mode`, derived from the store (blocked resources and owners).
 * Never throws for an AWS failure: each account's failure is in its result. `remediation.dryRun`:
 * reads only, and the result says what would change.
 */
export async function applyGuard(deps: CoreDeps, q: ApplyGuardQuery): Promise<GuardApplyResult> {
  const mode = deps.config.guard.mode;
  const dryRun = deps.config.remediation.dryRun;
  const log = new CallLog();
  const base: Omit<GuardApplyResult, 'status'> = {
    mode,
    dryRun,
    accounts: [],
    rendered: [],
    calls: log.entries,
  };
  if (mode === 'off') return { ...base, status: 'off' };

  const input = await guardInput(deps, q.overlay);
  const partition = partitionOf(deps.config.aws.homeRegion);
  const policyNameBase = deps.config.guard.policyName;

  if (mode === 'scp') {
    const policies = renderGuard(
      { resources: input.resources, owners: input.owners, policyName: policyNameBase, partition },
      'scp',
    );
    base.rendered.push({ scope: 'organization', format: 'scp', policies });
    const result = await applyScp(deps, policies, dryRun, log);
    return { ...base, accounts: [result], status: overall([result], dryRun) };
  }

  const monitored = new Map((await monitoredAccountsNow(deps)).map((a) => [a.id, a]));
  const accountIds = [...new Set(q.accountIds)].sort();
  const limiter = new Limiter(ACCOUNT_CONCURRENCY);
  const results = await Promise.all(
    accountIds.map((accountId) =>
      limiter.run(async (): Promise<GuardAccountResult> => {
        const policies = renderGuard(
          {
            resources: input.resources.filter((r) => r.accountId === accountId),
            owners: input.owners,
            policyName: policyNameBase,
            partition,
          },
          'iam',
        );
        base.rendered.push({ scope: accountId, format: 'iam', policies });
        if (mode === 'print') return { accountId, status: 'printed', policies: [] };
        const account = monitored.get(accountId);
        if (!account) {
          return {
            accountId,
            status: 'failed',
            policies: [],
            error: `${accountId} is not a monitored account, so shareguard has no role there`,
          };
        }
        return applyIamAccount(deps, account, policies, dryRun, log);
      }),
    ),
  );
  base.rendered.sort((a, b) => (a.scope < b.scope ? -1 : a.scope > b.scope ? 1 : 0));
  if (mode === 'print') return { ...base, accounts: results, status: 'printed' };
  return { ...base, accounts: results, status: overall(results, dryRun) };
}

/** The scope the guard of one monitored account is written in: the account (iam-policy, print) or the organization (scp). */
export const ORGANIZATION_SCOPE = 'organization';

export function scopesFor(deps: Pick<CoreDeps, 'config'>, accountIds: readonly string[]): string[] {
  if (deps.config.guard.mode === 'scp') return accountIds.length ? [ORGANIZATION_SCOPE] : [];
  return [...new Set(accountIds)].sort();
}

/**
 * Writes one scope's guard from the store as it is now (iam-policy: one account's policies; scp: the
 * organization's). The guard reconciler (reconciler.ts) is its only caller for a real write; `dryRun`
 * reads only. Never throws for an AWS failure.
 */
export async function applyScope(
  deps: CoreDeps,
  scope: string,
  log: CallLog,
  dryRun = deps.config.remediation.dryRun,
): Promise<GuardAccountResult> {
  const input = await guardInput(deps);
  const partition = partitionOf(deps.config.aws.homeRegion);
  const policyNameBase = deps.config.guard.policyName;
  if (scope === ORGANIZATION_SCOPE) {
    const policies = renderGuard(
      { resources: input.resources, owners: input.owners, policyName: policyNameBase, partition },
      'scp',
    );
    return applyScp(deps, policies, dryRun, log);
  }
  const account = (await monitoredAccountsNow(deps)).find((a) => a.id === scope);
  if (!account)
    return {
      accountId: scope,
      status: 'failed',
      policies: [],
      error: `${scope} is not a monitored account, so shareguard has no role there`,
    };
  const policies = renderGuard(
    {
      resources: input.resources.filter((r) => r.accountId === scope),
      owners: input.owners,
      policyName: policyNameBase,
      partition,
    },
    'iam',
  );
  return applyIamAccount(deps, account, policies, dryRun, log);
}

/** The guard's inputs as the store holds them (plus a dry run's overlay). */
export async function guardInput(
  deps: Pick<CoreDeps, 'store'>,
  overlay: GuardOverlay = {},
): Promise<{ resources: BlockedResource[]; owners: string[] }> {
  const [resources, owners] = await Promise.all([
    deps.store.listBlockedResources(),
    deps.store.listBlockedOwners(),
  ]);
  const removedFindings = new Set(overlay.removeFindingIds ?? []);
  const removedOwners = new Set(overlay.removeOwners ?? []);
  return {
    resources: [...resources, ...(overlay.addResources ?? [])].filter(
      (r) => !removedFindings.has(r.findingId),
    ),
    owners: [...owners.map((o) => o.ownerAccountId), ...(overlay.addOwners ?? [])].filter(
      (o) => !removedOwners.has(o),
    ),
  };
}

function overall(results: GuardAccountResult[], dryRun: boolean): GuardApplyResult['status'] {
  const failed = results.filter((r) => r.status === 'failed').length;
  if (failed === 0) return dryRun ? 'planned' : 'applied';
  return failed === results.length ? 'failed' : 'partial';
}
