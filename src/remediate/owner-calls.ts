/**
 * The owner-side calls the rungs make, per kind: read the exact shares, remove one account, remove an
 * organization/OU share, delete, does it still exist (docs/aws.md §1, §2, §5a).
 */
import {
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeSnapshotAttributeCommand,
  DescribeSnapshotsCommand,
  ModifyImageAttributeCommand,
  ModifySnapshotAttributeCommand,
} from '@aws-sdk/client-ec2';
import {
  DeleteDBClusterSnapshotCommand,
  DeleteDBSnapshotCommand,
  DescribeDBClusterSnapshotAttributesCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBSnapshotAttributesCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBClusterSnapshotAttributeCommand,
  ModifyDBSnapshotAttributeCommand,
} from '@aws-sdk/client-rds';
import { rdsOwnerAndName } from '../aws/kinds/rds-common.ts';
import type { Finding } from '../domain/finding.ts';
import { isDryRunOk, isNotFound, logged, type CallLog } from './call-log.ts';
import type { AccountClients } from './types.ts';

/** Who a resource is shared with, as its owner reads it. */
export interface SourceShares {
  accounts: string[];
  /** Organization and OU ARNs. */
  organizations: string[];
  public: boolean;
}

/** The owner's own identifier of an RDS snapshot: its name (the ARN's last field). */
function rdsName(f: Finding): string {
  return rdsOwnerAndName(f.resourceArn)?.name ?? f.resourceId;
}

const list = (xs: readonly string[]) => (xs.length ? xs.join(',') : 'none');

