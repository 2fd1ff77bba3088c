import type { Finding, ResourceKind } from '../../domain/finding.ts';
import type { KindContext } from '../kinds/kind.ts';
import { amiUsage } from './ami.ts';
import { ebsSnapshotUsage } from './ebs-snapshot.ts';
import { rdsUsage } from './rds.ts';

/**
 * IAM actions the blast-radius lookups need, per kind (for `shareguard iam-policy`). All are
 * read-only and support no resource-level permissions, so `Resource: "*"`.
 */
export const USAGE_ACTIONS: Record<ResourceKind, string[]> = {
  // DescribeInstances only when DescribeInstanceImageMetadata fails (usage/ami.ts).
  ami: ['ec2:DescribeInstances', 'ec2:DescribeInstanceImageMetadata', 'ec2:DescribeImages'],
  'ebs-snapshot': ['ec2:DescribeVolumes', 'ec2:DescribeImages'],
  'rds-snapshot': ['rds:DescribeDBSnapshots', 'rds:DescribeEvents'],
  'rds-cluster-snapshot': ['rds:DescribeDBClusterSnapshots', 'rds:DescribeEvents'],
};

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
  // The AMI and EBS lookups share one listing of the own AMIs (own-images.ts `ownImagesFor`).
  if (kinds.includes('ami')) {
    const r = await amiUsage(ctx, findings);
    hidden = r.hidden;
    errors.push(...r.errors);
  }
  if (kinds.includes('ebs-snapshot')) errors.push(...(await ebsSnapshotUsage(ctx, findings)));
  if (kinds.includes('rds-snapshot') || kinds.includes('rds-cluster-snapshot'))
    errors.push(...(await rdsUsage(ctx, findings, now)));
  // A failed own-AMI listing is reported once, though both kinds' findings carry it in `inUse.unknown`.
  return { hidden, errors: [...new Set(errors)] };
}
