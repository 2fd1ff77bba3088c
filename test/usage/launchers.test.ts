/**
 * Issue 23 item 4: what Remove would break. Through the real SDK against the simulator: launch templates
 * (latest and default versions, an SSM parameter resolved), Auto Scaling groups (own template, a pinned
 * version, a mixed-instances policy, a legacy launch configuration) and Image Builder recipes that would
 * launch a shared AMI, and launch templates / groups whose block devices name a shared snapshot — in the
 * finding, the risk, the CLI table and the `--json` document; only where there is a finding.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RESOURCE_KINDS, type Finding } from '../../src/domain/finding.ts';
import { makeTrustPolicy } from '../../src/domain/trust.ts';
import { rankScan } from '../../src/scan/rank.ts';
import { formatTable, scanResultJson } from '../../src/scan/report.ts';
import { scan, type ScanResult } from '../../src/scan/scan.ts';
import { clientsFor, monitored, startSim, type Sim } from '../helpers/scan.ts';
import { account, emptyWorld, image, snapshot, type World } from '../helpers/world.ts';

const A = '111111111111';
const B = '222222222222'; // monitored, nothing shared into it
const EVIL = '444444444444';
const R = 'us-east-1';

let sim: Sim | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

async function scanWorld(world: World): Promise<ScanResult> {
  sim = await startSim(world);
  const clients = clientsFor(sim, { maxAttempts: 2 });
  try {
    return await scan(
      {
        accounts: monitored([A, B]),
        regions: [R],
        kinds: [...RESOURCE_KINDS],
        trust: makeTrustPolicy({ trusted: [], trustMonitoredAccounts: true, monitoredAccountIds: [A, B] }),
        blastRadius: true,
      },
      { clients, concurrency: 4 },
    );
  } finally {
    clients.destroy();
  }
}

const finding = (r: ScanResult, id: string): Finding => {
  const f = r.findings.find((x) => x.resourceId === id);
  if (!f) throw new Error(`no finding for ${id}`);
  return f;
};
const ids = (list: { items: Array<{ id: string }> } | undefined) => list?.items.map((i) => i.id);

function launchWorld(): { world: World; ami: string; unused: string; snap: string } {
  const world = emptyWorld([account(A, [R]), account(B, [R])]);
  const evil = image(1, R, EVIL, [{ userId: A }], { name: 'tools' });
  const unused = image(2, R, EVIL, [{ userId: A }], { name: 'unused' });
  const other = 'ami-0000000000000fff1';
  const snap = snapshot(1, R, EVIL, [A]);
  world.images.push(evil, unused);
  world.snapshots.push(snap);
  world.launchTemplates = [
    // Default v2 names it; the latest (v3) does not: counted, as "default v2".
    {
      id: 'lt-0000000000000001',
      account: A,
      region: R,
      name: 'web',
      versions: [
        { number: 1, imageId: other },
        { number: 2, imageId: evil.id, default: true },
        { number: 3, imageId: other },
      ],
    },
    // An SSM parameter that resolves to it (ResolveAlias).
    {
      id: 'lt-0000000000000002',
      account: A,
      region: R,
      name: 'batch',
      versions: [{ number: 1, imageId: 'resolve:ssm:/golden/ami' }],
    },
    // Only an old version names it: not latest, not default — not counted as a template...
    {
      id: 'lt-0000000000000003',
      account: A,
      region: R,
      name: 'old',
      versions: [
        { number: 1, imageId: evil.id },
        { number: 2, imageId: other, default: true },
      ],
    },
    // ...and a snapshot in a block-device mapping.
    {
      id: 'lt-0000000000000004',
      account: A,
      region: R,
      name: 'data',
      versions: [{ number: 1, imageId: other, blockDeviceSnapshotIds: [snap.id] }],
    },
    // Another account's template never counts for A.
    {
      id: 'lt-0000000000000005',
      account: B,
      region: R,
      name: 'web',
      versions: [{ number: 1, imageId: evil.id }],
    },
  ];
  world.ssmParameters = [{ account: A, region: R, name: '/golden/ami', value: evil.id }];
  world.autoScalingGroups = [
    {
      name: 'web-asg',
      account: A,
      region: R,
      launchTemplate: { id: 'lt-0000000000000001' },
      desiredCapacity: 2,
    },
    { name: 'web-latest', account: A, region: R, launchTemplate: { name: 'web', version: '$Latest' } },
    // ...but a group pinned to that old version launches it.
    { name: 'pinned', account: A, region: R, launchTemplate: { id: 'lt-0000000000000003', version: '1' } },
    {
      name: 'mixed',
      account: A,
      region: R,
      mixedInstancesPolicy: { launchTemplate: { name: 'batch' }, overrides: [{ instanceType: 'm5.large' }] },
    },
    { name: 'legacy', account: A, region: R, launchConfigurationName: 'legacy-lc' },
    {
      name: 'data-asg',
      account: A,
      region: R,
      launchTemplate: { id: 'lt-0000000000000004', version: '$Latest' },
    },
  ];
  world.launchConfigurations = [{ name: 'legacy-lc', account: A, region: R, imageId: evil.id }];
  world.imageRecipes = [
    { name: 'hardened', version: '1.0.0', account: A, region: R, parentImage: evil.id },
    {
      name: 'from-amazon',
      version: '2.1.0',
      account: A,
      region: R,
      parentImage: 'arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2023-x86/x.x.x',
    },
  ];
  return { world, ami: evil.id, unused: unused.id, snap: snap.id };
}

describe('what Remove would break: launch templates, Auto Scaling groups, Image Builder recipes', () => {
  it('finds every launcher of a shared AMI and snapshot, weighs them in the risk, shows them', async () => {
    const { world, ami, unused, snap } = launchWorld();
    const r = await scanWorld(world);
    rankScan(
      r,
      { risk: { recentDays: 30, sprayAccounts: 3, patterns: [] } },
      { now: new Date().toISOString() },
    );

    const f = finding(r, ami);
    expect(f.inUse?.unknown).toBeUndefined();
    expect(ids(f.inUse?.launchTemplates)).toEqual(['lt-0000000000000001', 'lt-0000000000000002']);
    expect(f.inUse?.launchTemplates?.items).toEqual([
      { id: 'lt-0000000000000001', name: 'web', detail: 'default v2' },
      { id: 'lt-0000000000000002', name: 'batch', detail: 'latest v1, default v1' },
    ]);
    expect(ids(f.inUse?.autoScalingGroups)).toEqual(['legacy', 'mixed', 'pinned', 'web-asg']);
    expect(f.inUse?.autoScalingGroups?.items.find((g) => g.id === 'web-asg')?.detail).toBe(
      'launch template web ($Default), desired 2',
    );
    expect(f.inUse?.autoScalingGroups?.items.find((g) => g.id === 'legacy')?.detail).toMatch(
      /^launch configuration legacy-lc/,
    );
    expect(f.inUse?.imageRecipes).toEqual({
      count: 1,
      items: [
        {
          id: 'arn:aws:imagebuilder:us-east-1:111111111111:image-recipe/hardened/1.0.0',
          name: 'hardened 1.0.0',
        },
      ],
    });
    // Weighed: Auto Scaling groups launch it (50) and templates/recipes name it (30) → critical.
    expect(f.riskReasons?.map((x) => x.code)).toEqual(['auto-scaling', 'launch-template']);
    expect(f.risk).toBe('critical');
    expect(f.riskReasons?.map((x) => x.text)).toEqual([
      '4 Auto Scaling groups launch from it',
      'named by 2 launch templates and 1 Image Builder recipe',
    ]);

    const s = finding(r, snap);
    expect(ids(s.inUse?.launchTemplates)).toEqual(['lt-0000000000000004']);
    expect(ids(s.inUse?.autoScalingGroups)).toEqual(['data-asg']);
    expect(s.inUse?.imageRecipes?.count).toBe(0);

    const u = finding(r, unused);
    expect(u.inUse).toMatchObject({
      launchTemplates: { count: 0 },
      autoScalingGroups: { count: 0 },
      imageRecipes: { count: 0 },
    });
    expect(u.riskReasons?.some((x) => x.code === 'auto-scaling' || x.code === 'launch-template')).toBe(false);

    // The CLI table and the --json contract (inUse.launchTemplates, .autoScalingGroups, .imageRecipes).
    expect(formatTable(r.findings)).toMatch(/4 asg, 2 lt, 1 recipe/);
    const json = JSON.parse(JSON.stringify(scanResultJson(r))) as { findings: Finding[] };
    const jf = json.findings.find((x) => x.resourceId === ami)!;
    expect(jf.inUse?.launchTemplates?.count).toBe(2);
    expect(jf.inUse?.autoScalingGroups?.count).toBe(4);
    expect(jf.inUse?.imageRecipes?.count).toBe(1);

    // One listing per account-region however many findings ask; the pinned version asked for once;
    // launch configurations only by the names the groups use.
    expect(sim!.calls({ action: 'DescribeAutoScalingGroups', account: A })).toBe(1);
    expect(sim!.calls({ action: 'ListImageRecipes', account: A })).toBe(1);
    expect(sim!.calls({ action: 'DescribeLaunchConfigurations', account: A })).toBe(1);
    expect(sim!.calls({ action: 'DescribeLaunchTemplateVersions', account: A })).toBe(2);
    // Account B has no finding: none of the extra lookups runs there.
    for (const action of [
      'DescribeLaunchTemplateVersions',
      'DescribeAutoScalingGroups',
      'DescribeLaunchConfigurations',
      'ListImageRecipes',
    ])
      expect(sim!.calls({ action, account: B }), action).toBe(0);
  });

  it('a failed lookup marks the usage partly unknown and keeps the finding', async () => {
    const { world, ami, snap } = launchWorld();
    sim = await startSim(world);
    sim.faults.add({
      action: 'DescribeAutoScalingGroups',
      account: A,
      region: R,
      code: 'AccessDenied',
      times: 10,
    });
    sim.faults.add({
      action: 'ListImageRecipes',
      account: A,
      region: R,
      code: 'AccessDeniedException',
      status: 403,
      times: 10,
    });
    const clients = clientsFor(sim, { maxAttempts: 1 });
    let r: ScanResult;
    try {
      r = await scan(
        {
          accounts: monitored([A]),
          regions: [R],
          kinds: [...RESOURCE_KINDS],
          trust: makeTrustPolicy({ trusted: [], trustMonitoredAccounts: true, monitoredAccountIds: [A] }),
          blastRadius: true,
        },
        { clients, concurrency: 4 },
      );
    } finally {
      clients.destroy();
    }
    const f = finding(r, ami);
    expect(f.inUse?.unknown?.join(' ')).toMatch(/autoscaling:DescribeAutoScalingGroups: AccessDenied/);
    expect(f.inUse?.unknown?.join(' ')).toMatch(/imagebuilder:ListImageRecipes: AccessDeniedException/);
    // What could be read still counts.
    expect(f.inUse?.launchTemplates?.count).toBe(2);
    const s = finding(r, snap);
    expect(s.inUse?.unknown?.join(' ')).toMatch(/DescribeAutoScalingGroups/);
    expect(s.inUse?.unknown?.join(' ')).not.toMatch(/ListImageRecipes/);
    const target = r.targets.find((t) => t.accountId === A)!;
    expect(target.status).toBe('ok');
    expect('usageErrors' in target && target.usageErrors?.join(' ')).toMatch(/DescribeAutoScalingGroups/);
  });
});