/** The exact shares, read by the owner; undefined when the resource no longer exists at the source. */
export async function readSourceShares(
  f: Finding,
  owner: AccountClients,
  calls: CallLog,
): Promise<SourceShares | undefined> {
  try {
    switch (f.kind) {
      case 'ami': {
        const out = await logged(
          calls,
          `ec2:DescribeImageAttribute ${f.resourceId} launchPermission`,
          () =>
            owner
              .ec2()
              .send(
                new DescribeImageAttributeCommand({ ImageId: f.resourceId, Attribute: 'launchPermission' }),
              ),
          (o) => `${o.LaunchPermissions?.length ?? 0} permission(s)`,
        );
        const perms = out.LaunchPermissions ?? [];
        return {
          accounts: perms.flatMap((p) => (p.UserId ? [p.UserId] : [])),
          organizations: perms.flatMap((p) => [p.OrganizationArn, p.OrganizationalUnitArn].filter(isString)),
          public: perms.some((p) => p.Group === 'all'),
        };
      }
      case 'ebs-snapshot': {
        const out = await logged(
          calls,
          `ec2:DescribeSnapshotAttribute ${f.resourceId} createVolumePermission`,
          () =>
            owner.ec2().send(
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
      }
      case 'rds-snapshot':
      case 'rds-cluster-snapshot': {
        const values =
          f.kind === 'rds-snapshot'
            ? (
                await logged(
                  calls,
                  `rds:DescribeDBSnapshotAttributes ${rdsName(f)}`,
                  () =>
                    owner
                      .rds()
                      .send(new DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: rdsName(f) })),
                  (o) => restoreOf(o.DBSnapshotAttributesResult?.DBSnapshotAttributes).join(',') || 'none',
                )
              ).DBSnapshotAttributesResult?.DBSnapshotAttributes
            : (
                await logged(
                  calls,
                  `rds:DescribeDBClusterSnapshotAttributes ${rdsName(f)}`,
                  () =>
                    owner.rds().send(
                      new DescribeDBClusterSnapshotAttributesCommand({
                        DBClusterSnapshotIdentifier: rdsName(f),
                      }),
                    ),
                  (o) =>
                    restoreOf(o.DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes).join(',') ||
                    'none',
                )
              ).DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes;
        const restore = restoreOf(values);
        return {
          accounts: restore.filter((v) => v !== 'all'),
          organizations: [],
          public: restore.includes('all'),
        };
      }
    }
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

function restoreOf(
  attrs: Array<{ AttributeName?: string; AttributeValues?: string[] }> | undefined,
): string[] {
  return attrs?.find((a) => a.AttributeName === 'restore')?.AttributeValues ?? [];
}

function isString(x: string | undefined): x is string {
  return typeof x === 'string' && x.length > 0;
}

/**
 * Removes exactly one account from the resource's shares, as its owner. With `dryRun`, EC2 is asked
 * with `DryRun=true` (answers DryRunOperation when allowed) and RDS, which has no dry run, is not called.
 * Returns true when the change was made (or would be allowed).
 */
export async function removeAccountAtSource(
  f: Finding,
  owner: AccountClients,
  accountId: string,
  dryRun: boolean,
  calls: CallLog,
): Promise<void> {
  const dry = dryRun ? ' DryRun' : '';
  try {
    switch (f.kind) {
      case 'ami':
        await logged(
          calls,
          `ec2:ModifyImageAttribute ${f.resourceId} LaunchPermission.Remove UserId=${accountId}${dry}`,
          () =>
            owner.ec2().send(
              new ModifyImageAttributeCommand({
                ImageId: f.resourceId,
                LaunchPermission: { Remove: [{ UserId: accountId }] },
                DryRun: dryRun,
              }),
            ),
          () => 'ok',
        );
        return;
      case 'ebs-snapshot':
        await logged(
          calls,
          `ec2:ModifySnapshotAttribute ${f.resourceId} CreateVolumePermission.Remove UserId=${accountId}${dry}`,
          () =>
            owner.ec2().send(
              new ModifySnapshotAttributeCommand({
                SnapshotId: f.resourceId,
                Attribute: 'createVolumePermission',
                CreateVolumePermission: { Remove: [{ UserId: accountId }] },
                DryRun: dryRun,
              }),
            ),
          () => 'ok',
        );
        return;
      case 'rds-snapshot':
        if (dryRun) return;
        await logged(
          calls,
          `rds:ModifyDBSnapshotAttribute ${rdsName(f)} restore ValuesToRemove=${accountId}`,
          () =>
            owner.rds().send(
              new ModifyDBSnapshotAttributeCommand({
                DBSnapshotIdentifier: rdsName(f),
                AttributeName: 'restore',
                ValuesToRemove: [accountId],
              }),
            ),
          (o) => `restore=${list(restoreOf(o.DBSnapshotAttributesResult?.DBSnapshotAttributes))}`,
        );
        return;
      case 'rds-cluster-snapshot':
        if (dryRun) return;
        await logged(
          calls,
          `rds:ModifyDBClusterSnapshotAttribute ${rdsName(f)} restore ValuesToRemove=${accountId}`,
          () =>
            owner.rds().send(
              new ModifyDBClusterSnapshotAttributeCommand({
                DBClusterSnapshotIdentifier: rdsName(f),
                AttributeName: 'restore',
                ValuesToRemove: [accountId],
              }),
            ),
          (o) =>
            `restore=${list(restoreOf(o.DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes))}`,
        );
        return;
    }
  } catch (err) {
    if (dryRun && isDryRunOk(err)) return;
    throw err;
  }
}

/** Removes organization / OU shares of an AMI, as its owner (its own decision: they reach other accounts). */
export async function removeOrgSharesAtSource(
  f: Finding,
  owner: AccountClients,
  arns: readonly string[],
  dryRun: boolean,
  calls: CallLog,
): Promise<void> {
  const remove = arns.map((arn) =>
    arn.includes(':ou/') ? { OrganizationalUnitArn: arn } : { OrganizationArn: arn },
  );
  try {
    await logged(
      calls,
      `ec2:ModifyImageAttribute ${f.resourceId} LaunchPermission.Remove ${arns.join(',')}${dryRun ? ' DryRun' : ''}`,
      () =>
        owner.ec2().send(
          new ModifyImageAttributeCommand({
            ImageId: f.resourceId,
            LaunchPermission: { Remove: remove },
            DryRun: dryRun,
          }),
        ),
      () => 'ok',
    );
  } catch (err) {
    if (dryRun && isDryRunOk(err)) return;
    throw err;
  }
}

/**
 * Deletes the resource at the source. Returns what AWS kept, in words (associated snapshots of an AMI
 * are not deleted; a Recycle Bin rule may keep it restorable). With `dryRun`, EC2 asks `DryRun=true`;
 * RDS (no dry run) is not called.
 */
export async function deleteAtSource(
  f: Finding,
  owner: AccountClients,
  dryRun: boolean,
  calls: CallLog,
): Promise<{ kept: string }> {
  const dry = dryRun ? ' DryRun' : '';
  const recycleBin =
    'If a Recycle Bin retention rule in the owner account matches it, AWS keeps it restorable until the rule expires.';
  try {
    switch (f.kind) {
      case 'ami':
        await logged(
          calls,
          `ec2:DeregisterImage ${f.resourceId}${dry}`,
          () => owner.ec2().send(new DeregisterImageCommand({ ImageId: f.resourceId, DryRun: dryRun })),
          () => 'ok',
        );
        return {
          kept:
            'Its EBS snapshots were not deleted (they stay in the owner account). Instances already launched from it keep running. ' +
            recycleBin,
        };
      case 'ebs-snapshot':
        await logged(
          calls,
          `ec2:DeleteSnapshot ${f.resourceId}${dry}`,
          () => owner.ec2().send(new DeleteSnapshotCommand({ SnapshotId: f.resourceId, DryRun: dryRun })),
          () => 'ok',
        );
        return { kept: `Volumes already created from it are not affected. ${recycleBin}` };
      case 'rds-snapshot':
        if (!dryRun)
          await logged(
            calls,
            `rds:DeleteDBSnapshot ${rdsName(f)}`,
            () => owner.rds().send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: rdsName(f) })),
            (o) => o.DBSnapshot?.Status ?? 'ok',
          );
        return { kept: 'Databases already restored or copies made from it are not affected.' };
      case 'rds-cluster-snapshot':
        if (!dryRun)
          await logged(
            calls,
            `rds:DeleteDBClusterSnapshot ${rdsName(f)}`,
            () =>
              owner
                .rds()
                .send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: rdsName(f) })),
            (o) => o.DBClusterSnapshot?.Status ?? 'ok',
          );
        return { kept: 'Clusters already restored or copies made from it are not affected.' };
    }
  } catch (err) {
    if (dryRun && isDryRunOk(err)) return { kept: '' };
    throw err;
  }
}

