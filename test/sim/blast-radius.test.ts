// Issue 9 parts of the simulator: who uses a shared resource (instances, volumes, own AMIs, own
// RDS copies, restore events), image aliases, and Allowed AMIs criteria as AWS has them.
import {
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeInstanceImageMetadataCommand,
  DescribeInstancesCommand,
  DescribeVolumesCommand,
  EC2Client,
  EnableAllowedImagesSettingsCommand,
  ReplaceImageCriteriaInAllowedImagesSettingsCommand,
} from '@aws-sdk/client-ec2';
import {
  DescribeDBClusterSnapshotsCommand,
  DescribeDBSnapshotsCommand,
  DescribeEventsCommand,
  RDSClient,
  type DescribeEventsCommandInput,
} from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, type SimHandle } from '../../src/testing/sim/index.ts';
import { A, assume, failure, type Creds } from './helpers.ts';

const OWNER = '999999999999';
const DAY = 86_400_000;
const T = '2024-05-01T00:00:00.000Z';
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const SHARED_DB = `arn:aws:rds:us-east-1:${OWNER}:snapshot:orders-shared`;
const SHARED_CLUSTER = `arn:aws:rds:us-east-1:${OWNER}:cluster-snapshot:aurora-shared`;

function world() {
  const img = (id: string, owner: string, extra: object = {}) => ({
    id,
    region: 'us-east-1',
    owner,
    name: id,
    creationDate: T,
    launchPermissions: owner === A ? [] : [{ userId: A }],
    ...extra,
  });
  return {
    homeAccount: A,
    accounts: [
      { id: A, regions: ['us-east-1', 'eu-west-1'], assumeRole: 'allow' },
      { id: OWNER, regions: ['us-east-1'], assumeRole: 'allow' },
      {
        id: '888888888888',
        regions: ['us-east-1'],
        assumeRole: 'allow',
        allowedAmis: {
          'us-east-1': {
            state: 'audit-mode',
            providers: [],
            managedBy: 'declarative-policy',
            criteria: [{ imageProviders: ['amazon'] }],
          },
        },
      },
    ],
    images: [
      img('ami-0ubuntu', '099720109477', {
        name: 'ubuntu/images/hvm-ssd/ubuntu-noble-24.04-amd64-server-20250101',
      }),
      img('ami-0fake', OWNER, { name: 'ubuntu/images/hvm-ssd/ubuntu-noble-24.04-amd64-server-20250102' }),
      img('ami-0amzn', '137112412989', { imageOwnerAlias: 'amazon', name: 'al2023-ami-2023.6' }),
      img('ami-0gone', OWNER),
      img('ami-0mine', A, { blockDeviceMappings: [{ deviceName: '/dev/xvda', snapshotId: 'snap-0shared' }] }),
    ],
    snapshots: [
      {
        id: 'snap-0shared',
        region: 'us-east-1',
        owner: OWNER,
        description: 'x',
        startTime: T,
        volumeSize: 8,
        encrypted: false,
        createVolumePermissions: [{ userId: A }],
      },
    ],
    dbSnapshots: [
      {
        id: 'orders-shared',
        region: 'us-east-1',
        owner: OWNER,
        engine: 'postgres',
        createTime: T,
        restore: [A],
      },
      {
        id: 'orders-copy',
        region: 'us-east-1',
        owner: A,
        engine: 'postgres',
        createTime: T,
        restore: [],
        sourceSnapshotArn: SHARED_DB,
      },
    ],
    dbClusterSnapshots: [
      {
        id: 'aurora-copy',
        region: 'us-east-1',
        owner: A,
        engine: 'aurora-mysql',
        createTime: T,
        restore: [],
        sourceSnapshotArn: SHARED_CLUSTER,
      },
    ],
    instances: [
      {
        id: 'i-0001',
        account: A,
        region: 'us-east-1',
        imageId: 'ami-0fake',
        state: 'running',
        launchTime: '2025-01-01T00:00:00.000Z',
      },
      {
        id: 'i-0002',
        account: A,
        region: 'us-east-1',
        imageId: 'ami-0gone',
        state: 'stopped',
        launchTime: '2025-02-01T00:00:00.000Z',
      },
      { id: 'i-0003', account: A, region: 'us-east-1', imageId: 'ami-0amzn' },
    ],
    volumes: [{ id: 'vol-0001', account: A, region: 'us-east-1', snapshotId: 'snap-0shared' }],
    rdsEvents: [
      {
        account: A,
        region: 'us-east-1',
        sourceId: 'orders-db',
        message: `Restored from snapshot ${SHARED_DB}`,
        date: ago(30 * 60_000),
      },
      {
        account: A,
        region: 'us-east-1',
        sourceId: 'orders-db2',
        message: `Restored from snapshot ${SHARED_DB}`,
        date: ago(3 * DAY),
      },
      {
        account: A,
        region: 'us-east-1',
        sourceId: 'old-db',
        message: 'Restored from snapshot x',
        date: ago(20 * DAY),
      },
      {
        account: A,
        region: 'us-east-1',
        sourceId: 'aurora-1',
        sourceType: 'db-cluster',
        message: 'Restored from snapshot y',
        date: ago(60_000),
      },
      { account: OWNER, region: 'us-east-1', sourceId: 'theirs', message: 'Restored', date: ago(60_000) },
    ],
  };
}

