/**
 * Benchmark worlds (docs/simulator.md format), generated from a seed so every run and every machine
 * scans the same organization, plus what a correct scan of it must find (an oracle computed from the
 * world itself) and how many calls and pages each account-region needs (for the lower bound).
 *
 *   node bin/run-ts.js bench/worlds.ts S bench/results/tmp/world-S.json
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DEFAULT_REGIONS } from '../src/aws/targets.ts';
import { findingId, type ResourceKind } from '../src/domain/finding.ts';
import type {
  World,
  WorldImage,
  WorldSnapshot,
  WorldDbSnapshot,
  WorldAccount,
} from '../src/testing/sim/index.ts';
import { Rng } from './lib/prng.ts';

export type SizeName = 'S' | 'M' | 'L';

export interface WorldSpec {
  name: SizeName;
  seed: number;
  accounts: number;
  regions: readonly string[];
  untrustedOwners: number;
  trustedOwners: number;
  /** Records shared into 1–3 monitored accounts each, per kind (before the hot spots). */
  amis: number;
  snapshots: number;
  dbSnapshots: number;
  clusterSnapshots: number;
  /** AMIs shared with the whole organization / with one OU. */
  orgAmis: number;
  ouAmis: number;
  ous: number;
  /** Own, unshared resources per account (AMIs and EBS snapshots; `self` listings return them). */
  ownPerAccount: number;
  /** Public-only images and snapshots (never returned to `self`). */
  publicOnly: number;
  /** One account-region per kind crowded enough to need several pages. */
  hot: { ami?: number; snapshot?: number; db?: number; cluster?: number };
  /**
   * What the blast-radius lookups find (issue 9): instances running from untrusted shared AMIs, volumes
   * made from untrusted shared EBS snapshots, restores of untrusted shared RDS snapshots (RDS events).
   * Only from resources the listings show, so they add no finding (a hidden AMI would).
   */
  usage: { instances: number; volumes: number; restores: number };
}

export const LATENCY_MS = 25;

export const SPECS: Record<SizeName, WorldSpec> = {
  S: {
    name: 'S',
    seed: 0x5eed_0005,
    accounts: 20,
    regions: ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-northeast-1'],
    untrustedOwners: 12,
    trustedOwners: 3,
    amis: 90,
    snapshots: 80,
    dbSnapshots: 60,
    clusterSnapshots: 50,
    orgAmis: 2,
    ouAmis: 1,
    ous: 4,
    ownPerAccount: 2,
    publicOnly: 10,
    hot: { cluster: 105 },
    usage: { instances: 10, volumes: 10, restores: 5 },
  },
  // L's spec with a fifth of the accounts and of the shares (issue 11): the middle size the boto3 peer
  // runs in a quick run.
  M: {
    name: 'M',
    seed: 0x5eed_0200,
    accounts: 200,
    regions: DEFAULT_REGIONS,
    untrustedOwners: 200,
    trustedOwners: 10,
    amis: 1600,
    snapshots: 1600,
    dbSnapshots: 1500,
    clusterSnapshots: 1500,
    orgAmis: 2,
    ouAmis: 1,
    ous: 10,
    ownPerAccount: 1,
    publicOnly: 200,
    hot: { ami: 500, snapshot: 300, db: 50, cluster: 46 },
    usage: { instances: 100, volumes: 100, restores: 50 },
  },
  L: {
    name: 'L',
    seed: 0x5eed_1000,
    accounts: 1000,
    regions: DEFAULT_REGIONS,
    untrustedOwners: 200,
    trustedOwners: 10,
    amis: 8000,
    snapshots: 8000,
    dbSnapshots: 7500,
    clusterSnapshots: 7500,
    orgAmis: 2,
    ouAmis: 5,
    ous: 10,
    ownPerAccount: 1,
    publicOnly: 200,
    hot: { ami: 2500, snapshot: 1500, db: 250, cluster: 230 },
    usage: { instances: 500, volumes: 500, restores: 250 },
  },
};

export const ORG_ARN = 'arn:aws:organizations::999999999999:organization/o-bench00001';
const ouArn = (i: number) => `arn:aws:organizations::999999999999:ou/o-bench00001/ou-bnch-${pad(i, 8)}`;
const AMAZON = '137112412989';
export const ROLE_NAME = 'ShareGuardScanner';

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
const hex = (n: number) => n.toString(16).padStart(17, '0');

