import { paginateDescribeDBSnapshots, type DBSnapshot } from '@aws-sdk/client-rds';
import { findingId, type Finding } from '../../domain/finding.ts';
import { collect, isoDate, type KindContext, type ResourceKindModule } from './kind.ts';
import { rdsOwnerAndName } from './rds-arn.ts';

const PAGE_SIZE = 100;

/** Manual DB snapshots shared to the account (aws-facts.md §1); neither own nor public ones come back. */
async function list(ctx: KindContext): Promise<Finding[]> {
  const snapshots = await collect(
    paginateDescribeDBSnapshots(
      { client: ctx.rds(), pageSize: PAGE_SIZE },
      { SnapshotType: 'shared', IncludeShared: true },
    ),
    (page) => page.DBSnapshots,
  );
  const out: Finding[] = [];
  for (const s of snapshots) {
    const f = toFinding(s, ctx);
    if (f && f.ownerAccountId !== ctx.account.id) out.push(f);
  }
  return out;
}

export function toFinding(s: DBSnapshot, ctx: Pick<KindContext, 'account' | 'region'>): Finding | undefined {
  // The owner is only in the ARN; whether the identifier is the ARN for shared snapshots is unconfirmed.
  const parsed = s.DBSnapshotArn ? rdsOwnerAndName(s.DBSnapshotArn) : undefined;
  if (!s.DBSnapshotArn || !parsed) return undefined;
  const f: Finding = {
    id: findingId('rds-snapshot', ctx.account.id, ctx.region, s.DBSnapshotArn),
    kind: 'rds-snapshot',
    accountId: ctx.account.id,
    region: ctx.region,
    resourceId: s.DBSnapshotArn,
    resourceArn: s.DBSnapshotArn,
    ownerAccountId: parsed.owner,
    sharedVia: 'account',
    name: parsed.name,
  };
  if (ctx.account.name) f.accountName = ctx.account.name;
  const created = isoDate(s.SnapshotCreateTime);
  if (created) f.createdAt = created;
  if (s.Engine) f.engine = s.Engine;
  if (s.Encrypted !== undefined) f.encrypted = s.Encrypted;
  if (s.AllocatedStorage !== undefined) f.sizeGiB = s.AllocatedStorage;
  return f;
}

export const rdsSnapshot: ResourceKindModule = {
  kind: 'rds-snapshot',
  label: 'RDS DB snapshot',
  service: 'rds',
  scanActions: ['rds:DescribeDBSnapshots'],
  remediation: [],
  list,
};