let sim: SimHandle;
let creds: Creds;
let ec2: EC2Client;
let rds: RDSClient;

beforeAll(async () => {
  sim = await start({ world: world() });
  creds = { accessKeyId: sim.accessKeyId, secretAccessKey: sim.secretAccessKey };
  ec2 = new EC2Client({ endpoint: sim.endpoint, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
  rds = new RDSClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
});
afterAll(async () => {
  await sim.stop();
});

describe('images and instances', () => {
  it('ImageOwnerAlias is set only for aliased owners; the owner-alias filter works', async () => {
    const out = await ec2.send(new DescribeImagesCommand({ ExecutableUsers: ['self'] }));
    const alias = Object.fromEntries(out.Images!.map((i) => [i.ImageId, i.ImageOwnerAlias ?? null]));
    expect(alias).toMatchObject({ 'ami-0amzn': 'amazon', 'ami-0fake': null, 'ami-0ubuntu': null });
    const amazon = await ec2.send(
      new DescribeImagesCommand({ Filters: [{ Name: 'owner-alias', Values: ['amazon'] }] }),
    );
    expect(amazon.Images!.map((i) => i.ImageId)).toEqual(['ami-0amzn']);
  });

  it('DescribeInstances returns state and launch time, filtered by image-id', async () => {
    const out = await ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'image-id', Values: ['ami-0gone'] }] }),
    );
    const i = out.Reservations![0]!.Instances![0]!;
    expect([i.InstanceId, i.State!.Name, i.LaunchTime!.toISOString()]).toEqual([
      'i-0002',
      'stopped',
      '2025-02-01T00:00:00.000Z',
    ]);
  });

  it('DescribeInstanceImageMetadata describes the launch AMI even after it is deregistered', async () => {
    const owner = new EC2Client({
      endpoint: sim.endpoint,
      region: 'us-east-1',
      credentials: await assume(sim, OWNER),
      maxAttempts: 1,
    });
    await owner.send(new DeregisterImageCommand({ ImageId: 'ami-0gone' }));
    const out = await ec2.send(new DescribeInstanceImageMetadataCommand({}));
    const byId = Object.fromEntries(out.InstanceImageMetadata!.map((m) => [m.InstanceId, m]));
    expect(byId['i-0002']!.ImageMetadata).toMatchObject({
      ImageId: 'ami-0gone',
      OwnerId: OWNER,
      State: 'deregistered',
    });
    expect(byId['i-0002']!.State!.Name).toBe('stopped');
    expect(byId['i-0001']!.ImageMetadata).toMatchObject({
      ImageId: 'ami-0fake',
      OwnerId: OWNER,
      State: 'available',
    });
    const running = await ec2.send(
      new DescribeInstanceImageMetadataCommand({
        Filters: [{ Name: 'instance-state-name', Values: ['running'] }],
      }),
    );
    expect(running.InstanceImageMetadata!.map((m) => m.InstanceId).sort()).toEqual(['i-0001', 'i-0003']);
    const byOwner = await ec2.send(
      new DescribeInstanceImageMetadataCommand({ Filters: [{ Name: 'owner-id', Values: [OWNER] }] }),
    );
    expect(byOwner.InstanceImageMetadata!.map((m) => m.InstanceId).sort()).toEqual(['i-0001', 'i-0002']);
    const byAlias = await ec2.send(
      new DescribeInstanceImageMetadataCommand({ Filters: [{ Name: 'owner-alias', Values: ['amazon'] }] }),
    );
    expect(byAlias.InstanceImageMetadata!.map((m) => m.InstanceId)).toEqual(['i-0003']);
    expect(
      await failure(
        ec2.send(
          new DescribeInstanceImageMetadataCommand({
            Filters: [{ Name: 'image-id', Values: ['ami-0fake'] }],
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterValue' });
  });

  it('image-allowed follows the Allowed AMIs settings', async () => {
    await ec2.send(new EnableAllowedImagesSettingsCommand({ AllowedImagesSettingsState: 'audit-mode' }));
    await ec2.send(
      new ReplaceImageCriteriaInAllowedImagesSettingsCommand({
        ImageCriteria: [{ ImageProviders: ['amazon'] }],
      }),
    );
    const out = await ec2.send(
      new DescribeInstanceImageMetadataCommand({ Filters: [{ Name: 'image-allowed', Values: ['false'] }] }),
    );
    expect(out.InstanceImageMetadata!.map((m) => m.InstanceId).sort()).toEqual(['i-0001', 'i-0002']);
  });

  it('volumes from a snapshot and own AMIs built on it', async () => {
    const vols = await ec2.send(
      new DescribeVolumesCommand({ Filters: [{ Name: 'snapshot-id', Values: ['snap-0shared'] }] }),
    );
    expect(vols.Volumes!.map((v) => v.VolumeId)).toEqual(['vol-0001']);
    const own = await ec2.send(
      new DescribeImagesCommand({
        Owners: ['self'],
        Filters: [{ Name: 'block-device-mapping.snapshot-id', Values: ['snap-0shared'] }],
      }),
    );
    expect(own.Images!.map((i) => i.ImageId)).toEqual(['ami-0mine']);
  });
});

describe('RDS: own copies and restore events', () => {
  it('own copies name their source', async () => {
    const db = await rds.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'manual' }));
    expect(db.DBSnapshots!.map((s) => [s.DBSnapshotIdentifier, s.SourceDBSnapshotIdentifier])).toEqual([
      ['orders-copy', SHARED_DB],
    ]);
    const cl = await rds.send(new DescribeDBClusterSnapshotsCommand({}));
    expect(
      cl.DBClusterSnapshots!.map((s) => [s.DBClusterSnapshotIdentifier, s.SourceDBClusterSnapshotArn]),
    ).toEqual([['aurora-copy', SHARED_CLUSTER]]);
  });

  it('DescribeEvents: last hour by default, StartTime and Duration, 14 days back, SourceType', async () => {
    const ids = async (input: DescribeEventsCommandInput) =>
      ((await rds.send(new DescribeEventsCommand(input))).Events ?? []).map((e) => e.SourceIdentifier).sort();
    expect(await ids({})).toEqual(['aurora-1', 'orders-db']);
    expect(await ids({ StartTime: new Date(Date.now() - 30 * DAY) })).toEqual([
      'aurora-1',
      'orders-db',
      'orders-db2',
    ]);
    expect(await ids({ Duration: 5 * 24 * 60 })).toEqual(['aurora-1', 'orders-db', 'orders-db2']);
    expect(await ids({ SourceType: 'db-instance', StartTime: new Date(Date.now() - 14 * DAY) })).toEqual([
      'orders-db',
      'orders-db2',
    ]);
    expect(await ids({ SourceType: 'db-cluster', SourceIdentifier: 'aurora-1' })).toEqual(['aurora-1']);
    const ev = (await rds.send(new DescribeEventsCommand({ SourceType: 'db-instance' }))).Events![0]!;
    expect(ev).toMatchObject({
      Message: `Restored from snapshot ${SHARED_DB}`,
      SourceArn: `arn:aws:rds:us-east-1:${A}:db:orders-db`,
    });
    expect(
      await failure(rds.send(new DescribeEventsCommand({ SourceIdentifier: 'orders-db' }))),
    ).toMatchObject({
      name: 'InvalidParameterCombination',
    });
  });
});

