import {
  DeleteDBClusterSnapshotCommand,
  DescribeDBClusterSnapshotAttributesCommand,
  DescribeDBClusterSnapshotsCommand,
  ModifyDBClusterSnapshotAttributeCommand,
  paginateDescribeDBClusterSnapshots,
  type DBClusterSnapshot,
} from '@aws-sdk/client-rds';
import type { Finding } from '../../domain/finding.ts';
import { listText, logged } from './calls.ts';
import {
  collect,
  commonDetails,
  type KindContext,
  type KindSource,
  type ResourceKindModule,
} from './kind.ts';
import { RDS_NOT_FOUND, rdsName, rdsSnapshotFinding, rdsUsageOf, restoreOf } from './rds-common.ts';

const PAGE_SIZE = 100;

/** Manual DB cluster snapshots shared to the account (docs/aws.md "Listing what was shared in"). */
async function list(ctx: KindContext): Promise<Finding[]> {
  const snapshots = await collect(
    paginateDescribeDBClusterSnapshots(
      { client: ctx.client('rds'), pageSize: PAGE_SIZE },
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

/** Owner and recipient calls (docs/aws.md §1, §2, §5a); RDS has no dry run, so a dry run calls no write. */
const source: KindSource = {
  notFoundCodes: RDS_NOT_FOUND,
  dryRun: false,
  async readShares(f, owner, calls) {
    const out = await logged(
      calls,
      `rds:DescribeDBClusterSnapshotAttributes ${rdsName(f)}`,
      () =>
        owner
          .client('rds')
          .send(new DescribeDBClusterSnapshotAttributesCommand({ DBClusterSnapshotIdentifier: rdsName(f) })),
      (o) => restoreOf(o.DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes).join(',') || 'none',
    );
    const restore = restoreOf(out.DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes);
    return {
      accounts: restore.filter((v) => v !== 'all'),
      organizations: [],
      public: restore.includes('all'),
    };
  },
  async removeAccount(f, owner, accountId, dryRun, calls) {
    if (dryRun) return;
    await logged(
      calls,
      `rds:ModifyDBClusterSnapshotAttribute ${rdsName(f)} restore ValuesToRemove=${accountId}`,
      () =>
        owner.client('rds').send(
          new ModifyDBClusterSnapshotAttributeCommand({
            DBClusterSnapshotIdentifier: rdsName(f),
            AttributeName: 'restore',
            ValuesToRemove: [accountId],
          }),
        ),
      (o) =>
        `restore=${listText(restoreOf(o.DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes))}`,
    );
  },
  async delete(f, owner, dryRun, calls) {
    if (!dryRun)
      await logged(
        calls,
        `rds:DeleteDBClusterSnapshot ${rdsName(f)}`,
        () =>
          owner
            .client('rds')
            .send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: rdsName(f) })),
        (o) => o.DBClusterSnapshot?.Status ?? 'ok',
      );
    return { kept: 'Clusters already restored or copies made from it are not affected.' };
  },
  async exists(f, owner, calls) {
    const out = await logged(
      calls,
      `rds:DescribeDBClusterSnapshots ${rdsName(f)}`,
      () =>
        owner
          .client('rds')
          .send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: rdsName(f) })),
      (o) => (o.DBClusterSnapshots?.length ? 'exists' : 'gone'),
    );
    return (out.DBClusterSnapshots ?? []).length > 0;
  },
  async visible(f, recipient, calls) {
    const out = await logged(
      calls,
      `rds:DescribeDBClusterSnapshots shared db-cluster-snapshot-id=${f.resourceArn}`,
      () =>
        recipient.client('rds').send(
          new DescribeDBClusterSnapshotsCommand({
            SnapshotType: 'shared',
            IncludeShared: true,
            Filters: [{ Name: 'db-cluster-snapshot-id', Values: [f.resourceArn] }],
          }),
        ),
      (o) =>
        o.DBClusterSnapshots?.some((s) => s.DBClusterSnapshotArn === f.resourceArn)
          ? 'still visible'
          : 'not visible',
    );
    return (out.DBClusterSnapshots ?? []).some((s) => s.DBClusterSnapshotArn === f.resourceArn);
  },
  actions: {
    readShares: ['rds:DescribeDBClusterSnapshotAttributes'],
    removeAccount: ['rds:ModifyDBClusterSnapshotAttribute'],
    delete: ['rds:DeleteDBClusterSnapshot', 'rds:DescribeDBClusterSnapshots'],
    visible: ['rds:DescribeDBClusterSnapshots'],
  },
};

export const rdsClusterSnapshot: ResourceKindModule<'rds-cluster-snapshot'> = {
  kind: 'rds-cluster-snapshot',
  label: { one: 'RDS cluster snapshot', many: 'RDS cluster snapshots' },
  service: 'rds',
  scanActions: ['rds:DescribeDBClusterSnapshots'],
  list,
  details: commonDetails,
  usage: rdsUsageOf('rds:DescribeDBClusterSnapshots'),
  remediation: { remove: ['revoke-at-source', 'block'], orgShares: false },
  source,
  guard: {
    family: 'rds',
    probe: (owner, region, p) => {
      const arn = `arn:${p}:rds:${region}:${owner}:cluster-snapshot:any-snapshot`;
      return { resourceId: arn, resourceArn: arn };
    },
  },
};
