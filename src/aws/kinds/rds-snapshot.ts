import {
  DeleteDBSnapshotCommand,
  DescribeDBSnapshotAttributesCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBSnapshotAttributeCommand,
  paginateDescribeDBSnapshots,
  type DBSnapshot,
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

/** Manual DB snapshots shared to the account (docs/aws.md "Listing what was shared in"); neither own nor public ones come back. */
async function list(ctx: KindContext): Promise<Finding[]> {
  const snapshots = await collect(
    paginateDescribeDBSnapshots(
      { client: ctx.client('rds'), pageSize: PAGE_SIZE },
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

/** Owner and recipient calls (docs/aws.md §1, §2, §5a); RDS has no dry run, so a dry run calls no write. */
const source: KindSource = {
  notFoundCodes: RDS_NOT_FOUND,
  dryRun: false,
  async readShares(f, owner, calls) {
    const out = await logged(
      calls,
      `rds:DescribeDBSnapshotAttributes ${rdsName(f)}`,
      () =>
        owner
          .client('rds')
          .send(new DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: rdsName(f) })),
      (o) => restoreOf(o.DBSnapshotAttributesResult?.DBSnapshotAttributes).join(',') || 'none',
    );
    const restore = restoreOf(out.DBSnapshotAttributesResult?.DBSnapshotAttributes);
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
      `rds:ModifyDBSnapshotAttribute ${rdsName(f)} restore ValuesToRemove=${accountId}`,
      () =>
        owner.client('rds').send(
          new ModifyDBSnapshotAttributeCommand({
            DBSnapshotIdentifier: rdsName(f),
            AttributeName: 'restore',
            ValuesToRemove: [accountId],
          }),
        ),
      (o) => `restore=${listText(restoreOf(o.DBSnapshotAttributesResult?.DBSnapshotAttributes))}`,
    );
  },
  async delete(f, owner, dryRun, calls) {
    if (!dryRun)
      await logged(
        calls,
        `rds:DeleteDBSnapshot ${rdsName(f)}`,
        () => owner.client('rds').send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: rdsName(f) })),
        (o) => o.DBSnapshot?.Status ?? 'ok',
      );
    return { kept: 'Databases already restored or copies made from it are not affected.' };
  },
  async exists(f, owner, calls) {
    const out = await logged(
      calls,
      `rds:DescribeDBSnapshots ${rdsName(f)}`,
      () => owner.client('rds').send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: rdsName(f) })),
      (o) => (o.DBSnapshots?.length ? 'exists' : 'gone'),
    );
    return (out.DBSnapshots ?? []).length > 0;
  },
  async visible(f, recipient, calls) {
    const out = await logged(
      calls,
      `rds:DescribeDBSnapshots shared db-snapshot-id=${f.resourceArn}`,
      () =>
        recipient.client('rds').send(
          new DescribeDBSnapshotsCommand({
            SnapshotType: 'shared',
            IncludeShared: true,
            Filters: [{ Name: 'db-snapshot-id', Values: [f.resourceArn] }],
          }),
        ),
      (o) =>
        o.DBSnapshots?.some((s) => s.DBSnapshotArn === f.resourceArn) ? 'still visible' : 'not visible',
    );
    return (out.DBSnapshots ?? []).some((s) => s.DBSnapshotArn === f.resourceArn);
  },
  actions: {
    readShares: ['rds:DescribeDBSnapshotAttributes'],
    removeAccount: ['rds:ModifyDBSnapshotAttribute'],
    delete: ['rds:DeleteDBSnapshot', 'rds:DescribeDBSnapshots'],
    visible: ['rds:DescribeDBSnapshots'],
  },
};

export const rdsSnapshot: ResourceKindModule<'rds-snapshot'> = {
  kind: 'rds-snapshot',
  label: { one: 'RDS DB snapshot', many: 'RDS DB snapshots' },
  service: 'rds',
  scanActions: ['rds:DescribeDBSnapshots'],
  list,
  details: commonDetails,
  usage: rdsUsageOf('rds:DescribeDBSnapshots'),
  remediation: { remove: ['revoke-at-source', 'block'], orgShares: false },
  source,
  guard: {
    family: 'rds',
    probe: (owner, region, p) => {
      const arn = `arn:${p}:rds:${region}:${owner}:snapshot:any-snapshot`;
      return { resourceId: arn, resourceArn: arn };
    },
  },
};