describe('Allowed AMIs criteria limits', () => {
  it('at most 10 criteria and 200 providers a criterion; "none" alone', async () => {
    const eleven = Array.from({ length: 11 }, () => ({ ImageProviders: ['amazon'] }));
    expect(
      await failure(
        ec2.send(new ReplaceImageCriteriaInAllowedImagesSettingsCommand({ ImageCriteria: eleven })),
      ),
    ).toMatchObject({ name: 'InvalidParameterValue' });
    const providers = Array.from({ length: 201 }, (_, i) => String(100000000000 + i));
    expect(
      await failure(
        ec2.send(
          new ReplaceImageCriteriaInAllowedImagesSettingsCommand({
            ImageCriteria: [{ ImageProviders: providers }],
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterValue' });
    expect(
      await failure(
        ec2.send(
          new ReplaceImageCriteriaInAllowedImagesSettingsCommand({
            ImageCriteria: [{ ImageProviders: ['none', 'amazon'] }],
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterValue' });
    await ec2.send(
      new ReplaceImageCriteriaInAllowedImagesSettingsCommand({
        ImageCriteria: [
          { ImageProviders: providers.slice(0, 200) },
          { ImageNames: ['ubuntu/images/*'], CreationDateCondition: { MaximumDaysSinceCreated: 100000 } },
        ],
      }),
    );
    const out = await ec2.send(new DescribeImagesCommand({ ExecutableUsers: ['self'] }));
    const allowed = Object.fromEntries(out.Images!.map((i) => [i.ImageId, i.ImageAllowed]));
    expect(allowed).toMatchObject({ 'ami-0ubuntu': true, 'ami-0fake': true, 'ami-0amzn': false });
  });

  it('settings managed by a declarative policy cannot be changed by the account', async () => {
    const managed = new EC2Client({
      endpoint: sim.endpoint,
      region: 'us-east-1',
      credentials: await assume(sim, '888888888888'),
      maxAttempts: 1,
    });
    expect(
      await failure(
        managed.send(new EnableAllowedImagesSettingsCommand({ AllowedImagesSettingsState: 'enabled' })),
      ),
    ).toMatchObject({ name: 'OperationNotPermitted' });
    expect(sim.state.allowedImagesSettings('888888888888', 'us-east-1')).toMatchObject({
      state: 'audit-mode',
      managedBy: 'declarative-policy',
    });
  });
});