export interface BenchWorld {
  spec: WorldSpec;
  world: World;
  /** Monitored accounts, the home one first (it scans with the base credentials). */
  accounts: Array<{ id: string; name: string; home: boolean }>;
  /** The trust list of the config (outside vendors); monitored accounts are trusted too. */
  trusted: string[];
  untrusted: string[];
}

/**
 * Generates the world of a size; deterministic for a given spec (the RDS restore events are dated a few
 * days before `now`, since RDS keeps 14 days of them).
 */
export function generateWorld(spec: WorldSpec, now = Date.now()): BenchWorld {
  const rng = new Rng(spec.seed);
  const regions = [...spec.regions];
  const monitored = Array.from({ length: spec.accounts }, (_, i) => `1${pad(i, 11)}`);
  const trusted = Array.from({ length: spec.trustedOwners }, (_, i) => `2${pad(i, 11)}`);
  const untrusted = Array.from({ length: spec.untrustedOwners }, (_, i) => `4${pad(i, 11)}`);
  const ouOf = new Map<string, number>();
  const accounts: WorldAccount[] = monitored.map((id, i) => {
    const ou = i % spec.ous;
    ouOf.set(id, ou);
    return {
      id,
      name: i === 0 ? 'security' : `workload-${pad(i, 4)}`,
      regions,
      assumeRole: 'allow',
      organization: ORG_ARN,
      ous: [ouArn(ou)],
    };
  });

  let imageN = 0;
  let snapN = 0;
  let dbN = 0;
  let clusterN = 0;
  const images: WorldImage[] = [];
  const snapshots: WorldSnapshot[] = [];
  const dbSnapshots: WorldDbSnapshot[] = [];
  const clusterSnapshots: WorldDbSnapshot[] = [];

  const day = (base: number, spread: number) =>
    new Date(Date.UTC(2023, 0, 1) + (base + rng.int(spread)) * 86_400_000).toISOString();
  /** 70% outsiders nobody trusts, 15% trusted vendors, 15% other monitored accounts. */
  const owner = (): string => {
    const r = rng.next();
    if (r < 0.7) return rng.pick(untrusted);
    if (r < 0.85) return rng.pick(trusted);
    return rng.pick(monitored);
  };
  const recipients = (ownerId: string): string[] => {
    const r = rng.next();
    const k = r < 0.7 ? 1 : r < 0.9 ? 2 : 3;
    return rng.sample(monitored, k, (a) => a === ownerId);
  };
  const IMAGE_NAMES = [
    'ubuntu-22.04',
    'al2023-base',
    'rhel-9-cis',
    'debian-12',
    'win2022-core',
    'golden-app',
  ];
  const image = (
    region: string,
    ownerId: string,
    perms: WorldImage['launchPermissions'],
    extra: Partial<WorldImage> = {},
  ): WorldImage => {
    const n = ++imageN;
    const img: WorldImage = {
      id: `ami-${hex(n)}`,
      region,
      owner: ownerId,
      name: `${rng.pick(IMAGE_NAMES)}-${pad(n, 6)}`,
      creationDate: day(0, 700),
      launchPermissions: perms,
      ...extra,
    };
    const r = rng.next();
    // 12% deprecated (a deprecated backdoored AMI still launches), 5% deprecating later.
    if (extra.deprecationTime === undefined) {
      if (r < 0.12) img.deprecationTime = day(400, 300);
      else if (r < 0.17) img.deprecationTime = '2031-01-01T00:00:00.000Z';
    }
    if (extra.state === undefined && rng.chance(0.01)) img.state = 'disabled';
    images.push(img);
    return img;
  };
  const snapshot = (region: string, ownerId: string, users: string[], pub = false): WorldSnapshot => {
    const n = ++snapN;
    const s: WorldSnapshot = {
      id: `snap-${hex(n)}`,
      region,
      owner: ownerId,
      description: rng.pick(['db backup', 'nightly', 'pre-upgrade', 'forensics copy', 'export']) + ` ${n}`,
      startTime: day(0, 700),
      volumeSize: 8 + rng.int(500),
      encrypted: rng.chance(0.5),
      createVolumePermissions: [
        ...users.map((userId) => ({ userId })),
        ...(pub ? [{ group: 'all' as const }] : []),
      ],
    };
    snapshots.push(s);
    return s;
  };
  const rds = (cluster: boolean, region: string, ownerId: string, restore: string[]): WorldDbSnapshot => {
    const n = cluster ? ++clusterN : ++dbN;
    const rec: WorldDbSnapshot = {
      id: `${cluster ? 'cluster' : 'db'}-${pad(n, 6)}`,
      region,
      owner: ownerId,
      engine: cluster
        ? rng.pick(['aurora-postgresql', 'aurora-mysql'])
        : rng.pick(['postgres', 'mysql', 'mariadb']),
      createTime: day(0, 700),
      restore,
      encrypted: rng.chance(0.5),
      allocatedStorage: 20 + rng.int(2000),
    };
    (cluster ? clusterSnapshots : dbSnapshots).push(rec);
    return rec;
  };

  // Shares into 1–3 monitored accounts, from a mix of owners.
  for (let i = 0; i < spec.amis; i++) {
    const o = owner();
    const perms: WorldImage['launchPermissions'] = recipients(o).map((userId) => ({ userId }));
    if (rng.chance(0.05)) perms.push({ group: 'all' });
    image(rng.pick(regions), o, perms);
  }
  for (let i = 0; i < spec.snapshots; i++) {
    const o = owner();
    snapshot(rng.pick(regions), o, recipients(o), rng.chance(0.03));
  }
  for (let i = 0; i < spec.dbSnapshots; i++) {
    const o = owner();
    const to: string[] = recipients(o);
    if (rng.chance(0.03)) to.push('all');
    rds(false, rng.pick(regions), o, to);
  }
  for (let i = 0; i < spec.clusterSnapshots; i++) {
    const o = owner();
    rds(true, rng.pick(regions), o, recipients(o));
  }
  // Organization and OU shares (AMIs only: snapshots cannot be shared that way). The first one
  // comes from an untrusted owner, the next from a trusted vendor, and so on.
  for (let i = 0; i < spec.orgAmis; i++) {
    image(regions[i % regions.length]!, i % 2 ? trusted[0]! : untrusted[i]!, [{ organizationArn: ORG_ARN }]);
  }
  for (let i = 0; i < spec.ouAmis; i++) {
    image(rng.pick(regions), rng.pick(untrusted), [{ organizationalUnitArn: ouArn(i % spec.ous) }]);
  }
  // Own resources (returned by the `self` listings, never findings) and public-only ones.
  for (const a of monitored) {
    for (let i = 0; i < spec.ownPerAccount; i++) {
      image(rng.pick(regions), a, [], { state: 'available' });
      snapshot(rng.pick(regions), a, []);
    }
  }
  for (let i = 0; i < spec.publicOnly; i++) {
    image(rng.pick(regions), AMAZON, [{ group: 'all' }], { ownerAlias: 'amazon', state: 'available' });
    snapshot(rng.pick(regions), rng.pick(untrusted), [], true);
  }
  // Hot spots: one account-region per kind with several pages of results.
  const hotTarget = (k: number) => ({
    account: monitored[(1 + k) % monitored.length]!,
    region: regions[k % regions.length]!,
  });
  const hotOwner = () => (rng.chance(0.8) ? rng.pick(untrusted) : rng.pick(trusted));
  if (spec.hot.ami) {
    const t = hotTarget(0);
    for (let i = 0; i < spec.hot.ami; i++) image(t.region, hotOwner(), [{ userId: t.account }]);
  }
  if (spec.hot.snapshot) {
    const t = hotTarget(1);
    for (let i = 0; i < spec.hot.snapshot; i++) snapshot(t.region, hotOwner(), [t.account]);
  }
  if (spec.hot.db) {
    const t = hotTarget(2);
    for (let i = 0; i < spec.hot.db; i++) rds(false, t.region, hotOwner(), [t.account]);
  }
  if (spec.hot.cluster) {
    const t = hotTarget(3);
    for (let i = 0; i < spec.hot.cluster; i++) rds(true, t.region, hotOwner(), [t.account]);
  }

  // Usage for the blast-radius lookups, drawn last so every record above stays the same. Only untrusted
  // resources a recipient lists (not disabled, shared directly), so no lookup adds or hides a finding.
  const untrustedSet = new Set(untrusted);
  const instances: World['instances'] = [];
  const volumes: World['volumes'] = [];
  const rdsEvents: NonNullable<World['rdsEvents']> = [];
  const usableImages = images.filter(
    (img) =>
      untrustedSet.has(img.owner) && img.state !== 'disabled' && img.launchPermissions.some((p) => p.userId),
  );
  for (let i = 0; i < spec.usage.instances && usableImages.length; i++) {
    const img = rng.pick(usableImages);
    const to = rng.pick(img.launchPermissions.filter((p) => p.userId));
    instances.push({
      id: `i-${hex(i + 1)}`,
      account: to.userId!,
      region: img.region,
      imageId: img.id,
      state: rng.chance(0.8) ? 'running' : 'stopped',
      launchTime: day(700, 30),
    });
  }
  const usableSnapshots = snapshots.filter(
    (sn) => untrustedSet.has(sn.owner) && sn.createVolumePermissions.some((p) => p.userId),
  );
  for (let i = 0; i < spec.usage.volumes && usableSnapshots.length; i++) {
    const sn = rng.pick(usableSnapshots);
    const to = rng.pick(sn.createVolumePermissions.filter((p) => p.userId));
    volumes.push({
      id: `vol-${hex(i + 1)}`,
      account: to.userId!,
      region: sn.region,
      snapshotId: sn.id,
      state: rng.chance(0.7) ? 'in-use' : 'available',
    });
  }
  const usableRds = [
    ...dbSnapshots.map((x) => ({ x, cluster: false })),
    ...clusterSnapshots.map((x) => ({ x, cluster: true })),
  ].filter(({ x }) => untrustedSet.has(x.owner) && x.restore.some((a) => a !== 'all'));
  for (let i = 0; i < spec.usage.restores && usableRds.length; i++) {
    const { x, cluster } = rng.pick(usableRds);
    const arn = `arn:aws:rds:${x.region}:${x.owner}:${cluster ? 'cluster-snapshot' : 'snapshot'}:${x.id}`;
    rdsEvents.push({
      account: rng.pick(x.restore.filter((a) => a !== 'all')),
      region: x.region,
      sourceId: `${cluster ? 'restored-cluster' : 'restored-db'}-${pad(i + 1, 6)}`,
      sourceType: cluster ? 'db-cluster' : 'db-instance',
      // RDS-EVENT-0043, as the simulator writes it for its own restores.
      message: `Restored from snapshot ${arn}`,
      date: new Date(now - (1 + rng.int(10)) * 86_400_000).toISOString(),
      eventCategories: ['restoration'],
    });
  }

  // What would launch them next (issue 23), drawn without the RNG so every record above stays the same:
  // every 10th instance's AMI gets a launch template in its account-region and an Auto Scaling group on
  // it, every 20th an Image Builder recipe built on it; every 10th volume's snapshot a launch template
  // whose block device names it. All on resources already in use, so no finding and no "in use" changes.
  const launchTemplates: NonNullable<World['launchTemplates']> = [];
  const autoScalingGroups: NonNullable<World['autoScalingGroups']> = [];
  const imageRecipes: NonNullable<World['imageRecipes']> = [];
  instances.forEach((inst, i) => {
    if (i % 10) return;
    const id = `lt-${hex(launchTemplates.length + 1)}`;
    launchTemplates.push({
      id,
      account: inst.account,
      region: inst.region,
      name: `bench-lt-${launchTemplates.length + 1}`,
      versions: [{ number: 1, imageId: inst.imageId }],
    });
    autoScalingGroups.push({
      name: `bench-asg-${autoScalingGroups.length + 1}`,
      account: inst.account,
      region: inst.region,
      launchTemplate: { id, version: '$Latest' },
      desiredCapacity: 1,
    });
    if (i % 20 === 0)
      imageRecipes.push({
        name: `bench-recipe-${imageRecipes.length + 1}`,
        version: '1.0.0',
        account: inst.account,
        region: inst.region,
        parentImage: inst.imageId,
      });
  });
  volumes.forEach((v, i) => {
    if (i % 10) return;
    launchTemplates.push({
      id: `lt-${hex(launchTemplates.length + 1)}`,
      account: v.account,
      region: v.region,
      name: `bench-lt-${launchTemplates.length + 1}`,
      versions: [{ number: 1, blockDeviceSnapshotIds: [v.snapshotId] }],
    });
  });

  const world: World = {
    homeAccount: monitored[0]!,
    latencyMs: LATENCY_MS,
    throttle: { scale: 1 },
    accounts,
    images,
    snapshots,
    dbSnapshots,
    dbClusterSnapshots: clusterSnapshots,
    instances,
    volumes,
    rdsEvents,
    launchTemplates,
    autoScalingGroups,
    imageRecipes,
  };
  return {
    spec,
    world,
    accounts: accounts.map((a, i) => ({ id: a.id, name: a.name!, home: i === 0 })),
    trusted,
    untrusted,
  };
}

