import { paginateDescribeDBSnapshots, type DBSnapshot } from '@aws-sdk/client-rds';
import type { Finding } from '../../domain/finding.ts';
import { collect, type KindContext, type ResourceKindModule } from './kind.ts';
import { rdsSnapshotFinding } from './rds-common.ts';

const PAGE_SIZE = 100;

/** Manual DB snapshots shared to the account (docs/aws.md "Listing what was shared in"); neither own nor public ones come back. */
async function list(ctx: KindContext): Promise<Finding[]> {
  const snapshots = await collect(
    paginateDescribeDBSnapshots(
      { client: ctx.rds(), pageSize: PAGE_SIZE },
      { SnapshotType: 'shared', IncludeShared: true },
    ),
    (page) => page.DBSnapshots,
  );
  return snapshots.flatMap((s) => toFinding(s, ctx) ?? []);
}

export function toFinding(s: DBSnapshot, ctx: Pick<KindContext, 'account' | 'region'>): Finding | undefined {
  return rdsSnapshotFinding(
    'rds-snapshot',
    {
      arn: s.DBSnapshotArn,
      createdAt: s.SnapshotCreateTime,
      engine: s.Engine,
      encrypted: s.Encrypted,
      allocatedGiB: s.AllocatedStorage,
    },
    ctx,
  );
}

export const rdsSnapshot: ResourceKindModule = {
  kind: 'rds-snapshot',
  label: 'RDS DB snapshot',
  service: 'rds',
  scanActions: ['rds:DescribeDBSnapshots'],
  list,
};
