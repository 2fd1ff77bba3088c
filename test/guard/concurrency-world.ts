/**
 * Issue 20's concurrency world and probe, shared by the in-process tests (convergence.test.ts) and the
 * two-`serve`-replicas test (replicas.e2e.test.ts): one monitored account with a workload role, IAM
 * answering slowly, 20 shares from one owner that only the guard can stop and one AMI each from two more.
 */
import { CreateVolumeCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { CopyDBClusterSnapshotCommand, RestoreDBInstanceFromDBSnapshotCommand } from '@aws-sdk/client-rds';
import type { FindingRecord } from '../../src/domain/lifecycle.ts';
import { account, emptyWorld, image, OU, rdsSnapshot, snapshot, type World } from '../helpers/world.ts';
import { A, EVIL, R, WORKLOAD, outcomeOf, type actAs } from './helpers.ts';

export const OWNER1 = '555555555555';
export const OWNER2 = '666666666666';

/** What the workload role gets when the guard denies a use. */
export const DENIED = ['UnauthorizedOperation', 'AccessDenied'];

/** IAM as slow as it was seen (a few hundred ms, one GetPolicyVersion slower): races get room. */
export const SLOW_IAM = {
  'iam:GetPolicy': 120,
  'iam:GetPolicyVersion': 300,
  'iam:CreatePolicy': 150,
  'iam:CreatePolicyVersion': 150,
  'iam:ListPolicyVersions': 120,
  'iam:DeletePolicyVersion': 120,
  'iam:AttachRolePolicy': 120,
  'iam:ListAttachedRolePolicies': 120,
  'iam:SimulatePrincipalPolicy': 60,
};

/** 20 shares from EVIL that only the guard can stop (no recipient-side removal), 1 AMI each from two more owners. */
export function concurrencyWorld(): World {
  const w = emptyWorld([account(A, [R], { ous: [OU], roles: [{ name: WORKLOAD, policies: [] }] })]);
  w.latency = { actions: SLOW_IAM };
  for (let n = 1; n <= 6; n++) w.images.push(image(n, R, EVIL, [{ organizationalUnitArn: OU }]));
  for (let n = 1; n <= 6; n++) w.snapshots.push(snapshot(n, R, EVIL, [A]));
  for (let n = 1; n <= 4; n++) w.dbSnapshots.push(rdsSnapshot(`db-${n}`, R, EVIL, [A]));
  for (let n = 1; n <= 4; n++)
    w.dbClusterSnapshots.push(rdsSnapshot(`cluster-${n}`, R, EVIL, [A], 'aurora-postgresql'));
  w.images.push(image(101, R, OWNER1, [{ organizationalUnitArn: OU }]));
  w.images.push(image(102, R, OWNER2, [{ organizationalUnitArn: OU }]));
  return w;
}

/** What the workload role gets when it uses the finding's resource: `ok` or AWS's error code. */
export async function useAs(
  w: Awaited<ReturnType<typeof actAs>>,
  rec: Pick<FindingRecord, 'finding'>,
): Promise<string> {
  const f = rec.finding;
  const tag = `${f.kind}-${Math.random().toString(36).slice(2, 8)}`;
  switch (f.kind) {
    case 'ami':
      return outcomeOf(
        w.ec2.send(new RunInstancesCommand({ ImageId: f.resourceId, MinCount: 1, MaxCount: 1 })),
      );
    case 'ebs-snapshot':
      return outcomeOf(
        w.ec2.send(new CreateVolumeCommand({ SnapshotId: f.resourceId, AvailabilityZone: `${R}a` })),
      );
    case 'rds-snapshot':
      return outcomeOf(
        w.rds.send(
          new RestoreDBInstanceFromDBSnapshotCommand({
            DBInstanceIdentifier: tag,
            DBSnapshotIdentifier: f.resourceArn,
          }),
        ),
      );
    case 'rds-cluster-snapshot':
      return outcomeOf(
        w.rds.send(
          new CopyDBClusterSnapshotCommand({
            SourceDBClusterSnapshotIdentifier: f.resourceArn,
            TargetDBClusterSnapshotIdentifier: tag,
          }),
        ),
      );
  }
}
