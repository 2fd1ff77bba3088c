// Deny enforcement over a workload role (docs/simulator.md "Policy evaluation"):
// what the guard blocks is refused, everything else still works and is recorded in the state.
import {
  CopyImageCommand,
  CopySnapshotCommand,
  CreateVolumeCommand,
  DescribeVolumesCommand,
  EC2Client,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  CopyDBClusterSnapshotCommand,
  CopyDBSnapshotCommand,
  RDSClient,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, type SimHandle } from '../../src/testing/sim/index.ts';
import { A, failure, ORG, OU1, type Creds } from './helpers.ts';

const OWNER = '999999999999'; // shares things into A; also the organization's management account
const T = '2024-05-01T00:00:00.000Z';
const BAD_DB = `arn:aws:rds:us-east-1:${OWNER}:snapshot:bad-db`;
const GOOD_DB = `arn:aws:rds:us-east-1:${OWNER}:snapshot:good-db`;
const BAD_CLUSTER = `arn:aws:rds:us-east-1:${OWNER}:cluster-snapshot:bad-cluster`;
const GOOD_CLUSTER = `arn:aws:rds:us-east-1:${OWNER}:cluster-snapshot:good-cluster`;

function world() {
  const img = (id: string, owner = OWNER, extra: object = {}) => ({
    id,
    region: 'us-east-1',
    owner,
    name: id,
    creationDate: T,
    launchPermissions: [{ userId: A }],
    ...extra,
  });
  const snap = (id: string) => ({
    id,
    region: 'us-east-1',
    owner: OWNER,
    description: id,
    startTime: T,
    volumeSize: 8,
    encrypted: false,
    createVolumePermissions: [{ userId: A }],
  });
  const rds = (id: string, engine = 'postgres') => ({
    id,
    region: 'us-east-1',
    owner: OWNER,
    engine,
    createTime: T,
    restore: [A],
  });
  const guard = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Img',
        Effect: 'Deny',
        Action: ['ec2:RunInstances', 'ec2:CopyImage'],
        Resource: 'arn:aws:ec2:*::image/ami-0bad',
      },
      {
        Sid: 'Snap',
        Effect: 'Deny',
        Action: ['ec2:CreateVolume', 'ec2:CopySnapshot'],
        Resource: 'arn:aws:ec2:*::snapshot/snap-0bad',
      },
      {
        Sid: 'Rds',
        Effect: 'Deny',
        Action: [
          'rds:RestoreDBInstanceFromDBSnapshot',
          'rds:CopyDBSnapshot',
          'rds:RestoreDBClusterFromSnapshot',
          'rds:CopyDBClusterSnapshot',
        ],
        Resource: [BAD_DB, BAD_CLUSTER],
      },
    ],
  };
  return {
    homeAccount: '000000000000',
    accounts: [
      {
        id: A,
        regions: ['us-east-1', 'eu-west-1'],
        assumeRole: 'allow',
        organization: ORG,
        ous: [OU1],
        roles: [{ name: 'WorkloadRole', policies: [`arn:aws:iam::${A}:policy/ShareGuardBlocked`] }],
        policies: [{ name: 'ShareGuardBlocked', document: guard }],
        allowedAmis: { 'eu-west-1': { state: 'enabled', providers: ['amazon'] } },
      },
      { id: OWNER, regions: ['us-east-1'], assumeRole: 'allow', organization: ORG },
    ],
    organizationPolicies: {
      managementAccount: OWNER,
      policies: [
        {
          id: 'p-owner0001',
          name: 'UntrustedOwner',
          content: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Deny',
                Action: 'ec2:RunInstances',
                Resource: 'arn:aws:ec2:*::image/*',
                Condition: { StringEquals: { 'ec2:Owner': '777777777777' } },
              },
            ],
          },
          targets: ['ou-ab12-cdef3456'],
        },
      ],
    },
    images: [
      img('ami-0bad'),
      img('ami-0good'),
      img('ami-0evil', '777777777777'),
      img('ami-0hidden', OWNER, { launchPermissions: [] }),
      { ...img('ami-0eu'), region: 'eu-west-1' },
      { ...img('ami-0euamzn', '137112412989', { imageOwnerAlias: 'amazon' }), region: 'eu-west-1' },
    ],
    snapshots: [snap('snap-0bad'), snap('snap-0good')],
    dbSnapshots: [rds('bad-db'), rds('good-db')],
    dbClusterSnapshots: [rds('bad-cluster', 'aurora-postgresql'), rds('good-cluster', 'aurora-postgresql')],
    instances: [],
    volumes: [],
  };
}