/** Does the resource still exist at the source (as its owner lists it)? */
export async function existsAtSource(f: Finding, owner: AccountClients, calls: CallLog): Promise<boolean> {
  try {
    switch (f.kind) {
      case 'ami': {
        const out = await logged(
          calls,
          `ec2:DescribeImages Owners=self image-id=${f.resourceId}`,
          () =>
            owner.ec2().send(
              new DescribeImagesCommand({
                Owners: ['self'],
                IncludeDeprecated: true,
                Filters: [{ Name: 'image-id', Values: [f.resourceId] }],
              }),
            ),
          (o) => (o.Images?.length ? 'exists' : 'gone'),
        );
        return (out.Images ?? []).some((i) => i.ImageId === f.resourceId);
      }
      case 'ebs-snapshot': {
        const out = await logged(
          calls,
          `ec2:DescribeSnapshots OwnerIds=self snapshot-id=${f.resourceId}`,
          () =>
            owner.ec2().send(
              new DescribeSnapshotsCommand({
                OwnerIds: ['self'],
                Filters: [{ Name: 'snapshot-id', Values: [f.resourceId] }],
              }),
            ),
          (o) => (o.Snapshots?.length ? 'exists' : 'gone'),
        );
        return (out.Snapshots ?? []).some((s) => s.SnapshotId === f.resourceId);
      }
      case 'rds-snapshot': {
        const out = await logged(
          calls,
          `rds:DescribeDBSnapshots ${rdsName(f)}`,
          () => owner.rds().send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: rdsName(f) })),
          (o) => (o.DBSnapshots?.length ? 'exists' : 'gone'),
        );
        return (out.DBSnapshots ?? []).length > 0;
      }
      case 'rds-cluster-snapshot': {
        const out = await logged(
          calls,
          `rds:DescribeDBClusterSnapshots ${rdsName(f)}`,
          () =>
            owner
              .rds()
              .send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: rdsName(f) })),
          (o) => (o.DBClusterSnapshots?.length ? 'exists' : 'gone'),
        );
        return (out.DBClusterSnapshots ?? []).length > 0;
      }
    }
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** The IAM actions each helper above may call (kept next to the calls they describe). */
export const OWNER_READ_ACTIONS: Record<Finding['kind'], string[]> = {
  ami: ['ec2:DescribeImageAttribute'],
  'ebs-snapshot': ['ec2:DescribeSnapshotAttribute'],
  'rds-snapshot': ['rds:DescribeDBSnapshotAttributes'],
  'rds-cluster-snapshot': ['rds:DescribeDBClusterSnapshotAttributes'],
};
export const OWNER_REVOKE_ACTIONS: Record<Finding['kind'], string[]> = {
  ami: ['ec2:ModifyImageAttribute'],
  'ebs-snapshot': ['ec2:ModifySnapshotAttribute'],
  'rds-snapshot': ['rds:ModifyDBSnapshotAttribute'],
  'rds-cluster-snapshot': ['rds:ModifyDBClusterSnapshotAttribute'],
};
export const OWNER_DELETE_ACTIONS: Record<Finding['kind'], string[]> = {
  ami: ['ec2:DeregisterImage', 'ec2:DescribeImages'],
  'ebs-snapshot': ['ec2:DeleteSnapshot', 'ec2:DescribeSnapshots'],
  'rds-snapshot': ['rds:DeleteDBSnapshot', 'rds:DescribeDBSnapshots'],
  'rds-cluster-snapshot': ['rds:DeleteDBClusterSnapshot', 'rds:DescribeDBClusterSnapshots'],
};
