/**
 * What a scan adds to one account-region's findings after listing them: the blast radius (who already
 * uses each resource, docs/aws.md "Who already uses a shared resource"), and AMIs no longer listed that instances still
 * run from. One call per account-region, from the per-target part of the scan, so it runs wherever that
 * runs (a worker thread included): it needs only the target's clients and its findings.
 */
import type { Finding, ResourceKind } from '../domain/finding.ts';
import type { KindContext } from '../aws/kinds/index.ts';
import { lookupUsage } from '../aws/usage/index.ts';

export interface EnrichOptions {
  kinds: readonly ResourceKind[];
  /** Whether an owner is trusted (the scan's trust policy); trusted hidden AMIs are dropped. */
  trusted: (ownerAccountId: string) => boolean;
}

export interface EnrichResult {
  /** Untrusted AMIs that are not listed any more but still run in the account: findings to add. */
  extra: Finding[];
  /** Trusted hidden AMIs dropped (counted like trusted shares). */
  trustedSkipped: number;
  /** Blast-radius lookups that failed here (the findings say `inUse.unknown`); never fatal. */
  usageErrors: string[];
}

/** Sets `inUse` on `findings` (in place) and returns what else the lookups found. Never throws. */
export async function enrichTarget(
  ctx: KindContext,
  findings: readonly Finding[],
  options: EnrichOptions,
): Promise<EnrichResult> {
  try {
    const usage = await lookupUsage(ctx, findings, options.kinds);
    const extra: Finding[] = [];
    let trustedSkipped = 0;
    for (const f of usage.hidden) {
      if (options.trusted(f.ownerAccountId)) trustedSkipped++;
      else extra.push(f);
    }
    return { extra, trustedSkipped, usageErrors: usage.errors };
  } catch (err) {
    // lookupUsage catches AWS errors itself; anything else must not cost the target its findings either.
    return { extra: [], trustedSkipped: 0, usageErrors: [`blast radius: ${(err as Error).message}`] };
  }
}
