/**
 * Allowed AMIs criteria derived from the trust list (docs/aws.md "Allowed AMIs"), pure.
 * Providers: `amazon` (always), `aws-marketplace` / `aws-backup-vault` when configured, and exactly the
 * owners the scan trusts (`trustedOwnerIds` of its trust policy: never a `trustedSource: false`
 * account). The account's own AMIs are never restricted by AWS, so it needs no entry of its own.
 * Limits: ≤ 10 criteria, ≤ 200 providers each; past them shareguard changes nothing.
 */
import { trustedOwnerIds, type TrustPolicy } from '../domain/trust.ts';

export const MAX_CRITERIA = 10;
export const MAX_PROVIDERS_PER_CRITERION = 200;

export interface ImageCriterion {
  imageProviders?: string[];
  imageNames?: string[];
  marketplaceProductCodes?: string[];
  creationDateCondition?: { maximumDaysSinceCreated?: number };
  deprecationTimeCondition?: { maximumDaysSinceDeprecated?: number };
}

export interface ProviderInput {
  /** The scan's trust policy: its trusted owners are the account providers. */
  trust: TrustPolicy;
  awsMarketplace: boolean;
  awsBackupVault: boolean;
}

/** Every provider, aliases first then account ids in order, no duplicates. */
export function desiredProviders(input: ProviderInput): string[] {
  const aliases = ['amazon'];
  if (input.awsMarketplace) aliases.push('aws-marketplace');
  if (input.awsBackupVault) aliases.push('aws-backup-vault');
  return [...aliases, ...trustedOwnerIds(input.trust)];
}

export type CriteriaPlan =
  | { ok: true; criteria: ImageCriterion[]; providers: string[] }
  | { ok: false; providers: string[]; reason: string };

/** Providers packed into criteria of ≤ 200; refused past 10 criteria (AWS's limits). */
export function planCriteria(providers: readonly string[]): CriteriaPlan {
  const criteria: ImageCriterion[] = [];
  for (let i = 0; i < providers.length; i += MAX_PROVIDERS_PER_CRITERION)
    criteria.push({ imageProviders: providers.slice(i, i + MAX_PROVIDERS_PER_CRITERION) });
  if (criteria.length > MAX_CRITERIA)
    return {
      ok: false,
      providers: [...providers],
      reason:
        `${providers.length} image providers need ${criteria.length} criteria; Allowed AMIs takes at most ` +
        `${MAX_CRITERIA} × ${MAX_PROVIDERS_PER_CRITERION}. Use the organization's declarative policy ` +
        '(`shareguard guard print --format declarative`) or trust fewer accounts.',
    };
  return { ok: true, criteria, providers: [...providers] };
}

/**
 * The providers a current setting allows, when it is only providers (what shareguard writes);
 * undefined when some criterion has other conditions (names, dates, product codes): someone manages
 * it by hand in a way shareguard does not model.
 */
export function providersOf(criteria: readonly ImageCriterion[]): string[] | undefined {
  const out = new Set<string>();
  for (const c of criteria) {
    if (
      c.imageNames?.length ||
      c.marketplaceProductCodes?.length ||
      c.creationDateCondition ||
      c.deprecationTimeCondition ||
      !c.imageProviders?.length
    )
      return undefined;
    for (const p of c.imageProviders) out.add(p);
  }
  return [...out];
}

export interface CriteriaDiff {
  same: boolean;
  /** Providers allowed now that the trust list does not allow. */
  extra: string[];
  /** Providers the trust list allows that are missing. */
  missing: string[];
  /** Conditions shareguard does not manage are present. */
  foreign: boolean;
}

export function diffCriteria(current: readonly ImageCriterion[], desired: readonly string[]): CriteriaDiff {
  const providers = providersOf(current);
  if (!providers) return { same: false, extra: [], missing: [...desired], foreign: true };
  const have = new Set(providers);
  const want = new Set(desired);
  const extra = providers.filter((p) => !want.has(p)).sort();
  const missing = desired.filter((p) => !have.has(p));
  return { same: extra.length === 0 && missing.length === 0, extra, missing, foreign: false };
}
