import { findingId, type Finding } from '../../domain/finding.ts';
import { rdsUsage } from '../usage/rds.ts';
import { isoDate, type KindContext, type KindUsage } from './kind.ts';
import { accountFromArn } from '../../domain/ids.ts';

/** `arn:aws:rds:REGION:OWNER:snapshot:NAME` or `…:cluster-snapshot:NAME` → owner and name. */
export function rdsOwnerAndName(arn: string): { owner: string; name: string } | undefined {
  const owner = accountFromArn(arn);
  const parts = arn.split(':');
  const name = parts.slice(6).join(':');
  if (!owner || !name || (parts[5] !== 'snapshot' && parts[5] !== 'cluster-snapshot')) return undefined;
  return { owner, name };
}

export interface RdsSnapshotFields {
  arn: string | undefined;
  createdAt: Date | undefined;
  engine: string | undefined;
  encrypted: boolean | undefined;
  allocatedGiB: number | undefined;
}

/**
 * A DB or cluster snapshot shared in, as a Finding; undefined for one without a usable ARN or owned by
 * the account itself. The owner comes from the ARN: whether the identifier of a shared snapshot is the
 * ARN is unconfirmed, so the ARN is also the resource id.
 */
export function rdsSnapshotFinding(
  kind: 'rds-snapshot' | 'rds-cluster-snapshot',
  s: RdsSnapshotFields,
  ctx: Pick<KindContext, 'account' | 'region'>,
): Finding | undefined {
  const parsed = s.arn ? rdsOwnerAndName(s.arn) : undefined;
  if (!s.arn || !parsed || parsed.owner === ctx.account.id) return undefined;
  const f: Finding = {
    id: findingId(kind, ctx.account.id, ctx.region, s.arn),
    kind,
    accountId: ctx.account.id,
    region: ctx.region,
    resourceId: s.arn,
    resourceArn: s.arn,
    ownerAccountId: parsed.owner,
    sharedVia: 'account',
    name: parsed.name,
  };
  if (ctx.account.name) f.accountName = ctx.account.name;
  const created = isoDate(s.createdAt);
  if (created) f.createdAt = created;
  if (s.engine) f.engine = s.engine;
  if (s.encrypted !== undefined) f.encrypted = s.encrypted;
  // Aurora reports 0 for cluster snapshots (storage is shared); only a real size is worth showing.
  if (s.allocatedGiB) f.sizeGiB = s.allocatedGiB;
  return f;
}

/** The owner's own identifier of an RDS snapshot: its name (the ARN's last field). */
export function rdsName(f: Finding): string {
  return rdsOwnerAndName(f.resourceArn)?.name ?? f.resourceId;
}

/** The `restore` attribute's values: the accounts (and `all`) a manual snapshot is shared with. */
export function restoreOf(
  attrs: Array<{ AttributeName?: string; AttributeValues?: string[] }> | undefined,
): string[] {
  return attrs?.find((a) => a.AttributeName === 'restore')?.AttributeValues ?? [];
}

export const RDS_NOT_FOUND = [
  'DBSnapshotNotFound',
  'DBSnapshotNotFoundFault',
  'DBClusterSnapshotNotFoundFault',
  'DBClusterSnapshotNotFound',
];

/** One lookup for DB and cluster snapshots (one DescribeEvents answers both): the same function for both kinds. */
const rdsLookup: KindUsage['lookup'] = async (ctx, findings, now) => ({
  errors: await rdsUsage(ctx, findings, now),
});

export function rdsUsageOf(describeAction: string): KindUsage {
  return { actions: [describeAction, 'rds:DescribeEvents'], lookup: rdsLookup };
}