let sim: SimHandle;
let workload: Creds;
let scanner: Creds;

async function role(name: string): Promise<Creds> {
  const sts = new STSClient({
    endpoint: sim.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: sim.accessKeyId, secretAccessKey: sim.secretAccessKey },
  });
  const out = await sts.send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${A}:role/${name}`, RoleSessionName: 'test' }),
  );
  sts.destroy();
  const c = out.Credentials!;
  return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
}

const ec2 = (c: Creds, region = 'us-east-1') =>
  new EC2Client({ endpoint: sim.endpoint, region, credentials: c, maxAttempts: 1 });
const rds = (c: Creds) =>
  new RDSClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials: c, maxAttempts: 1 });

beforeAll(async () => {
  sim = await start({ world: world() });
  workload = await role('WorkloadRole');
  scanner = await role('ShareGuardScan'); // not in the world's roles: no managed policies
});
afterAll(async () => {
  await sim.stop();
});

describe('EC2 enforcement', () => {
  it('RunInstances: the blocked AMI is UnauthorizedOperation, another one launches and is recorded', async () => {
    const err = await failure(
      ec2(workload).send(new RunInstancesCommand({ ImageId: 'ami-0bad', MinCount: 1, MaxCount: 1 })),
    );
    expect(err).toMatchObject({ name: 'UnauthorizedOperation', status: 403 });
    expect(err.message).toContain('ec2:RunInstances');
    expect(sim.state.denials.at(-1)).toMatchObject({
      account: A,
      role: 'WorkloadRole',
      action: 'ec2:RunInstances',
      resource: 'arn:aws:ec2:us-east-1::image/ami-0bad',
      matched: [
        { sourcePolicyId: `arn:aws:iam::${A}:policy/ShareGuardBlocked`, kind: 'identity', sid: 'Img' },
      ],
    });
    const out = await ec2(workload).send(
      new RunInstancesCommand({ ImageId: 'ami-0good', MinCount: 1, MaxCount: 1 }),
    );
    const id = out.Instances![0]!.InstanceId!;
    expect(sim.state.instance(id)).toMatchObject({ account: A, imageId: 'ami-0good', state: 'running' });
    // The same role's policy does not apply to another role of the account.
    await ec2(scanner).send(new RunInstancesCommand({ ImageId: 'ami-0bad', MinCount: 1, MaxCount: 1 }));
  });

  it('DryRun: UnauthorizedOperation when denied, DryRunOperation when allowed; nothing launched', async () => {
    const before = sim.state.toWorld().instances.length;
    expect(
      await failure(
        ec2(workload).send(
          new RunInstancesCommand({ ImageId: 'ami-0bad', MinCount: 1, MaxCount: 1, DryRun: true }),
        ),
      ),
    ).toMatchObject({ name: 'UnauthorizedOperation' });
    expect(
      await failure(
        ec2(workload).send(
          new RunInstancesCommand({ ImageId: 'ami-0good', MinCount: 1, MaxCount: 1, DryRun: true }),
        ),
      ),
    ).toMatchObject({ name: 'DryRunOperation' });
    expect(sim.state.toWorld().instances.length).toBe(before);
  });

  it('an SCP over the account (through its OU) denies by ec2:Owner for every role', async () => {
    for (const c of [workload, scanner]) {
      expect(
        await failure(
          ec2(c).send(new RunInstancesCommand({ ImageId: 'ami-0evil', MinCount: 1, MaxCount: 1 })),
        ),
      ).toMatchObject({ name: 'UnauthorizedOperation' });
    }
    expect(sim.state.denials.at(-1)!.matched).toEqual([
      { sourcePolicyId: 'p-owner0001', kind: 'scp', statementIndex: 0 },
    ]);
  });

  it('an allowed but invisible AMI is InvalidAMIID.NotFound', async () => {
    expect(
      await failure(
        ec2(workload).send(new RunInstancesCommand({ ImageId: 'ami-0hidden', MinCount: 1, MaxCount: 1 })),
      ),
    ).toMatchObject({ name: 'InvalidAMIID.NotFound' });
  });

  it('Allowed AMIs enabled: a non-allowed AMI is refused, an allowed one launches', async () => {
    expect(
      await failure(
        ec2(scanner, 'eu-west-1').send(
          new RunInstancesCommand({ ImageId: 'ami-0eu', MinCount: 1, MaxCount: 1 }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidAMIID.NotFound' });
    const out = await ec2(scanner, 'eu-west-1').send(
      new RunInstancesCommand({ ImageId: 'ami-0euamzn', MinCount: 1, MaxCount: 1 }),
    );
    expect(out.Instances).toHaveLength(1);
  });

  it('CreateVolume: blocked snapshot denied, another one creates a volume visible in DescribeVolumes', async () => {
    expect(
      await failure(
        ec2(workload).send(
          new CreateVolumeCommand({ SnapshotId: 'snap-0bad', AvailabilityZone: 'us-east-1a' }),
        ),
      ),
    ).toMatchObject({ name: 'UnauthorizedOperation' });
    const vol = await ec2(workload).send(
      new CreateVolumeCommand({ SnapshotId: 'snap-0good', AvailabilityZone: 'us-east-1a' }),
    );
    expect(sim.state.volume(vol.VolumeId!)).toMatchObject({ account: A, snapshotId: 'snap-0good' });
    const listed = await ec2(workload).send(
      new DescribeVolumesCommand({ Filters: [{ Name: 'snapshot-id', Values: ['snap-0good'] }] }),
    );
    expect(listed.Volumes!.map((v) => v.VolumeId)).toEqual([vol.VolumeId]);
  });

  it('CopySnapshot and CopyImage check the source', async () => {
    expect(
      await failure(
        ec2(workload).send(
          new CopySnapshotCommand({ SourceSnapshotId: 'snap-0bad', SourceRegion: 'us-east-1' }),
        ),
      ),
    ).toMatchObject({ name: 'UnauthorizedOperation' });
    const snap = await ec2(workload).send(
      new CopySnapshotCommand({ SourceSnapshotId: 'snap-0good', SourceRegion: 'us-east-1' }),
    );
    expect(sim.state.snapshot(snap.SnapshotId!)).toMatchObject({ owner: A });
    expect(
      await failure(
        ec2(workload).send(
          new CopyImageCommand({ SourceImageId: 'ami-0bad', SourceRegion: 'us-east-1', Name: 'c' }),
        ),
      ),
    ).toMatchObject({ name: 'UnauthorizedOperation' });
    const img = await ec2(workload).send(
      new CopyImageCommand({ SourceImageId: 'ami-0good', SourceRegion: 'us-east-1', Name: 'c' }),
    );
    expect(sim.state.image(img.ImageId!)).toMatchObject({ owner: A, sourceImageId: 'ami-0good' });
    expect(
      await failure(
        ec2(workload).send(
          new CopySnapshotCommand({ SourceSnapshotId: 'snap-0nothere', SourceRegion: 'us-east-1' }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidSnapshot.NotFound' });
  });
});

describe('RDS enforcement', () => {
  it('RestoreDBInstanceFromDBSnapshot: AccessDenied for the blocked ARN; allowed restores are recorded with an event', async () => {
    expect(
      await failure(
        rds(workload).send(
          new RestoreDBInstanceFromDBSnapshotCommand({
            DBInstanceIdentifier: 'x1',
            DBSnapshotIdentifier: BAD_DB,
          }),
        ),
      ),
    ).toMatchObject({ name: 'AccessDenied', status: 403 });
    const out = await rds(workload).send(
      new RestoreDBInstanceFromDBSnapshotCommand({
        DBInstanceIdentifier: 'orders-db',
        DBSnapshotIdentifier: GOOD_DB,
      }),
    );
    expect(out.DBInstance!.DBInstanceIdentifier).toBe('orders-db');
    expect(sim.state.toWorld().dbInstances).toEqual([
      { id: 'orders-db', account: A, region: 'us-east-1', engine: 'postgres', restoredFrom: GOOD_DB },
    ]);
    expect(sim.state.toWorld().rdsEvents).toContainEqual(
      expect.objectContaining({
        account: A,
        sourceId: 'orders-db',
        message: `Restored from snapshot ${GOOD_DB}`,
      }),
    );
  });

  it('RestoreDBClusterFromSnapshot, CopyDBSnapshot, CopyDBClusterSnapshot', async () => {
    expect(
      await failure(
        rds(workload).send(
          new RestoreDBClusterFromSnapshotCommand({
            DBClusterIdentifier: 'c1',
            SnapshotIdentifier: BAD_CLUSTER,
            Engine: 'aurora-postgresql',
          }),
        ),
      ),
    ).toMatchObject({ name: 'AccessDenied' });
    await rds(workload).send(
      new RestoreDBClusterFromSnapshotCommand({
        DBClusterIdentifier: 'c2',
        SnapshotIdentifier: GOOD_CLUSTER,
        Engine: 'aurora-postgresql',
      }),
    );
    expect(sim.state.toWorld().dbClusters!.map((c) => c.id)).toEqual(['c2']);
    expect(
      await failure(
        rds(workload).send(
          new CopyDBSnapshotCommand({
            SourceDBSnapshotIdentifier: BAD_DB,
            TargetDBSnapshotIdentifier: 'copy1',
          }),
        ),
      ),
    ).toMatchObject({ name: 'AccessDenied' });
    const copy = await rds(workload).send(
      new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: GOOD_DB, TargetDBSnapshotIdentifier: 'copy2' }),
    );
    expect(copy.DBSnapshot!.SourceDBSnapshotIdentifier).toBe(GOOD_DB);
    expect(sim.state.dbSnapshot('copy2', A)).toMatchObject({ owner: A, sourceSnapshotArn: GOOD_DB });
    expect(
      await failure(
        rds(workload).send(
          new CopyDBClusterSnapshotCommand({
            SourceDBClusterSnapshotIdentifier: BAD_CLUSTER,
            TargetDBClusterSnapshotIdentifier: 'cc1',
          }),
        ),
      ),
    ).toMatchObject({ name: 'AccessDenied' });
    const cc = await rds(workload).send(
      new CopyDBClusterSnapshotCommand({
        SourceDBClusterSnapshotIdentifier: GOOD_CLUSTER,
        TargetDBClusterSnapshotIdentifier: 'cc2',
      }),
    );
    expect(cc.DBClusterSnapshot!.SourceDBClusterSnapshotArn).toBe(GOOD_CLUSTER);
  });

  it('denials are readable over HTTP for out-of-process tests', async () => {
    const res = await fetch(`${sim.endpoint}/_sim/denials`);
    const denials = (await res.json()) as { action: string }[];
    expect(denials.map((d) => d.action)).toContain('rds:CopyDBClusterSnapshot');
  });

  it('a snapshot A cannot see is DBSnapshotNotFound', async () => {
    expect(
      await failure(
        rds(workload).send(
          new RestoreDBInstanceFromDBSnapshotCommand({
            DBInstanceIdentifier: 'x3',
            DBSnapshotIdentifier: `arn:aws:rds:us-east-1:${OWNER}:snapshot:nothere`,
          }),
        ),
      ),
    ).toMatchObject({ name: 'DBSnapshotNotFoundFault' });
  });
});