/** What one account-region answers to shareguard's listings (counts of items). */
export interface TargetLoad {
  account: string;
  region: string;
  /** DescribeImages ExecutableBy=self: own + shared (direct, org, OU), deprecated included. */
  imagesSelf: number;
  /** Of those, not own: a second listing by the account's id follows only when > 0. */
  imagesShared: number;
  /** DescribeImages ExecutableBy=<account id>: own + direct shares. */
  imagesDirect: number;
  /** DescribeSnapshots RestorableBy=self: own + shared. */
  snapshotsSelf: number;
  db: number;
  cluster: number;
}

export interface ExpectedFinding {
  id: string;
  kind: ResourceKind;
  account: string;
  region: string;
  resourceId: string;
  owner: string;
  deprecated: boolean;
}

export interface Oracle {
  /** Every resource shared into a monitored account by another account (trust not applied). */
  shares: ExpectedFinding[];
  /** Those whose owner is neither on the trust list nor a monitored account. */
  untrusted: ExpectedFinding[];
  loads: TargetLoad[];
}

export const PAGE = { ami: 1000, 'ebs-snapshot': 1000, rds: 100 } as const;
export const pages = (items: number, size: number) => Math.max(1, Math.ceil(items / size));

/** What a correct scan of the world finds, computed from the world alone (no simulator, no SDK). */
export function oracle(bw: BenchWorld, now = Date.now()): Oracle {
  const { world } = bw;
  const monitored = new Set(bw.accounts.map((a) => a.id));
  const trustedSet = new Set([...bw.trusted, ...monitored]);
  const byOu = new Map<string, string[]>();
  for (const a of world.accounts) for (const ou of a.ous ?? []) byOu.set(ou, [...(byOu.get(ou) ?? []), a.id]);
  const regionsOf = new Map(world.accounts.map((a) => [a.id, new Set(a.regions)]));
  const loads = new Map<string, TargetLoad>();
  for (const a of world.accounts)
    for (const region of a.regions)
      loads.set(`${a.id}|${region}`, {
        account: a.id,
        region,
        imagesSelf: 0,
        imagesShared: 0,
        imagesDirect: 0,
        snapshotsSelf: 0,
        db: 0,
        cluster: 0,
      });
  const load = (account: string, region: string) => loads.get(`${account}|${region}`);
  const shares: ExpectedFinding[] = [];
  const share = (
    kind: ResourceKind,
    account: string,
    region: string,
    resourceId: string,
    owner: string,
    deprecated = false,
  ) =>
    shares.push({
      id: findingId(kind, account, region, resourceId),
      kind,
      account,
      region,
      resourceId,
      owner,
      deprecated,
    });

  for (const img of world.images) {
    if (img.state === 'disabled') continue; // hidden from everyone but its owner (IncludeDisabled)
    const deprecated = img.deprecationTime !== undefined && Date.parse(img.deprecationTime) <= now;
    const own = load(img.owner, img.region);
    if (own) {
      own.imagesSelf++;
      own.imagesDirect++;
    }
    const direct = new Set<string>();
    const via = new Set<string>();
    for (const p of img.launchPermissions) {
      if (p.userId) direct.add(p.userId);
      if (p.organizationArn)
        for (const a of world.accounts) if (a.organization === p.organizationArn) via.add(a.id);
      if (p.organizationalUnitArn) for (const a of byOu.get(p.organizationalUnitArn) ?? []) via.add(a);
    }
    for (const a of new Set([...direct, ...via])) {
      if (a === img.owner || !regionsOf.get(a)?.has(img.region)) continue;
      const l = load(a, img.region);
      if (!l) continue;
      l.imagesSelf++;
      l.imagesShared++;
      if (direct.has(a)) l.imagesDirect++;
      share('ami', a, img.region, img.id, img.owner, deprecated);
    }
  }
  for (const s of world.snapshots) {
    const own = load(s.owner, s.region);
    if (own) own.snapshotsSelf++;
    for (const p of s.createVolumePermissions) {
      if (!p.userId || p.userId === s.owner) continue;
      const l = load(p.userId, s.region);
      if (!l) continue;
      l.snapshotsSelf++;
      share('ebs-snapshot', p.userId, s.region, s.id, s.owner);
    }
  }
  for (const [list, kind] of [
    [world.dbSnapshots, 'rds-snapshot'],
    [world.dbClusterSnapshots, 'rds-cluster-snapshot'],
  ] as const) {
    for (const s of list) {
      for (const a of s.restore) {
        if (a === 'all' || a === s.owner) continue;
        const l = load(a, s.region);
        if (!l) continue;
        if (kind === 'rds-snapshot') l.db++;
        else l.cluster++;
        const arn = `arn:aws:rds:${s.region}:${s.owner}:${kind === 'rds-snapshot' ? 'snapshot' : 'cluster-snapshot'}:${s.id}`;
        share(kind, a, s.region, arn, s.owner);
      }
    }
  }
  return {
    shares,
    untrusted: shares.filter((s) => !trustedSet.has(s.owner)),
    loads: [...loads.values()],
  };
}

