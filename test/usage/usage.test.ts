/**
 * Blast radius for every kind, through the real SDK against the simulator: the scan looks up who uses
 * each finding, once per account-region, and keeps the finding (usage unknown) when a lookup fails.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RESOURCE_KINDS, type Finding, type ResourceKind } from '../../src/domain/finding.ts';
import { makeTrustPolicy } from '../../src/domain/trust.ts';
import { scan, type ScanResult } from '../../src/scan/scan.ts';
import { blastRadiusNotes } from '../../src/scan/target-result.ts';
import { clientsFor, monitored, startSim, type Sim } from '../helpers/scan.ts';
import { account, emptyWorld, image, rdsSnapshot, snapshot, type World } from '../helpers/world.ts';

const A = '111111111111';
const EVIL = '444444444444';
const TRUSTED = '999999999999';
const R = 'us-east-1';

let sim: Sim | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

async function scanWith(
  world: World,
  opts: { blastRadius?: boolean; kinds?: ResourceKind[]; maxAttempts?: number } = {},
): Promise<ScanResult> {
  sim = await start(world);
  const clients = clientsFor(sim, { maxAttempts: opts.maxAttempts ?? 6 });
  try {
    return await scan(
      {
        accounts: monitored([A]),
        regions: [R],
        kinds: opts.kinds ?? [...RESOURCE_KINDS],
        trust: makeTrustPolicy({
          trusted: [{ accountId: TRUSTED }],
          trustMonitoredAccounts: true,
          monitoredAccountIds: [A],
        }),
        blastRadius: opts.blastRadius ?? true,
      },
      { clients, concurrency: 4 },
    );
  } finally {
    clients.destroy();
  }
}

const start = (world: World) => startSim(world);
const byResource = (r: ScanResult, id: string): Finding => {
  const f = r.findings.find((x) => x.resourceId === id);
  if (!f) throw new Error(`no finding for ${id}: ${r.findings.map((x) => x.resourceId).join(', ')}`);
  return f;
};
const ids = (items: Array<{ id: string }>) => items.map((i) => i.id);

describe('blast radius: AMIs', () => {
  it('counts instances launched from it (not terminated ones) and own AMIs copied from it', async () => {
    const world = emptyWorld([account(A, [R])]);
    const shared = image(1, R, EVIL, [{ userId: A }], { name: 'tools' });
    const unused = image(2, R, EVIL, [{ userId: A }], { name: 'unused' });
    world.images.push(shared, unused, image(3, R, A, [], { name: 'own-copy', sourceImageId: shared.id }));
    world.instances.push(
      {
        id: 'i-00000000000000001',
        account: A,
        region: R,
        imageId: shared.id,
        state: 'running',
        launchTime: '2026-11-01T00:00:00.000Z',
      },
      { id: 'i-00000000000000002', account: A, region: R, imageId: shared.id, state: 'stopped' },
      { id: 'i-00000000000000003', account: A, region: R, imageId: shared.id, state: 'terminated' },
    );
    const r = await scanWith(world);

    const f = byResource(r, shared.id);
    expect(f.inUse?.unknown).toBeUndefined();
    expect(f.inUse?.instances.count).toBe(2);
    expect(f.inUse?.instances.items).toEqual([
      { id: 'i-00000000000000001', state: 'running', at: '2026-11-01T00:00:00.000Z' },
      { id: 'i-00000000000000002', state: 'stopped' },
    ]);
    expect(ids(f.inUse!.images.items)).toEqual([world.images[2]!.id]);
    expect(byResource(r, unused.id).inUse).toMatchObject({ instances: { count: 0 }, images: { count: 0 } });
    expect(r.targets[0]).toEqual({ accountId: A, region: R, status: 'ok' });
  });

  it('finds instances whose AMI is no longer visible (unshared), as a finding of its own', async () => {
    const world = emptyWorld([account(A, [R])]);
    // The owner unshared it: no launch permission for A any more, but an instance still runs from it.
    const gone = image(7, R, EVIL, [], {
      name: 'ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20241101',
    });
    const trustedGone = image(8, R, TRUSTED, [], { name: 'golden' });
    world.images.push(gone, trustedGone);
    world.instances.push(
      { id: 'i-00000000000000007', account: A, region: R, imageId: gone.id, state: 'running' },
      { id: 'i-00000000000000008', account: A, region: R, imageId: trustedGone.id, state: 'running' },
    );
    const r = await scanWith(world, { kinds: ['ami'] });

    expect(r.findings.map((f) => f.resourceId)).toEqual([gone.id]);
    const f = r.findings[0]!;
    expect(f).toMatchObject({ ownerAccountId: EVIL, notListed: true, name: gone.name });
    expect(ids(f.inUse!.instances.items)).toEqual(['i-00000000000000007']);
    expect(r.summary.notListedInUse).toBe(1);
    expect(r.summary.trustedSkipped).toBe(1);
  });

  it('reports AMIs that Allowed AMIs (enabled) hides from the listing when instances run from them', async () => {
    const world = emptyWorld([
      account(A, [R], { allowedAmis: { [R]: { state: 'enabled', providers: ['amazon', TRUSTED] } } }),
    ]);
    const hidden = image(11, R, EVIL, [{ userId: A }], { name: 'tools' });
    const unused = image(12, R, EVIL, [{ userId: A }], { name: 'unused' });
    world.images.push(hidden, unused);
    world.instances.push({
      id: 'i-00000000000000011',
      account: A,
      region: R,
      imageId: hidden.id,
      state: 'running',
    });
    const r = await scanWith(world, { kinds: ['ami'] });
    // Neither is listed (not allowed); the one in use is still reported, the unused one cannot be seen.
    expect(r.findings.map((f) => [f.resourceId, f.notListed, f.imageAllowed])).toEqual([
      [hidden.id, true, false],
    ]);
    expect(r.summary).toMatchObject({ notListedInUse: 1, hiddenByAllowedAmis: 1 });
  });

  it('asks once per account-region whatever the number of AMIs, and once for own AMIs of both kinds', async () => {
    const world = emptyWorld([account(A, [R])]);
    for (let i = 0; i < 450; i++) world.images.push(image(100 + i, R, EVIL, [{ userId: A }]));
    world.snapshots.push(snapshot(1, R, EVIL, [A]));
    world.instances.push({
      id: 'i-00000000000000449',
      account: A,
      region: R,
      imageId: world.images[449]!.id,
    });
    const r = await scanWith(world, { kinds: ['ami', 'ebs-snapshot'] });
    expect(byResource(r, world.images[449]!.id).inUse?.instances.count).toBe(1);
    expect(sim!.calls({ action: 'DescribeInstanceImageMetadata', account: A })).toBe(1);
    expect(sim!.calls({ action: 'DescribeInstances', account: A })).toBe(0);
    // The listing's one page (450 < 1000) and one listing of own AMIs for both kinds.
    expect(sim!.calls({ action: 'DescribeImages', account: A })).toBe(2);
  });

  it("counts the listed AMIs' instances by image id, in batches of at most 200, when DescribeInstanceImageMetadata fails", async () => {
    const world = emptyWorld([account(A, [R])]);
    for (let i = 0; i < 450; i++) world.images.push(image(100 + i, R, EVIL, [{ userId: A }]));
    world.instances.push({
      id: 'i-00000000000000449',
      account: A,
      region: R,
      imageId: world.images[449]!.id,
    });
    sim = await start(world);
    sim.faults.add({
      action: 'DescribeInstanceImageMetadata',
      account: A,
      code: 'UnauthorizedOperation',
      times: 10,
    });
    const clients = clientsFor(sim, { maxAttempts: 1 });
    let r: ScanResult;
    try {
      r = await scan(
        {
          accounts: monitored([A]),
          regions: [R],
          kinds: ['ami'],
          trust: makeTrustPolicy({ trusted: [], trustMonitoredAccounts: true, monitoredAccountIds: [A] }),
          blastRadius: true,
        },
        { clients, concurrency: 2 },
      );
    } finally {
      clients.destroy();
    }
    expect(sim.calls({ action: 'DescribeInstances', account: A })).toBe(3);
    const f = byResource(r, world.images[449]!.id);
    expect(f.inUse?.instances.count).toBe(1);
    // The listed AMIs' instances are complete; what could not be looked for is AMIs no longer listed.
    expect(f.inUse?.unknown).toBeUndefined();
    expect(blastRadiusNotes(r.targets[0]!).usageErrors).toEqual([
      expect.stringMatching(/^ec2:DescribeInstanceImageMetadata: UnauthorizedOperation/),
    ]);
  });

  it('is not looked up when blast radius is off', async () => {
    const world = emptyWorld([account(A, [R])]);
    world.images.push(image(1, R, EVIL, [{ userId: A }]));
    const r = await scanWith(world, { blastRadius: false });
    expect(r.findings[0]!.inUse).toBeUndefined();
    expect(sim!.calls({ action: 'DescribeInstances', account: A })).toBe(0);
  });
});

describe('blast radius: EBS snapshots', () => {
  it('counts volumes created from it and own AMIs built on it', async () => {
    const world = emptyWorld([account(A, [R])]);
    const snap = snapshot(1, R, EVIL, [A]);
    world.snapshots.push(snap, snapshot(2, R, EVIL, [A]));
    world.volumes.push(
      { id: 'vol-00000000000000001', account: A, region: R, snapshotId: snap.id, state: 'in-use' },
      { id: 'vol-00000000000000002', account: A, region: R, snapshotId: snap.id },
    );
    world.images.push(
      image(9, R, A, [], {
        name: 'built-on-it',
        blockDeviceMappings: [{ deviceName: '/dev/xvda', snapshotId: snap.id }],
      }),
    );
    const r = await scanWith(world, { kinds: ['ebs-snapshot'] });
    const f = byResource(r, snap.id);
    expect(f.inUse?.volumes).toEqual({
      count: 2,
      items: [
        { id: 'vol-00000000000000001', state: 'in-use', at: expect.any(String) },
        { id: 'vol-00000000000000002', state: 'available', at: expect.any(String) },
      ],
    });
    expect(ids(f.inUse!.images.items)).toEqual([world.images[0]!.id]);
    expect(byResource(r, world.snapshots[1]!.id).inUse?.volumes.count).toBe(0);
  });
});

describe('blast radius: RDS snapshots', () => {
  it('counts own copies and restores of the last 14 days', async () => {
    const world = emptyWorld([account(A, [R])]);
    const shared = rdsSnapshot('customers', R, EVIL, [A]);
    const sharedCluster = rdsSnapshot('orders', R, EVIL, [A], 'aurora-postgresql');
    world.dbSnapshots.push(shared, {
      ...rdsSnapshot('customers-copy', R, A, []),
      sourceSnapshotArn: `arn:aws:rds:${R}:${EVIL}:snapshot:customers`,
    });
    world.dbClusterSnapshots.push(sharedCluster, {
      ...rdsSnapshot('orders-copy', R, A, [], 'aurora-postgresql'),
      sourceSnapshotArn: `arn:aws:rds:${R}:${EVIL}:cluster-snapshot:orders`,
    });
    const now = Date.now();
    world.rdsEvents = [
      {
        account: A,
        region: R,
        sourceId: 'orders-db',
        message: `Restored from snapshot arn:aws:rds:${R}:${EVIL}:snapshot:customers`,
        date: new Date(now - 2 * 86_400_000).toISOString(),
      },
      {
        account: A,
        region: R,
        sourceId: 'old-db',
        message: `Restored from snapshot arn:aws:rds:${R}:${EVIL}:snapshot:customers`,
        date: new Date(now - 20 * 86_400_000).toISOString(),
      },
    ];
    const r = await scanWith(world, { kinds: ['rds-snapshot', 'rds-cluster-snapshot'] });
    const db = byResource(r, `arn:aws:rds:${R}:${EVIL}:snapshot:customers`);
    expect(db.inUse?.unknown).toBeUndefined();
    expect(ids(db.inUse!.copies.items)).toEqual([`arn:aws:rds:${R}:${A}:snapshot:customers-copy`]);
    expect(ids(db.inUse!.restores.items)).toEqual(['orders-db']);
    const cl = byResource(r, `arn:aws:rds:${R}:${EVIL}:cluster-snapshot:orders`);
    expect(ids(cl.inUse!.copies.items)).toEqual([`arn:aws:rds:${R}:${A}:cluster-snapshot:orders-copy`]);
    expect(cl.inUse!.restores.count).toBe(0);
  });
});

describe('blast radius failures', () => {
  it('keep the finding, mark its usage unknown and report the target like a listing failure', async () => {
    const world = emptyWorld([account(A, [R])]);
    const shared = image(1, R, EVIL, [{ userId: A }]);
    world.images.push(shared);
    sim = await start(world);
    for (const action of ['DescribeInstanceImageMetadata', 'DescribeInstances'])
      sim.faults.add({ action, account: A, code: 'UnauthorizedOperation', times: 10 });
    const clients = clientsFor(sim, { maxAttempts: 1 });
    let r: ScanResult;
    try {
      r = await scan(
        {
          accounts: monitored([A]),
          regions: [R],
          kinds: ['ami'],
          trust: makeTrustPolicy({ trusted: [], trustMonitoredAccounts: true, monitoredAccountIds: [A] }),
          blastRadius: true,
        },
        { clients, concurrency: 2 },
      );
    } finally {
      clients.destroy();
    }
    const f = byResource(r, shared.id);
    expect(f.inUse?.unknown).toEqual([
      expect.stringMatching(/^ec2:DescribeInstanceImageMetadata: UnauthorizedOperation/),
      expect.stringMatching(/^ec2:DescribeInstances: UnauthorizedOperation/),
    ]);
    const [target] = r.targets;
    expect(target?.status).toBe('ok');
    expect(target?.status === 'ok' && target.usageErrors?.[1]).toMatch(/DescribeInstances/);
  });
});
