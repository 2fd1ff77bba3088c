/**
 * Allowed AMIs kept in step with the trust list, in every monitored account-region
 * (docs/aws.md "Allowed AMIs"; config `guard.allowedAmis`: off | audit | enforce).
 *
 * - `check` reads each account-region's settings and reports drift (state or criteria changed by hand).
 * - `apply` replaces the criteria and sets the state where they differ — after a trust, untrust or
 *   block-account decision, and from the CLI. Dry run (`remediation.dryRun`) says what it would do.
 * - An account-region managed by a declarative policy, or a trust list over AWS's limits, is never
 *   changed: the report says so (and `shareguard guard print --format declarative` prints the policy).
 * Every change is written to the decision log before the AWS calls and completed after them.
 */
import { randomUUID } from 'node:crypto';
import {
  EnableAllowedImagesSettingsCommand,
  GetAllowedImagesSettingsCommand,
  ReplaceImageCriteriaInAllowedImagesSettingsCommand,
  type EC2Client,
  type ImageCriterion as SdkImageCriterion,
} from '@aws-sdk/client-ec2';
import type { Config } from '../config/schema.ts';
import type { Actor } from '../domain/lifecycle.ts';
import type { MonitoredAccount } from '../aws/account.ts';
import { describeAwsError } from '../aws/errors.ts';
import { regionsFor } from '../aws/targets.ts';
import { currentTrust } from '../core/trust.ts';
import { nowIso, type CoreDeps } from '../core/deps.ts';
import { monitoredAccountsNow } from '../scan/monitored-now.ts';
import { Limiter } from '../scan/limiter.ts';
import { diffCriteria, desiredProviders, planCriteria, type ImageCriterion } from './criteria.ts';

export type AllowedAmisMode = Config['guard']['allowedAmis'];
type AwsState = 'disabled' | 'audit-mode' | 'enabled';

export type TargetOutcome =
  /** Already as the trust list wants it. */
  | 'in-step'
  /** `check`: differs from the trust list (someone changed it by hand). */
  | 'drift'
  /** `check`: never set up (disabled, no criteria): the next apply sets it up. */
  | 'not-set-up'
  /** `apply`: changed. */
  | 'changed'
  /** `apply` in dry run: would change. */
  | 'would-change'
  /** Managed by an Organizations declarative policy: the account cannot change it. */
  | 'declarative-policy'
  /** The trust list needs more than 10 × 200 providers. */
  | 'over-limit'
  | 'failed';

export interface AllowedAmisTarget {
  accountId: string;
  region: string;
  outcome: TargetOutcome;
  /** State AWS reported before (and after, when changed). */
  state?: AwsState | string;
  /** What differs, in words: "state audit-mode → enabled; +123456789012; −999999999999". */
  detail?: string;
  /** `"ec2:Action target → answer"` (the calls format shared with remediation). */
  calls: string[];
}

export interface AllowedAmisReport {
  mode: AllowedAmisMode;
  providers: string[];
  targets: AllowedAmisTarget[];
  counts: Record<TargetOutcome, number>;
  /** One line for people: "Allowed AMIs (audit): 3 in step, 1 changed, 1 managed by a declarative policy". */
  summary: string;
}

export interface SyncOptions {
  /** Change what differs (else only check). */
  apply: boolean;
  /** Limit to these monitored accounts (default: all). */
  accountIds?: readonly string[];
  /** Who or what asked: recorded in the decision log. */
  by?: Actor;
  /** Why (recorded): "trust 123456789012". */
  reason?: string;
}

const SYSTEM: Actor = { userId: 'shareguard', userName: 'shareguard (scheduled)' };

export function wantedState(mode: AllowedAmisMode): 'audit-mode' | 'enabled' | undefined {
  return mode === 'audit' ? 'audit-mode' : mode === 'enforce' ? 'enabled' : undefined;
}

/** `remediation.dryRun` (the remediation section is the ladder's; read defensively until it exists). */
function dryRun(config: Config): boolean {
  const r = (config as unknown as { remediation?: { dryRun?: boolean } }).remediation;
  return r?.dryRun === true;
}

