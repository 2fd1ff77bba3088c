// Owner-side actions (docs/aws.md "The removal ladder"): read the exact shares, revoke one, disable, delete —
// owner only, DryRun on EC2, and every change visible to the recipient and in `state`.
import {
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeSnapshotAttributeCommand,
  DescribeSnapshotsCommand,
  DisableImageCommand,
  DisableImageDeregistrationProtectionCommand,
  ListImagesInRecycleBinCommand,
  ListSnapshotsInRecycleBinCommand,
  ModifyImageAttributeCommand,
  ModifySnapshotAttributeCommand,
  RestoreImageFromRecycleBinCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import {
  DeleteDBClusterSnapshotCommand,
  DeleteDBSnapshotCommand,
  DescribeDBClusterSnapshotAttributesCommand,
  DescribeDBSnapshotAttributesCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBClusterSnapshotAttributeCommand,
  ModifyDBSnapshotAttributeCommand,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, type SimHandle } from '../../src/testing/sim/index.ts';
import { A, assume, ec2, failure, ORG, OU1, rdsClient } from './helpers.ts';

const OWNER = '555555555555';
const T = '2024-05-01T00:00:00.000Z';

function world() {
  const img = (id: string, perms: object[], extra: object = {}) => ({
    id,
    region: 'us-east-1',
    owner: OWNER,
    name: id,
    creationDate: T,
    launchPermissions: perms,
    ...extra,
  });
  const snap = (id: string, users: string[]) => ({
    id,
    region: 'us-east-1',
    owner: OWNER,
    description: id,
    startTime: T,
    volumeSize: 8,
    encrypted: false,
    createVolumePermissions: users.map((userId) => ({ userId })),
  });
  const rds = (id: string, restore: string[], extra: object = {}) => ({
    id,
    region: 'us-east-1',
    owner: OWNER,
    engine: 'postgres',
    createTime: T,
    restore,
    ...extra,
  });
  return {
    homeAccount: '000000000000',
    accounts: [
      { id: A, regions: ['us-east-1'], assumeRole: 'allow', organization: ORG, ous: [OU1] },
      {
        id: OWNER,
        regions: ['us-east-1'],
        assumeRole: 'allow',
        recycleBinRules: [
          { resourceType: 'EC2_IMAGE', retentionDays: 7 },
          { resourceType: 'EBS_SNAPSHOT', retentionDays: 7, regions: ['us-east-1'] },
        ],
      },
    ],
    images: [
      img('ami-mixed', [
        { userId: A },
        { organizationArn: ORG },
        { organizationalUnitArn: OU1 },
        { group: 'all' },
      ]),
      img('ami-direct', [{ userId: A }], {
        blockDeviceMappings: [{ deviceName: '/dev/xvda', snapshotId: 'snap-backing' }],
      }),
      img('ami-protected', [{ userId: A }], { deregistrationProtection: true }),
      img('ami-todisable', [{ userId: A }, { organizationArn: ORG }]),
    ],
    snapshots: [snap('snap-shared', [A]), snap('snap-backing', []), snap('snap-free', [A])],
    dbSnapshots: [
      rds('orders-1', [A, 'all']),
      rds('orders-busy', [A], { status: 'creating' }),
      rds('orders-del', [A]),
    ],
    dbClusterSnapshots: [rds('aurora-1', [A], { engine: 'aurora-postgresql' })],
    instances: [],
    volumes: [],
  };
}

let sim: SimHandle;
let asA: EC2Client;
let asOwner: EC2Client;
let rdsA: RDSClient;
let rdsOwner: RDSClient;

beforeAll(async () => {
  sim = await start({ world: world() });
  asA = ec2(sim, await assume(sim, A));
  const ownerCreds = await assume(sim, OWNER);
  asOwner = ec2(sim, ownerCreds);
  rdsA = rdsClient(sim, await assume(sim, A));
  rdsOwner = rdsClient(sim, ownerCreds);
});
afterAll(async () => {
  await sim.stop();
});

async function visibleToA(imageId: string): Promise<boolean> {
  const out = await asA.send(new DescribeImagesCommand({ ExecutableUsers: ['self'] }));
  return (out.Images ?? []).some((i) => i.ImageId === imageId);
}

describe('AMIs, owner side', () => {
  it('DescribeImageAttribute lists every kind of launch permission; others get AuthFailure', async () => {
    const out = await asOwner.send(
      new DescribeImageAttributeCommand({ ImageId: 'ami-mixed', Attribute: 'launchPermission' }),
    );
    expect(out.LaunchPermissions).toEqual([
      { UserId: A },
      { OrganizationArn: ORG },
      { OrganizationalUnitArn: OU1 },
      { Group: 'all' },
    ]);
    expect(
      await failure(
        asA.send(new DescribeImageAttributeCommand({ ImageId: 'ami-mixed', Attribute: 'launchPermission' })),
      ),
    ).toMatchObject({ name: 'AuthFailure' });
    expect(
      await failure(
        asA.send(
          new DescribeImageAttributeCommand({
            ImageId: 'ami-mixed',
            Attribute: 'launchPermission',
            DryRun: true,
          }),
        ),
      ),
    ).toMatchObject({ name: 'UnauthorizedOperation' });
  });

  it('removing the direct share leaves the organization share: the recipient still sees the image', async () => {
    expect(
      await failure(
        asOwner.send(
          new ModifyImageAttributeCommand({
            ImageId: 'ami-mixed',
            LaunchPermission: { Remove: [{ UserId: A }] },
            DryRun: true,
          }),
        ),
      ),
    ).toMatchObject({ name: 'DryRunOperation' });
    expect(sim.state.image('ami-mixed')!.launchPermissions).toContainEqual({ userId: A });
    await asOwner.send(
      new ModifyImageAttributeCommand({
        ImageId: 'ami-mixed',
        LaunchPermission: { Remove: [{ UserId: A }] },
      }),
    );
    expect(sim.state.image('ami-mixed')!.launchPermissions).not.toContainEqual({ userId: A });
    expect(await visibleToA('ami-mixed')).toBe(true); // still through ORG / OU1
    await asOwner.send(
      new ModifyImageAttributeCommand({
        ImageId: 'ami-mixed',
        LaunchPermission: { Remove: [{ OrganizationArn: ORG }, { OrganizationalUnitArn: OU1 }] },
      }),
    );
    expect(await visibleToA('ami-mixed')).toBe(false);
    expect(sim.state.image('ami-mixed')!.launchPermissions).toEqual([{ group: 'all' }]);
  });

  it('OperationType=remove with UserIds revokes a direct share', async () => {
    await asOwner.send(
      new ModifyImageAttributeCommand({
        ImageId: 'ami-direct',
        Attribute: 'launchPermission',
        OperationType: 'remove',
        UserIds: [A],
      }),
    );
    expect(await visibleToA('ami-direct')).toBe(false);
  });

  it('DisableImage removes every launch permission, organization ones included', async () => {
    expect(await failure(asA.send(new DisableImageCommand({ ImageId: 'ami-todisable' })))).toMatchObject({
      name: 'AuthFailure',
    });
    await asOwner.send(new DisableImageCommand({ ImageId: 'ami-todisable' }));
    expect(sim.state.image('ami-todisable')).toMatchObject({ state: 'disabled', launchPermissions: [] });
    expect(await visibleToA('ami-todisable')).toBe(false);
  });

  it('deregistration protection refuses DeregisterImage until disabled', async () => {
    const described = await asOwner.send(new DescribeImagesCommand({ ImageIds: ['ami-protected'] }));
    expect(described.Images![0]!.DeregistrationProtection).toBe('enabled');
    expect(
      await failure(asOwner.send(new DeregisterImageCommand({ ImageId: 'ami-protected' }))),
    ).toMatchObject({ name: 'OperationNotPermitted' });
    expect(sim.state.image('ami-protected')).toMatchObject({ id: 'ami-protected', state: 'available' });
    await asOwner.send(new DisableImageDeregistrationProtectionCommand({ ImageId: 'ami-protected' }));
    await asOwner.send(new DeregisterImageCommand({ ImageId: 'ami-protected' }));
    expect(sim.state.image('ami-protected')).toBeUndefined();
  });

  it('DeleteSnapshot is InvalidSnapshot.InUse while the snapshot backs a registered AMI', async () => {
    expect(
      await failure(asOwner.send(new DeleteSnapshotCommand({ SnapshotId: 'snap-backing' }))),
    ).toMatchObject({ name: 'InvalidSnapshot.InUse' });
  });

  it('DeregisterImage with DeleteAssociatedSnapshots; a Recycle Bin rule keeps both restorable', async () => {
    expect(await failure(asA.send(new DeregisterImageCommand({ ImageId: 'ami-direct' })))).toMatchObject({
      name: 'AuthFailure',
    });
    const out = await asOwner.send(
      new DeregisterImageCommand({ ImageId: 'ami-direct', DeleteAssociatedSnapshots: true }),
    );
    expect(out.DeleteSnapshotResults).toEqual([{ SnapshotId: 'snap-backing', ReturnCode: 'success' }]);
    expect(sim.state.image('ami-direct')).toBeUndefined();
    expect(sim.state.snapshot('snap-backing')).toBeUndefined();
    const images = await asOwner.send(new ListImagesInRecycleBinCommand({}));
    expect(images.Images!.map((i) => i.ImageId)).toContain('ami-direct');
    const exit = images.Images!.find((i) => i.ImageId === 'ami-direct')!;
    expect(exit.RecycleBinExitTime!.getTime() - exit.RecycleBinEnterTime!.getTime()).toBe(7 * 86_400_000);
    const snaps = await asOwner.send(new ListSnapshotsInRecycleBinCommand({}));
    expect(snaps.Snapshots!.map((s) => s.SnapshotId)).toContain('snap-backing');
    expect(
      sim.state
        .recycleBinEntries()
        .map((e) => e.id)
        .sort(),
    ).toEqual(['ami-direct', 'ami-protected', 'snap-backing']); // ami-protected: deregistered by the test above
    // The recipient sees nothing of the owner's Recycle Bin.
    expect((await asA.send(new ListImagesInRecycleBinCommand({}))).Images).toEqual([]);
    await asOwner.send(new RestoreImageFromRecycleBinCommand({ ImageId: 'ami-direct' }));
    expect(sim.state.image('ami-direct')).toMatchObject({
      id: 'ami-direct',
      owner: OWNER,
      state: 'available',
    });
  });
});

describe('EBS snapshots, owner side', () => {
  it('DescribeSnapshotAttribute and a revoke; UnauthorizedOperation for others', async () => {
    const attr = await asOwner.send(
      new DescribeSnapshotAttributeCommand({
        SnapshotId: 'snap-shared',
        Attribute: 'createVolumePermission',
      }),
    );
    expect(attr.CreateVolumePermissions).toEqual([{ UserId: A }]);
    for (const cmd of [
      new DescribeSnapshotAttributeCommand({
        SnapshotId: 'snap-shared',
        Attribute: 'createVolumePermission',
      }),
      new ModifySnapshotAttributeCommand({
        SnapshotId: 'snap-shared',
        CreateVolumePermission: { Remove: [{ UserId: A }] },
      }),
      new DeleteSnapshotCommand({ SnapshotId: 'snap-shared' }),
    ]) {
      expect(await failure(asA.send(cmd as DeleteSnapshotCommand))).toMatchObject({
        name: 'UnauthorizedOperation',
      });
    }
    await asOwner.send(
      new ModifySnapshotAttributeCommand({
        SnapshotId: 'snap-shared',
        CreateVolumePermission: { Remove: [{ UserId: A }] },
      }),
    );
    expect(sim.state.snapshot('snap-shared')!.createVolumePermissions).toEqual([]);
    const seen = await asA.send(new DescribeSnapshotsCommand({ RestorableByUserIds: ['self'] }));
    expect((seen.Snapshots ?? []).map((s) => s.SnapshotId)).not.toContain('snap-shared');
  });

  it('refuses add and remove in one call and more than 500 changes', async () => {
    expect(
      await failure(
        asOwner.send(
          new ModifySnapshotAttributeCommand({
            SnapshotId: 'snap-free',
            CreateVolumePermission: { Add: [{ UserId: '444444444444' }], Remove: [{ UserId: A }] },
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterCombination' });
    const many = Array.from({ length: 501 }, (_, i) => ({ UserId: String(100000000000 + i) }));
    expect(
      await failure(
        asOwner.send(
          new ModifySnapshotAttributeCommand({
            SnapshotId: 'snap-free',
            CreateVolumePermission: { Add: many },
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterValue' });
    expect(sim.state.snapshot('snap-free')!.createVolumePermissions).toEqual([{ userId: A }]);
  });

  it('DeleteSnapshot with DryRun changes nothing; without it the snapshot goes to the Recycle Bin', async () => {
    expect(
      await failure(asOwner.send(new DeleteSnapshotCommand({ SnapshotId: 'snap-free', DryRun: true }))),
    ).toMatchObject({ name: 'DryRunOperation' });
    expect(sim.state.snapshot('snap-free')).toMatchObject({
      id: 'snap-free',
      createVolumePermissions: [{ userId: A }],
    });
    await asOwner.send(new DeleteSnapshotCommand({ SnapshotId: 'snap-free' }));
    expect(sim.state.snapshot('snap-free')).toBeUndefined();
    const bin = await asOwner.send(new ListSnapshotsInRecycleBinCommand({ SnapshotIds: ['snap-free'] }));
    expect(bin.Snapshots!.map((s) => s.SnapshotId)).toEqual(['snap-free']);
  });
});

describe('RDS snapshots, owner side', () => {
  it('reads and revokes restore attributes; removing "all" keeps listed accounts', async () => {
    const attrs = await rdsOwner.send(
      new DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: 'orders-1' }),
    );
    expect(attrs.DBSnapshotAttributesResult!.DBSnapshotAttributes).toEqual([
      { AttributeName: 'restore', AttributeValues: [A, 'all'] },
    ]);
    await rdsOwner.send(
      new ModifyDBSnapshotAttributeCommand({
        DBSnapshotIdentifier: 'orders-1',
        AttributeName: 'restore',
        ValuesToRemove: ['all'],
      }),
    );
    expect(sim.state.dbSnapshot('orders-1', OWNER)!.restore).toEqual([A]);
    await rdsOwner.send(
      new ModifyDBSnapshotAttributeCommand({
        DBSnapshotIdentifier: 'orders-1',
        AttributeName: 'restore',
        ValuesToRemove: [A],
      }),
    );
    const shared = await rdsA.send(
      new DescribeDBSnapshotsCommand({ SnapshotType: 'shared', IncludeShared: true }),
    );
    expect((shared.DBSnapshots ?? []).map((s) => s.DBSnapshotArn)).not.toContain(
      `arn:aws:rds:us-east-1:${OWNER}:snapshot:orders-1`,
    );
  });

  it('others get DBSnapshotNotFound / DBClusterSnapshotNotFoundFault', async () => {
    const arn = `arn:aws:rds:us-east-1:${OWNER}:snapshot:orders-del`;
    for (const cmd of [
      new DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: arn }),
      new ModifyDBSnapshotAttributeCommand({
        DBSnapshotIdentifier: arn,
        AttributeName: 'restore',
        ValuesToRemove: [A],
      }),
      new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: arn }),
    ]) {
      expect(await failure(rdsA.send(cmd as DeleteDBSnapshotCommand))).toMatchObject({
        name: 'DBSnapshotNotFoundFault',
      });
    }
    const carn = `arn:aws:rds:us-east-1:${OWNER}:cluster-snapshot:aurora-1`;
    expect(
      await failure(
        rdsA.send(new DescribeDBClusterSnapshotAttributesCommand({ DBClusterSnapshotIdentifier: carn })),
      ),
    ).toMatchObject({ name: 'DBClusterSnapshotNotFoundFault' });
    expect(
      await failure(rdsA.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: carn }))),
    ).toMatchObject({ name: 'DBClusterSnapshotNotFoundFault' });
  });

  it('at most 20 accounts', async () => {
    const accounts = Array.from({ length: 20 }, (_, i) => String(100000000000 + i));
    expect(
      await failure(
        rdsOwner.send(
          new ModifyDBClusterSnapshotAttributeCommand({
            DBClusterSnapshotIdentifier: 'aurora-1',
            AttributeName: 'restore',
            ValuesToAdd: accounts,
          }),
        ),
      ),
    ).toMatchObject({ name: 'SharedSnapshotQuotaExceededFault' });
    expect(sim.state.dbClusterSnapshot('aurora-1', OWNER)!.restore).toEqual([A]);
  });

  it('deletes only an available snapshot', async () => {
    expect(
      await failure(rdsOwner.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 'orders-busy' }))),
    ).toMatchObject({ name: 'InvalidDBSnapshotStateFault' });
    const out = await rdsOwner.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 'orders-del' }));
    expect(out.DBSnapshot!.Status).toBe('deleted');
    expect(sim.state.dbSnapshot('orders-del', OWNER)).toBeUndefined();
    await rdsOwner.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: 'aurora-1' }));
    expect(sim.state.dbClusterSnapshot('aurora-1', OWNER)).toBeUndefined();
  });
});
