/** The recipient-side call: is the resource still visible to the monitored account? (docs/aws.md §1) */
import { DescribeImagesCommand, DescribeSnapshotsCommand } from '@aws-sdk/client-ec2';
import { DescribeDBClusterSnapshotsCommand, DescribeDBSnapshotsCommand } from '@aws-sdk/client-rds';
import type { Finding } from '../domain/finding.ts';
import { logged, type CallLog } from './call-log.ts';
import type { AccountClients } from './types.ts';

/**
 * Does the monitored account still see the resource shared in? A filter, not an id parameter: a
 * resource the account can no longer see is then an empty answer, not an error.
 */
export async function visibleToRecipient(
  f: Finding,
  recipient: AccountClients,
  calls: CallLog,
): Promise<boolean> {
  switch (f.kind) {
    case 'ami': {
      const out = await logged(
        calls,
        `ec2:DescribeImages ExecutableBy=self image-id=${f.resourceId}`,
        () =>
          recipient.ec2().send(
            new DescribeImagesCommand({
              ExecutableUsers: ['self'],
              IncludeDeprecated: true,
              Filters: [{ Name: 'image-id', Values: [f.resourceId] }],
            }),
          ),
        (o) => (o.Images?.some((i) => i.ImageId === f.resourceId) ? 'still visible' : 'not visible'),
      );
      return (out.Images ?? []).some((i) => i.ImageId === f.resourceId);
    }
    case 'ebs-snapshot': {
      const out = await logged(
        calls,
        `ec2:DescribeSnapshots RestorableBy=self snapshot-id=${f.resourceId}`,
        () =>
          recipient.ec2().send(
            new DescribeSnapshotsCommand({
              RestorableByUserIds: ['self'],
              Filters: [{ Name: 'snapshot-id', Values: [f.resourceId] }],
            }),
          ),
        (o) => (o.Snapshots?.some((s) => s.SnapshotId === f.resourceId) ? 'still visible' : 'not visible'),
      );
      return (out.Snapshots ?? []).some((s) => s.SnapshotId === f.resourceId);
    }
    case 'rds-snapshot': {
      const out = await logged(
        calls,
        `rds:DescribeDBSnapshots shared db-snapshot-id=${f.resourceArn}`,
        () =>
          recipient.rds().send(
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
    }
    case 'rds-cluster-snapshot': {
      const out = await logged(
        calls,
        `rds:DescribeDBClusterSnapshots shared db-cluster-snapshot-id=${f.resourceArn}`,
        () =>
          recipient.rds().send(
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
    }
  }
}

/** The IAM actions `visibleToRecipient` may call (kept next to the calls they describe). */
export const RECIPIENT_VISIBILITY_ACTIONS: Record<Finding['kind'], string[]> = {
  ami: ['ec2:DescribeImages'],
  'ebs-snapshot': ['ec2:DescribeSnapshots'],
  'rds-snapshot': ['rds:DescribeDBSnapshots'],
  'rds-cluster-snapshot': ['rds:DescribeDBClusterSnapshots'],
};