/**
 * Requests shareguard's scan makes for this world (no retries), by action. `amiDirect`: whether the scan
 * makes the second AMI listing (by the account's own id, when something is shared in); the bench tells
 * from the product's own requests (`amiDirectFromCalls`).
 */
export function expectedCalls(bw: BenchWorld, o: Oracle, amiDirect = true): Record<string, number> {
  let images = 0;
  let snapshots = 0;
  let db = 0;
  let cluster = 0;
  for (const l of o.loads) {
    images +=
      pages(l.imagesSelf, PAGE.ami) + (amiDirect && l.imagesShared > 0 ? pages(l.imagesDirect, PAGE.ami) : 0);
    snapshots += pages(l.snapshotsSelf, PAGE['ebs-snapshot']);
    db += pages(l.db, PAGE.rds);
    cluster += pages(l.cluster, PAGE.rds);
  }
  return {
    AssumeRole: bw.accounts.filter((a) => !a.home).length,
    DescribeRegions: bw.accounts.length,
    DescribeImages: images,
    DescribeSnapshots: snapshots,
    DescribeDBSnapshots: db,
    DescribeDBClusterSnapshots: cluster,
  };
}

export interface UsageExpectation {
  /** Untrusted findings the lookups must show in use (an instance, a volume or a restore). */
  findingsInUse: number;
  /** Requests the blast-radius lookups add to the listing-only scan, by action (src/aws/usage/). */
  calls: Record<string, number>;
}

