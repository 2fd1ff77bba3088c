import {
  DeleteSnapshotCommand,
  DescribeSnapshotAttributeCommand,
  DescribeSnapshotsCommand,
  ModifySnapshotAttributeCommand,
  paginateDescribeSnapshots,
  type Snapshot,
} from '@aws-sdk/client-ec2';
import { findingId, type Finding } from '../../domain/finding.ts';
import { ebsSnapshotUsage } from '../usage/ebs-snapshot.ts';
import { LAUNCHER_ACTIONS } from '../usage/launchers.ts';
import { logged, RECYCLE_BIN_NOTE } from './calls.ts';
import {
  collect,
  commonDetails,
  isoDate,
  type KindContext,
  type KindSource,
  type ResourceKindModule,
} from './kind.ts';
import { partitionOf } from '../../domain/ids.ts';

const PAGE_SIZE = 1000;

/**
 * Snapshots the account may create volumes from but does not own (docs/aws.md "Listing what was shared in"). Snapshots cannot be
 * shared with an organization, so every share names the account directly. A recipient cannot remove one.
 */
async function list(ctx: KindContext): Promise<Finding[]> {
  const snapshots = await collect(
    paginateDescribeSnapshots(
      { client: ctx.client('ec2'), pageSize: PAGE_SIZE },
      { RestorableByUserIds: ['self'] },
    ),
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

/** Owner and recipient calls (docs/aws.md §1, §2, §5a). */
const source: KindSource = {
  notFoundCodes: ['InvalidSnapshot.NotFound'],
  dryRun: true,
  async readShares(f, owner, calls) {
    const out = await logged(
      calls,
      `ec2:DescribeSnapshotAttribute ${f.resourceId} createVolumePermission`,
      () =>
        owner.client('ec2').send(
          new DescribeSnapshotAttributeCommand({
            SnapshotId: f.resourceId,
            Attribute: 'createVolumePermission',
          }),
        ),
      (o) => `${o.CreateVolumePermissions?.length ?? 0} permission(s)`,
    );
    const perms = out.CreateVolumePermissions ?? [];
    return {
      accounts: perms.flatMap((p) => (p.UserId ? [p.UserId] : [])),
      organizations: [],
      public: perms.some((p) => p.Group === 'all'),
    };
  },
  async removeAccount(f, owner, accountId, dryRun, calls) {
    await logged(
      calls,
      `ec2:ModifySnapshotAttribute ${f.resourceId} CreateVolumePermission.Remove UserId=${accountId}${dryRun ? ' DryRun' : ''}`,
      () =>
        owner.client('ec2').send(
          new ModifySnapshotAttributeCommand({
            SnapshotId: f.resourceId,
            Attribute: 'createVolumePermission',
            CreateVolumePermission: { Remove: [{ UserId: accountId }] },
            DryRun: dryRun,
          }),
        ),
      () => 'ok',
    );
  },
  async delete(f, owner, dryRun, calls) {
    await logged(
      calls,
      `ec2:DeleteSnapshot ${f.resourceId}${dryRun ? ' DryRun' : ''}`,
      () => owner.client('ec2').send(new DeleteSnapshotCommand({ SnapshotId: f.resourceId, DryRun: dryRun })),
      () => 'ok',
    );
    return { kept: `Volumes already created from it are not affected. ${RECYCLE_BIN_NOTE}` };
  },
  async exists(f, owner, calls) {
    const out = await logged(
      calls,
      `ec2:DescribeSnapshots OwnerIds=self snapshot-id=${f.resourceId}`,
      () =>
        owner.client('ec2').send(
          new DescribeSnapshotsCommand({
            OwnerIds: ['self'],
            Filters: [{ Name: 'snapshot-id', Values: [f.resourceId] }],
          }),
        ),
      (o) => (o.Snapshots?.length ? 'exists' : 'gone'),
    );
    return (out.Snapshots ?? []).some((s) => s.SnapshotId === f.resourceId);
  },
  async visible(f, recipient, calls) {
    const out = await logged(
      calls,
      `ec2:DescribeSnapshots RestorableBy=self snapshot-id=${f.resourceId}`,
      () =>
        recipient.client('ec2').send(
          new DescribeSnapshotsCommand({
            RestorableByUserIds: ['self'],
            Filters: [{ Name: 'snapshot-id', Values: [f.resourceId] }],
          }),
        ),
      (o) => (o.Snapshots?.some((s) => s.SnapshotId === f.resourceId) ? 'still visible' : 'not visible'),
    );
    return (out.Snapshots ?? []).some((s) => s.SnapshotId === f.resourceId);
  },
  actions: {
    readShares: ['ec2:DescribeSnapshotAttribute'],
    removeAccount: ['ec2:ModifySnapshotAttribute'],
    delete: ['ec2:DeleteSnapshot', 'ec2:DescribeSnapshots'],
    visible: ['ec2:DescribeSnapshots'],
  },
};

export const ebsSnapshot: ResourceKindModule<'ebs-snapshot'> = {
  kind: 'ebs-snapshot',
  label: { one: 'EBS snapshot', many: 'EBS snapshots' },
  service: 'ec2',
  scanActions: ['ec2:DescribeSnapshots'],
  list,
  details: commonDetails,
  usage: {
    actions: ['ec2:DescribeVolumes', 'ec2:DescribeImages', ...LAUNCHER_ACTIONS['ebs-snapshot']],
    lookup: async (ctx, findings) => ({ errors: await ebsSnapshotUsage(ctx, findings) }),
  },
  remediation: { remove: ['revoke-at-source', 'block'], orgShares: false },
  source,
  guard: {
    family: 'snapshot',
    probe: (_owner, region, p) => ({
      resourceId: 'snap-0123456789abcdef0',
      resourceArn: `arn:${p}:ec2:${region}::snapshot/snap-0123456789abcdef0`,
    }),
  },
};
