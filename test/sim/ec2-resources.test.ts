import {
  DeleteSnapshotCommand,
  DescribeInstancesCommand,
  DescribeRegionsCommand,
  DescribeSnapshotAttributeCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  ModifySnapshotAttributeCommand,
  paginateDescribeSnapshots,
  type DescribeSnapshotsCommandInput,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, type SimHandle } from '../../src/testing/sim/index.ts';
import { A, assume, baseCreds, C, ec2, failure, OUTSIDER, smallWorld, type Creds } from './helpers.ts';

let sim: SimHandle;
let credsA: Creds;
let credsC: Creds;
let asA: EC2Client;

beforeAll(async () => {
  sim = await start({ world: smallWorld() });
  credsA = await assume(sim, A);
  credsC = await assume(sim, C);
  asA = ec2(sim, credsA);
});
afterAll(async () => {
  await sim.stop();
});

async function snapIds(client: EC2Client, input: DescribeSnapshotsCommandInput) {
  const out = await client.send(new DescribeSnapshotsCommand(input));
  return out.Snapshots!.map((s) => s.SnapshotId!).sort();
}

describe('snapshots', () => {
  it('RestorableBy=self: own and explicitly shared, not public', async () => {
    expect(await snapIds(asA, { RestorableByUserIds: ['self'] })).toEqual([
      'snap-cfree',
      'snap-cowned',
      'snap-direct',
      'snap-own',
    ]);
    expect(await snapIds(asA, { RestorableByUserIds: ['all'] })).toEqual(['snap-public']);
    expect(await snapIds(asA, { OwnerIds: ['self'] })).toEqual(['snap-own']);
    expect(await snapIds(asA, { OwnerIds: [OUTSIDER], RestorableByUserIds: ['self'] })).toEqual([
      'snap-direct',
    ]);
    expect(
      await snapIds(asA, { Filters: [{ Name: 'snapshot-id', Values: ['snap-direct', 'snap-other'] }] }),
    ).toEqual(['snap-direct']);
    expect(await snapIds(asA, { Filters: [{ Name: 'owner-id', Values: [C] }] })).toEqual([
      'snap-cfree',
      'snap-cowned',
    ]);
  });

  it('carries owner, size, encryption and times', async () => {
    const out = await asA.send(new DescribeSnapshotsCommand({ SnapshotIds: ['snap-direct'] }));
    expect(out.Snapshots![0]).toMatchObject({
      SnapshotId: 'snap-direct',
      OwnerId: OUTSIDER,
      VolumeSize: 8,
      Encrypted: false,
      State: 'completed',
      Description: 'desc snap-direct',
      StartTime: new Date('2024-05-01T00:00:00.000Z'),
    });
  });

  it('refuses bad MaxResults, SnapshotIds with MaxResults, and unknown ids', async () => {
    expect(await failure(asA.send(new DescribeSnapshotsCommand({ MaxResults: 2 })))).toMatchObject({
      name: 'InvalidParameterValue',
    });
    expect(
      await failure(asA.send(new DescribeSnapshotsCommand({ SnapshotIds: ['snap-own'], MaxResults: 5 }))),
    ).toMatchObject({ name: 'InvalidParameterCombination' });
    expect(
      await failure(asA.send(new DescribeSnapshotsCommand({ SnapshotIds: ['snap-other'] }))),
    ).toMatchObject({
      name: 'InvalidSnapshot.NotFound',
    });
  });

  it('DeleteSnapshot and ModifySnapshotAttribute are for the owner only (UnauthorizedOperation)', async () => {
    expect(await failure(asA.send(new DeleteSnapshotCommand({ SnapshotId: 'snap-direct' })))).toMatchObject({
      name: 'UnauthorizedOperation',
      status: 403,
    });
    expect(
      await failure(
        asA.send(
          new ModifySnapshotAttributeCommand({
            SnapshotId: 'snap-direct',
            Attribute: 'createVolumePermission',
            CreateVolumePermission: { Remove: [{ UserId: A }] },
          }),
        ),
      ),
    ).toMatchObject({ name: 'UnauthorizedOperation' });
    expect(sim.state.snapshot('snap-direct')!.createVolumePermissions).toEqual([{ userId: A }]);
  });

  it('the owner revokes shares (both wire forms), sees them, and deletes unless an AMI uses the snapshot', async () => {
    const asC = ec2(sim, credsC);
    await asC.send(
      new ModifySnapshotAttributeCommand({
        SnapshotId: 'snap-cfree',
        Attribute: 'createVolumePermission',
        CreateVolumePermission: { Add: [{ Group: 'all' }, { UserId: '555555555555' }] },
      }),
    );
    await asC.send(
      new ModifySnapshotAttributeCommand({
        SnapshotId: 'snap-cfree',
        Attribute: 'createVolumePermission',
        OperationType: 'remove',
        UserIds: [A],
        GroupNames: ['all'],
      }),
    );
    const attr = await asC.send(
      new DescribeSnapshotAttributeCommand({ SnapshotId: 'snap-cfree', Attribute: 'createVolumePermission' }),
    );
    expect(attr.CreateVolumePermissions).toEqual([{ UserId: '555555555555' }]);
    expect(await snapIds(asA, { RestorableByUserIds: ['self'] })).not.toContain('snap-cfree');

    expect(await failure(asC.send(new DeleteSnapshotCommand({ SnapshotId: 'snap-cowned' })))).toMatchObject({
      name: 'InvalidSnapshot.InUse',
    });
    expect(
      await failure(asC.send(new DeleteSnapshotCommand({ SnapshotId: 'snap-cfree', DryRun: true }))),
    ).toMatchObject({ name: 'DryRunOperation' });
    await asC.send(new DeleteSnapshotCommand({ SnapshotId: 'snap-cfree' }));
    expect(sim.state.snapshot('snap-cfree')).toBeUndefined();
  });
});