/**
 * What the blast radius adds on this world (src/aws/usage/): per account-region, one
 * DescribeInstanceImageMetadata (it also answers which instances run a listed AMI); with untrusted AMIs
 * or EBS snapshots, the own AMIs once (DescribeImages Owners=self, 1000 a page) for both; with untrusted
 * EBS snapshots, DescribeVolumes per 200 ids; with untrusted RDS snapshots, the own manual snapshots of
 * that kind and the events (100 a page).
 */
export function usageExpectation(bw: BenchWorld, o: Oracle): UsageExpectation {
  const key = (account: string, region: string) => `${account}|${region}`;
  const untrusted = new Map<string, Record<ResourceKind, number>>();
  for (const f of o.untrusted) {
    const k = key(f.account, f.region);
    const c = untrusted.get(k) ?? { ami: 0, 'ebs-snapshot': 0, 'rds-snapshot': 0, 'rds-cluster-snapshot': 0 };
    c[f.kind]++;
    untrusted.set(k, c);
  }
  const count = <T>(list: readonly T[], keyOf: (x: T) => string) => {
    const m = new Map<string, number>();
    for (const x of list) m.set(keyOf(x), (m.get(keyOf(x)) ?? 0) + 1);
    return m;
  };
  const w = bw.world;
  const ownDb = count(w.dbSnapshots, (x) => key(x.owner, x.region));
  const ownCluster = count(w.dbClusterSnapshots, (x) => key(x.owner, x.region));
  const events = count(w.rdsEvents ?? [], (x) => key(x.account, x.region));
  // Owners=self leaves out disabled images (no IncludeDisabled).
  const ownImages = count(
    w.images.filter((x) => x.state !== 'disabled'),
    (x) => key(x.owner, x.region),
  );
  const calls: Record<string, number> = {
    DescribeInstanceImageMetadata: 0,
    DescribeInstances: 0,
    DescribeImages: 0,
    DescribeVolumes: 0,
    DescribeDBSnapshots: 0,
    DescribeDBClusterSnapshots: 0,
    DescribeEvents: 0,
    // Issue 23: what would launch them next, where there is an AMI or EBS finding (src/aws/usage/launchers.ts).
    DescribeLaunchTemplateVersions: 0,
    DescribeAutoScalingGroups: 0,
    ListImageRecipes: 0,
  };
  const lts = count(w.launchTemplates ?? [], (x) => key(x.account, x.region));
  const asgs = count(w.autoScalingGroups ?? [], (x) => key(x.account, x.region));
  const recipes = count(w.imageRecipes ?? [], (x) => key(x.account, x.region));
  const batches = (ids: number) => Math.ceil(ids / 200);
  for (const l of o.loads) {
    const k = key(l.account, l.region);
    const c = untrusted.get(k);
    calls.DescribeInstanceImageMetadata! += 1;
    if (!c) continue;
    if (c.ami || c['ebs-snapshot']) calls.DescribeImages! += pages(ownImages.get(k) ?? 0, PAGE.ami);
    if (c.ami || c['ebs-snapshot']) {
      // Every template's $Latest and $Default (one row each, or one when they are the same version).
      calls.DescribeLaunchTemplateVersions! += pages(lts.get(k) ?? 0, 200);
      calls.DescribeAutoScalingGroups! += pages(asgs.get(k) ?? 0, 100);
    }
    if (c.ami) calls.ListImageRecipes! += pages(recipes.get(k) ?? 0, 25);
    if (c['ebs-snapshot']) calls.DescribeVolumes! += batches(c['ebs-snapshot']);
    if (c['rds-snapshot']) calls.DescribeDBSnapshots! += pages(ownDb.get(k) ?? 0, PAGE.rds);
    if (c['rds-cluster-snapshot'])
      calls.DescribeDBClusterSnapshots! += pages(ownCluster.get(k) ?? 0, PAGE.rds);
    if (c['rds-snapshot'] || c['rds-cluster-snapshot'])
      calls.DescribeEvents! += pages(events.get(k) ?? 0, PAGE.rds);
  }
  const inUse = new Set<string>();
  const byResource = new Map(o.untrusted.map((f) => [`${f.account}|${f.region}|${f.resourceId}`, f.id]));
  for (const i of w.instances) {
    const id = byResource.get(`${i.account}|${i.region}|${i.imageId}`);
    if (id && i.state !== 'terminated' && i.state !== 'shutting-down') inUse.add(id);
  }
  for (const v of w.volumes) {
    const id = byResource.get(`${v.account}|${v.region}|${v.snapshotId}`);
    if (id && v.state !== 'deleted' && v.state !== 'deleting') inUse.add(id);
  }
  for (const e of w.rdsEvents ?? []) {
    const arn = /arn:aws:rds:\S+/.exec(e.message)?.[0];
    const id = arn && byResource.get(`${e.account}|${e.region}|${arn}`);
    if (id) inUse.add(id);
  }
  return { findingsInUse: inUse.size, calls };
}