function toCriteria(sdk: readonly SdkImageCriterion[] | undefined): ImageCriterion[] {
  return (sdk ?? []).map((c) => {
    const out: ImageCriterion = {};
    if (c.ImageProviders?.length) out.imageProviders = c.ImageProviders;
    if (c.ImageNames?.length) out.imageNames = c.ImageNames;
    if (c.MarketplaceProductCodes?.length) out.marketplaceProductCodes = c.MarketplaceProductCodes;
    if (c.CreationDateCondition) out.creationDateCondition = {};
    if (c.DeprecationTimeCondition) out.deprecationTimeCondition = {};
    // Newer condition kinds (watermarks, scan results) are conditions shareguard does not manage.
    const other = c as { ImageWatermarks?: unknown[]; ScanResultCondition?: unknown };
    if (other.ImageWatermarks?.length || other.ScanResultCondition)
      out.imageNames = [...(out.imageNames ?? []), '(other condition)'];
    return out;
  });
}

/**
 * The providers the trust list allows now (config + store), in order: built from the same trust policy
 * the scan judges owners with (`currentTrust`), so a `trustedSource: false` account is never one.
 */
export async function trustProviders(deps: CoreDeps): Promise<string[]> {
  const { policy } = await currentTrust(deps.config, deps.store);
  return desiredProviders({
    trust: policy,
    awsMarketplace: deps.config.guard.allowedAmiProviders.awsMarketplace,
    awsBackupVault: deps.config.guard.allowedAmiProviders.awsBackupVault,
  });
}

/** Checks (or applies) Allowed AMIs in every monitored account-region. Never throws for one target. */
export async function syncAllowedAmis(deps: CoreDeps, options: SyncOptions): Promise<AllowedAmisReport> {
  const mode = deps.config.guard.allowedAmis;
  const providers = mode === 'off' ? [] : await trustProviders(deps);
  const targets: AllowedAmisTarget[] = [];
  if (mode !== 'off') {
    const plan = planCriteria(providers);
    const accounts = (await monitoredAccountsNow(deps)).filter(
      (a) => !options.accountIds || options.accountIds.includes(a.id),
    );
    const limiter = new Limiter(Math.max(1, Math.min(deps.config.aws.concurrency, 16)));
    await Promise.all(
      accounts.map((account) =>
        limiter.run(async () => {
          let regions: string[];
          try {
            regions = await regionsFor(deps.clients, account, deps.config.regions);
          } catch (err) {
            targets.push({
              accountId: account.id,
              region: '*',
              outcome: 'failed',
              detail: describeAwsError(err),
              calls: [],
            });
            return;
          }
          for (const region of regions)
            targets.push(await syncTarget(deps, account, region, mode, plan, options));
        }),
      ),
    );
  }
  targets.sort((a, b) => (a.accountId + a.region < b.accountId + b.region ? -1 : 1));
  const counts = countOutcomes(targets);
  return { mode, providers, targets, counts, summary: summaryText(mode, counts, dryRun(deps.config)) };
}