describe('instances, volumes and regions', () => {
  it("DescribeInstances answers A's instances in the reservation shape; filter image-id", async () => {
    const all = await asA.send(new DescribeInstancesCommand({}));
    const ids = all.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId));
    expect(ids).toEqual(['i-0001', 'i-0002']);
    const byImage = await asA.send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'image-id', Values: ['ami-direct'] }] }),
    );
    expect(byImage.Reservations).toHaveLength(1);
    expect(byImage.Reservations![0]).toMatchObject({
      OwnerId: A,
      Instances: [{ InstanceId: 'i-0001', ImageId: 'ami-direct', State: { Name: 'running', Code: 16 } }],
    });
  });

  it("DescribeVolumes answers A's volumes; filter snapshot-id", async () => {
    const out = await asA.send(
      new DescribeVolumesCommand({ Filters: [{ Name: 'snapshot-id', Values: ['snap-direct'] }] }),
    );
    expect(out.Volumes!.map((v) => [v.VolumeId, v.SnapshotId])).toEqual([['vol-0001', 'snap-direct']]);
    const all = await asA.send(new DescribeVolumesCommand({ MaxResults: 5 }));
    expect(all.Volumes).toHaveLength(2);
  });

  it("DescribeRegions answers the account's regions", async () => {
    const out = await asA.send(new DescribeRegionsCommand({}));
    expect(out.Regions!.map((r) => r.RegionName)).toEqual(['eu-west-1', 'us-east-1']);
    const all = await asA.send(new DescribeRegionsCommand({ AllRegions: true }));
    expect(all.Regions!.every((r) => r.OptInStatus === 'opt-in-not-required')).toBe(true);
  });

  it('an unlisted home account gets every region named in the world', async () => {
    const w = smallWorld() as { accounts: { id: string }[]; images: { region: string }[] };
    w.accounts = w.accounts.filter((a) => a.id !== '000000000000');
    w.images.push({ ...(w.images[0] as object), id: 'ami-tokyo', region: 'ap-northeast-1' } as never);
    const other = await start({ world: w });
    try {
      const out = await ec2(other, baseCreds(other)).send(new DescribeRegionsCommand({}));
      expect(out.Regions!.map((r) => r.RegionName)).toEqual(['ap-northeast-1', 'eu-west-1', 'us-east-1']);
    } finally {
      await other.stop();
    }
  });
});

describe('snapshot paging', () => {
  it('pages 1,234 shared snapshots with MaxResults 100 exactly once', async () => {
    const snapshots = Array.from({ length: 1300 }, (_, i) => ({
      id: `snap-${i.toString(16).padStart(17, '0')}`,
      region: 'us-east-1',
      owner: OUTSIDER,
      description: '',
      startTime: '2024-01-01T00:00:00Z',
      volumeSize: 1,
      encrypted: true,
      createVolumePermissions: i < 1234 ? [{ userId: A }] : [{ group: 'all' }],
    }));
    const big = await start({
      world: {
        homeAccount: A,
        accounts: [{ id: A, regions: ['us-east-1'], assumeRole: 'allow' }],
        images: [],
        snapshots,
        dbSnapshots: [],
        dbClusterSnapshots: [],
        instances: [],
        volumes: [],
      },
    });
    try {
      const client = ec2(big, baseCreds(big));
      const seen: string[] = [];
      for await (const page of paginateDescribeSnapshots(
        { client, pageSize: 100 },
        { RestorableByUserIds: ['self'] },
      )) {
        seen.push(...page.Snapshots!.map((s) => s.SnapshotId!));
      }
      expect(seen).toHaveLength(1234);
      expect(new Set(seen).size).toBe(1234);
      expect(big.calls({ action: 'DescribeSnapshots' })).toBe(13);
    } finally {
      await big.stop();
    }
  });
});
