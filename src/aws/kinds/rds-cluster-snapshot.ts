import { paginateDescribeDBClusterSnapshots, type DBClusterSnapshot } from '@aws-sdk/client-rds';
import type { Finding } from '../../domain/finding.ts';
import { collect, type KindContext, type ResourceKindModule } from './kind.ts';
import { rdsSnapshotFinding } from './rds-common.ts';

const PAGE_SIZE = 100;

/** Manual DB cluster snapshots shared to the account (docs/aws.md "Listing what was shared in"). */
async function list(ctx: KindContext): Promise<Finding[]> {
  const snapshots = await collect(
    paginateDescribeDBClusterSnapshots(
      { client: ctx.rds(), pageSize: PAGE_SIZE },
      { SnapshotType: 'shared', IncludeShared: true },
    ),
    (page) => page.DBClusterSnapshots,
  );
  return snapshots.flatMap((s) => toFinding(s, ctx) ?? []);
}

export function toFinding(
  s: DBClusterSnapshot,
  ctx: Pick<KindContext, 'account' | 'region'>,
): Finding | undefined {
  return rdsSnapshotFinding(
    'rds-cluster-snapshot',
    {
      arn: s.DBClusterSnapshotArn,
      createdAt: s.SnapshotCreateTime,
      engine: s.Engine,
      encrypted: s.StorageEncrypted,
      allocatedGiB: s.AllocatedStorage,
    },
    ctx,
  );
}

export const rdsClusterSnapshot: ResourceKindModule = {
  kind: 'rds-cluster-snapshot',
  label: 'RDS cluster snapshot',
  service: 'rds',
  scanActions: ['rds:DescribeDBClusterSnapshots'],
  list,
};
