import { paginateDescribeDBClusterSnapshots, type DBClusterSnapshot } from '@aws-sdk/client-rds';
import { findingId, type Finding } from '../../domain/finding.ts';
import { collect, isoDate, type KindContext, type ResourceKindModule } from './kind.ts';
import { rdsOwnerAndName } from './rds-arn.ts';

const PAGE_SIZE = 100;

/** Manual DB cluster snapshots shared to the account (aws-facts.md §1). */
async function list(ctx: KindContext): Promise<Finding[]> {
  const snapshots = await collect(
    paginateDescribeDBClusterSnapshots(
      { client: ctx.rds(), pageSize: PAGE_SIZE },
      { SnapshotType: 'shared', IncludeShared: true },
    ),
    (page) => page.DBClusterSnapshots,
  );
  const out: Finding[] = [];
  for (const s of snapshots) {
    const f = toFinding(s, ctx);
    if (f && f.ownerAccountId !== ctx.account.id) out.push(f);
  }
  return out;
}

export function toFinding(
  s: DBClusterSnapshot,
  ctx: Pick<KindContext, 'account' | 'region'>,
): Finding | undefined {
  const parsed = s.DBClusterSnapshotArn ? rdsOwnerAndName(s.DBClusterSnapshotArn) : undefined;
  if (!s.DBClusterSnapshotArn || !parsed) return undefined;
  const f: Finding = {
    id: findingId('rds-cluster-snapshot', ctx.account.id, ctx.region, s.DBClusterSnapshotArn),
    kind: 'rds-cluster-snapshot',
    accountId: ctx.account.id,
    region: ctx.region,
    resourceId: s.DBClusterSnapshotArn,
    resourceArn: s.DBClusterSnapshotArn,
    ownerAccountId: parsed.owner,
    sharedVia: 'account',
    name: parsed.name,
  };
  if (ctx.account.name) f.accountName = ctx.account.name;
  const created = isoDate(s.SnapshotCreateTime);
  if (created) f.createdAt = created;
  if (s.Engine) f.engine = s.Engine;
  if (s.StorageEncrypted !== undefined) f.encrypted = s.StorageEncrypted;
  // Aurora reports 0 for cluster snapshots (storage is shared); only a real size is worth showing.
  if (s.AllocatedStorage) f.sizeGiB = s.AllocatedStorage;
  return f;
}

export const rdsClusterSnapshot: ResourceKindModule = {
  kind: 'rds-cluster-snapshot',
  label: 'RDS cluster snapshot',
  service: 'rds',
  scanActions: ['rds:DescribeDBClusterSnapshots'],
  remediation: [],
  list,
};