/** Whether a scan that sent `describeImages` DescribeImages requests made the second AMI listing. */
export function amiDirectFromCalls(bw: BenchWorld, o: Oracle, describeImages: number): boolean {
  return describeImages !== expectedCalls(bw, o, false).DescribeImages;
}

export interface BoundA {
  ms: number;
  /** The account-region on the critical path and what it needs. */
  critical: { account: string; region: string; sequentialCalls: number; bucketWaitMs: number };
  perAccountRegionMax: { ec2Describe: number; rdsDescribe: number };
}

/**
 * Lower bound (a): unlimited parallelism across accounts, regions and kinds, so only the longest
 * chain of dependent requests counts, each costing the world's latency: AssumeRole → DescribeRegions
 * → the longest paging chain of one account-region (AMIs: the `self` pages, then, as shareguard does,
 * the pages by account id). Token buckets (docs/aws.md "Limits and retries": 100 burst, 20/s per account-region and
 * category) add a wait only when an account-region needs more than a burst of calls.
 */
export function boundA(bw: BenchWorld, o: Oracle, amiDirect = true, homeRegion = 'us-east-1'): BoundA {
  const L = bw.world.latencyMs ?? 0;
  const home = new Set(bw.accounts.filter((a) => a.home).map((a) => a.id));
  let best: BoundA = {
    ms: 0,
    critical: { account: '', region: '', sequentialCalls: 0, bucketWaitMs: 0 },
    perAccountRegionMax: { ec2Describe: 0, rdsDescribe: 0 },
  };
  const bucket = (n: number, capacity = 100, refill = 20) =>
    n > capacity ? ((n - capacity) / refill) * 1000 + L : 0;
  let ec2Max = 0;
  let rdsMax = 0;
  for (const l of o.loads) {
    const img =
      pages(l.imagesSelf, PAGE.ami) + (amiDirect && l.imagesShared > 0 ? pages(l.imagesDirect, PAGE.ami) : 0);
    const snap = pages(l.snapshotsSelf, PAGE['ebs-snapshot']);
    const db = pages(l.db, PAGE.rds);
    const cl = pages(l.cluster, PAGE.rds);
    const chain = Math.max(img, snap, db, cl);
    const ec2Calls = img + snap + (l.region === homeRegion ? 1 : 0);
    const rdsCalls = db + cl;
    ec2Max = Math.max(ec2Max, ec2Calls);
    rdsMax = Math.max(rdsMax, rdsCalls);
    const wait = Math.max(bucket(ec2Calls), bucket(rdsCalls));
    const before = (home.has(l.account) ? 1 : 2) * L; // AssumeRole (not for home) + DescribeRegions
    const ms = before + Math.max(chain * L, wait);
    if (ms > best.ms)
      best = {
        ms,
        critical: {
          account: l.account,
          region: l.region,
          sequentialCalls: (home.has(l.account) ? 1 : 2) + chain,
          bucketWaitMs: wait,
        },
        perAccountRegionMax: best.perAccountRegionMax,
      };
  }
  best.perAccountRegionMax = { ec2Describe: ec2Max, rdsDescribe: rdsMax };
  return best;
}

export async function writeWorld(bw: BenchWorld, file: string): Promise<number> {
  await mkdir(dirname(file), { recursive: true });
  const text = JSON.stringify(bw.world);
  await writeFile(file, text);
  return text.length;
}

// CLI: print or write a world.
if (import.meta.url === `file://${process.argv[1]}`) {
  const size = (process.argv[2] ?? 'S') as SizeName;
  const spec = SPECS[size];
  if (!spec) {
    console.error('usage: worlds.ts S|M|L [FILE]');
    process.exit(2);
  }
  const bw = generateWorld(spec);
  const o = oracle(bw);
  const out = process.argv[3];
  if (out) await writeWorld(bw, out);
  console.log(
    JSON.stringify(
      {
        size,
        accounts: bw.world.accounts.length,
        regions: spec.regions.length,
        records: {
          images: bw.world.images.length,
          snapshots: bw.world.snapshots.length,
          dbSnapshots: bw.world.dbSnapshots.length,
          dbClusterSnapshots: bw.world.dbClusterSnapshots.length,
        },
        shares: o.shares.length,
        untrusted: o.untrusted.length,
        calls: expectedCalls(bw, o),
        boundA: boundA(bw, o),
      },
      null,
      2,
    ),
  );
}
