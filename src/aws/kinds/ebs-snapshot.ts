import { paginateDescribeSnapshots, type Snapshot } from '@aws-sdk/client-ec2';
import { findingId, type Finding } from '../../domain/finding.ts';
import { partitionOf } from '../../domain/ids.ts';
import { collect, isoDate, type KindContext, type ResourceKindModule } from './kind.ts';

const PAGE_SIZE = 1000;

/**
 * Snapshots the account may create volumes from but does not own (docs/aws.md "Listing what was shared in"). Snapshots cannot be
 * shared with an organization, so every share names the account directly. A recipient cannot remove one.
 */
async function list(ctx: KindContext): Promise<Finding[]> {
  const snapshots = await collect(
    paginateDescribeSnapshots({ client: ctx.ec2(), pageSize: PAGE_SIZE }, { RestorableByUserIds: ['self'] }),
    (page) => page.Snapshots,
  );
  return snapshots
    .filter((s) => s.SnapshotId && s.OwnerId && s.OwnerId !== ctx.account.id)
    .map((s) => toFinding(s, ctx));
}

export function toFinding(s: Snapshot, ctx: Pick<KindContext, 'account' | 'region'>): Finding {
  const snapshotId = s.SnapshotId ?? '';
  const f: Finding = {
    id: findingId('ebs-snapshot', ctx.account.id, ctx.region, snapshotId),
    kind: 'ebs-snapshot',
    accountId: ctx.account.id,
    region: ctx.region,
    resourceId: snapshotId,
    resourceArn: `arn:${partitionOf(ctx.region)}:ec2:${ctx.region}::snapshot/${snapshotId}`,
    ownerAccountId: s.OwnerId ?? '',
    sharedVia: 'account',
  };
  if (ctx.account.name) f.accountName = ctx.account.name;
  const name = s.Tags?.find((t) => t.Key === 'Name')?.Value ?? s.Description;
  if (name) f.name = name;
  if (s.Description) f.description = s.Description;
  const created = isoDate(s.StartTime);
  if (created) f.createdAt = created;
  if (s.Encrypted !== undefined) f.encrypted = s.Encrypted;
  if (s.VolumeSize !== undefined) f.sizeGiB = s.VolumeSize;
  if (s.OwnerAlias) f.ownerAlias = s.OwnerAlias;
  return f;
}

export const ebsSnapshot: ResourceKindModule = {
  kind: 'ebs-snapshot',
  label: 'EBS snapshot',
  service: 'ec2',
  scanActions: ['ec2:DescribeSnapshots'],
  list,
};