async function syncTarget(
  deps: CoreDeps,
  account: MonitoredAccount,
  region: string,
  mode: Exclude<AllowedAmisMode, 'off'>,
  plan: ReturnType<typeof planCriteria>,
  options: SyncOptions,
): Promise<AllowedAmisTarget> {
  const calls: string[] = [];
  const target = `${account.id} ${region}`;
  const base = { accountId: account.id, region, calls };
  try {
    // Clients share one connection pool: dropped, never destroyed.
    const ec2: EC2Client = deps.clients.ec2(account, region);
    const current = await ec2.send(new GetAllowedImagesSettingsCommand({}));
    const state = (current.State ?? 'disabled') as AwsState;
    calls.push(
      `ec2:GetAllowedImagesSettings ${target} → ${state}, managed by ${current.ManagedBy ?? 'account'}`,
    );
    if (current.ManagedBy === 'declarative-policy')
      return {
        ...base,
        outcome: 'declarative-policy',
        state,
        detail: 'managed by an Organizations declarative policy; shareguard changes nothing here',
      };
    if (!plan.ok) return { ...base, outcome: 'over-limit', state, detail: plan.reason };
    const want = wantedState(mode)!;
    const diff = diffCriteria(toCriteria(current.ImageCriteria), plan.providers);
    const words = [
      state !== want ? `state ${state} → ${want}` : '',
      diff.foreign ? 'criteria with conditions shareguard does not manage → the trust list' : '',
      diff.missing.length ? `+${diff.missing.join(', +')}` : '',
      diff.extra.length ? `−${diff.extra.join(', −')}` : '',
    ].filter(Boolean);
    if (state === want && diff.same) return { ...base, outcome: 'in-step', state };
    const detail = words.join('; ');
    if (!options.apply) {
      const untouched = state === 'disabled' && (current.ImageCriteria ?? []).length === 0;
      if (untouched)
        return {
          ...base,
          outcome: 'not-set-up',
          state,
          detail: `would become ${want} with ${plan.providers.length} providers`,
        };
      return { ...base, outcome: 'drift', state, detail };
    }
    if (dryRun(deps.config))
      return { ...base, outcome: 'would-change', state, detail: `dry run: would set ${detail}` };

    const decisionId = randomUUID();
    const decision = {
      decisionId,
      action: 'allowed-amis' as const,
      by: options.by ?? SYSTEM,
      at: nowIso(deps),
      outcome: 'pending' as const,
      detail: `${target}: ${detail}${options.reason ? ` (${options.reason})` : ''}`,
    };
    await deps.store.appendDecision(decision);
    try {
      if (!diff.same) {
        await ec2.send(
          new ReplaceImageCriteriaInAllowedImagesSettingsCommand({
            ImageCriteria: plan.criteria.map((c) => ({ ImageProviders: c.imageProviders })),
          }),
        );
        calls.push(
          `ec2:ReplaceImageCriteriaInAllowedImagesSettings ${target} → ${plan.providers.length} providers`,
        );
      }
      if (state !== want) {
        await ec2.send(new EnableAllowedImagesSettingsCommand({ AllowedImagesSettingsState: want }));
        calls.push(`ec2:EnableAllowedImagesSettings ${target} ${want} → ok`);
      }
    } catch (err) {
      const e = describeAwsError(err);
      calls.push(`→ ${e}`);
      await deps.store.completeDecision(
        decision,
        'failed',
        `${decision.detail}: ${e} [${calls.join('; ')}]`,
        nowIso(deps),
      );
      return { ...base, outcome: 'failed', state, detail: `${detail}: ${e}` };
    }
    await deps.store.completeDecision(
      decision,
      'succeeded',
      `${decision.detail} [${calls.join('; ')}]`,
      nowIso(deps),
    );
    return { ...base, outcome: 'changed', state: want, detail };
  } catch (err) {
    return { ...base, outcome: 'failed', detail: describeAwsError(err) };
  }
}

function countOutcomes(targets: readonly AllowedAmisTarget[]): Record<TargetOutcome, number> {
  const counts: Record<TargetOutcome, number> = {
    'in-step': 0,
    drift: 0,
    'not-set-up': 0,
    changed: 0,
    'would-change': 0,
    'declarative-policy': 0,
    'over-limit': 0,
    failed: 0,
  };
  for (const t of targets) counts[t.outcome]++;
  return counts;
}

const OUTCOME_WORDS: Record<TargetOutcome, string> = {
  'in-step': 'in step',
  drift: 'drifted from the trust list',
  'not-set-up': 'not set up yet',
  changed: 'updated',
  'would-change': 'would be updated (dry run)',
  'declarative-policy': 'managed by a declarative policy (not changed)',
  'over-limit': 'not changed: the trust list is over the Allowed AMIs limits',
  failed: 'failed',
};

function summaryText(mode: AllowedAmisMode, counts: Record<TargetOutcome, number>, dry: boolean): string {
  if (mode === 'off') return 'Allowed AMIs: off';
  const parts = (Object.keys(counts) as TargetOutcome[])
    .filter((k) => counts[k])
    .map((k) => `${counts[k]} ${OUTCOME_WORDS[k]}`);
  return `Allowed AMIs (${mode}${dry ? ', dry run' : ''}): ${parts.join(', ') || 'no account-regions'}`;
}

/** After the trust list changed (trust, untrust, block account): apply at once. Never throws. */
export async function onTrustListChanged(
  deps: CoreDeps,
  by: Actor,
  reason: string,
): Promise<AllowedAmisReport | undefined> {
  if (deps.config.guard.allowedAmis === 'off') return undefined;
  try {
    return await syncAllowedAmis(deps, { apply: true, by, reason });
  } catch (err) {
    deps.log.error({ err: (err as Error).message }, 'Allowed AMIs update failed');
    return undefined;
  }
}
