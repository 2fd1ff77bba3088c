import { RESOURCE_KINDS, type Finding, type ResourceKind } from '../../domain/finding.ts';
import { KINDS } from '../kinds/index.ts';
import type { KindContext, KindUsage } from '../kinds/kind.ts';

/**
 * IAM actions the blast-radius lookups need, per kind (for `shareguard iam-policy`), as each kind module
 * declares them (`usage`). All are read-only and support no resource-level permissions, so `Resource: "*"`.
 */
export const USAGE_ACTIONS = Object.fromEntries(
  RESOURCE_KINDS.map((k) => [k, [...(KINDS[k].usage?.actions ?? [])]]),
) as Record<ResourceKind, string[]>;

export interface UsageResult {
  /** AMIs in use by instances but no longer listed (see amiUsage). */
  hidden: Finding[];
  /** Lookups that failed, `service:Action: error`; the findings' `inUse.unknown` says the same. */
  errors: string[];
}

/** Every kind's blast radius for the findings of one account-region; sets `inUse` on them. Never throws. */
export async function lookupUsage(
  ctx: KindContext,
  findings: readonly Finding[],
  kinds: readonly ResourceKind[],
  now: Date = new Date(),
): Promise<UsageResult> {
  const errors: string[] = [];
  let hidden: Finding[] = [];
  // In registry order; kinds sharing one lookup (RDS DB and cluster snapshots) run it once.
  const lookups = new Set<KindUsage['lookup']>();
  for (const k of RESOURCE_KINDS) {
    const lookup = kinds.includes(k) ? KINDS[k].usage?.lookup : undefined;
    if (lookup) lookups.add(lookup);
  }
  for (const lookup of lookups) {
    const r = await lookup(ctx, findings, now);
    if (r.hidden) hidden = [...hidden, ...r.hidden];
    errors.push(...r.errors);
  }
  // A failed own-AMI listing (shared by the AMI and EBS lookups, own-images.ts) is reported once,
  // though both kinds' findings carry it in `inUse.unknown`.
  return { hidden, errors: [...new Set(errors)] };
}
