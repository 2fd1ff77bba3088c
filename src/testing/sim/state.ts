// The simulator's live world: one store per resource family (stores/), each holding its records
// plus the indexes every request goes through. Benchmarks run 1,000 accounts × 17 regions with
// ~50,000 resources of each kind, so no request may scan the world: each question ("images in R
// shared with account A") is one index lookup, and every index bucket is a sorted id list so
// paging by "after the last id" is stable.
import type { PolicySource } from './policy/evaluate.ts';
import { AccountStore } from './stores/accounts.ts';
import { InstanceStore, VolumeStore } from './stores/compute.ts';
import { IamStore } from './stores/iam.ts';
import { LaunchStore } from './stores/launchers.ts';
import { ImageStore } from './stores/images.ts';
import { OrgStore } from './stores/organizations.ts';
import { OrgTreeStore } from './stores/org-tree.ts';
import { dbKey, RdsStore } from './stores/rds.ts';
import type {
  AccountRec,
  AllowedImagesSettings,
  DbRestoredRec,
  DenialRec,
  RdsEventRec,
  RdsKind,
  RecycleBinEntry,
  Session,
} from './stores/records.ts';
import { SnapshotStore } from './stores/snapshots.ts';
import type {
  World,
  WorldAccount,
  WorldDbSnapshot,
  WorldImage,
  WorldInstance,
  WorldRdsEvent,
  WorldRecycleBinRule,
  WorldSnapshot,
  WorldVolume,
} from './world.ts';

export type * from './stores/records.ts';

export class SimState {
  readonly homeAccount: string;
  readonly latencyMs: number;
  readonly latency: World['latency'];
  readonly throttle: World['throttle'];
  /** Every region the world names anywhere (at least us-east-1): an unlisted home account's regions. */
  readonly worldRegions: string[];

  readonly iam = new IamStore();
  readonly org: OrgStore;
  /** Organizations as ListAccounts and friends answer them. */
  readonly orgTree: OrgTreeStore;
  private readonly organizations: World['organizations'];
  private readonly accounts = new AccountStore(this.iam);
  readonly images = new ImageStore();
  readonly snapshots = new SnapshotStore();
  readonly db = new RdsStore('db');
  readonly cluster = new RdsStore('cluster');
  readonly instances = new InstanceStore();
  readonly volumes = new VolumeStore();
  /** Launch templates, Auto Scaling groups, launch configurations, Image Builder recipes (issue 23). */
  readonly launchers = new LaunchStore();

  readonly sessions = new Map<string, Session>();
  /** Deregistered / deleted resources kept by a Recycle Bin rule, by id. */
  readonly recycleBin = new Map<string, RecycleBinEntry>();
  readonly rdsEvents: RdsEventRec[] = [];
  /** Every request the policy evaluator denied, oldest first (a test hook). */
  readonly denials: DenialRec[] = [];
  readonly dbInstances = new Map<string, DbRestoredRec>(); // account|region|lowercase id
  readonly dbClusters = new Map<string, DbRestoredRec>();
  private nextId = 1;

  constructor(world: World) {
    this.homeAccount = world.homeAccount;
    this.latencyMs = world.latencyMs ?? 0;
    this.latency = world.latency;
    this.throttle = world.throttle;
    this.org = new OrgStore(world.organizationPolicies, world);
    this.orgTree = new OrgTreeStore(world);
    this.organizations = world.organizations;

    const regions = new Set<string>();
    for (const a of world.accounts) {
      for (const r of a.regions) regions.add(r);
      this.accounts.load(a);
      this.iam.load(a);
    }
    for (const list of [
      world.images,
      world.snapshots,
      world.dbSnapshots,
      world.dbClusterSnapshots,
      world.instances,
      world.volumes,
    ]) {
      for (const x of list) regions.add(x.region);
    }
    regions.add('us-east-1');
    this.worldRegions = [...regions].sort();
    this.accounts.ensureHome(this.homeAccount, this.worldRegions);

    for (const w of world.images) this.images.load(w);
    for (const w of world.snapshots) this.snapshots.load(w);
    for (const w of world.dbSnapshots) this.db.load(w);
    for (const w of world.dbClusterSnapshots) this.cluster.load(w);
    for (const w of world.instances) this.instances.load(w);
    for (const w of world.volumes) this.volumes.load(w);
    for (const e of world.rdsEvents ?? []) this.addRdsEvent(e);
    this.launchers.load(world);
    for (const d of world.dbInstances ?? []) this.dbInstances.set(dbKey(d), { ...d });
    for (const d of world.dbClusters ?? []) this.dbClusters.set(dbKey(d), { ...d });
  }

  /** A fresh hex id for a created resource (`ami-`, `snap-`, `vol-`, `i-`). */
  newId(prefix: string): string {
    for (;;) {
      const id = `${prefix}-0${(0x5100000000000000n + BigInt(this.nextId++)).toString(16)}`;
      if (!this.images.has(id) && !this.snapshots.has(id) && !this.instances.has(id) && !this.volumes.has(id))
        return id;
    }
  }

  // ---- policies -------------------------------------------------------------------------

  /**
   * What the evaluator reads for a caller: the Deny-bearing policies of its role (AssumeRole
   * credentials only; the base key is an IAM user without policies) and the SCPs over A.
   */
  denySources(acct: AccountRec, roleName: string | undefined): PolicySource[] {
    return [
      ...(roleName === undefined ? [] : this.iam.roleSources(acct.id, roleName)),
      ...this.org.sourcesFor(acct),
    ];
  }

  // ---- Recycle Bin ----------------------------------------------------------------------

  /** The account's retention rule for a resource type in a region, if any. */
  retentionRule(
    account: string,
    region: string,
    type: WorldRecycleBinRule['resourceType'],
  ): WorldRecycleBinRule | undefined {
    return this.accounts.retentionRule(account, region, type);
  }

  recycleBinEntries(): RecycleBinEntry[] {
    return [...this.recycleBin.values()];
  }

  // ---- RDS ------------------------------------------------------------------------------

  rds(kind: RdsKind): RdsStore {
    return kind === 'db' ? this.db : this.cluster;
  }

  addRdsEvent(e: WorldRdsEvent): void {
    this.rdsEvents.push({ ...e, dateMs: Date.parse(e.date) });
  }

  dbRestored(kind: RdsKind): Map<string, DbRestoredRec> {
    return kind === 'db' ? this.dbInstances : this.dbClusters;
  }

  // ---- accounts -------------------------------------------------------------------------

  accountRec(id: string): AccountRec | undefined {
    return this.accounts.rec(id);
  }

  accountRecs(): IterableIterator<AccountRec> {
    return this.accounts.all();
  }

  allowedSettings(account: string, region: string): AllowedImagesSettings {
    return this.accounts.allowedSettings(account, region);
  }

  setAllowedSettings(account: string, region: string, s: AllowedImagesSettings): void {
    this.accounts.setAllowedSettings(account, region, s);
  }

  // ---- read-only views for tests and GET /_sim/state ------------------------------------

  account(id: string): WorldAccount | undefined {
    return this.accounts.view(id);
  }

  image(id: string): WorldImage | undefined {
    return this.images.view(id);
  }

  snapshot(id: string): WorldSnapshot | undefined {
    return this.snapshots.view(id);
  }

  /** By ARN, or by identifier (optionally narrowed to an owner) when it is unique enough. */
  dbSnapshot(idOrArn: string, owner?: string): WorldDbSnapshot | undefined {
    return this.db.view(idOrArn, owner);
  }

  dbClusterSnapshot(idOrArn: string, owner?: string): WorldDbSnapshot | undefined {
    return this.cluster.view(idOrArn, owner);
  }

  instance(id: string): WorldInstance | undefined {
    return this.instances.view(id);
  }

  volume(id: string): WorldVolume | undefined {
    return this.volumes.view(id);
  }

  allowedImagesSettings(account: string, region: string): AllowedImagesSettings {
    return structuredClone(this.allowedSettings(account, region));
  }

  /** The world as it is now, in world-file format (the extensions included where set). */
  toWorld(): World {
    return {
      homeAccount: this.homeAccount,
      ...(this.latencyMs && { latencyMs: this.latencyMs }),
      ...(this.latency && { latency: structuredClone(this.latency) }),
      ...(this.throttle && { throttle: { ...this.throttle } }),
      accounts: this.accounts.toWorld(),
      images: this.images.toWorld(),
      snapshots: this.snapshots.toWorld(),
      dbSnapshots: this.db.toWorld(),
      dbClusterSnapshots: this.cluster.toWorld(),
      instances: this.instances.toWorld(),
      volumes: this.volumes.toWorld(),
      ...(this.org.toWorld() && { organizationPolicies: this.org.toWorld() }),
      ...(this.organizations && { organizations: structuredClone(this.organizations) }),
      ...(this.rdsEvents.length && {
        rdsEvents: this.rdsEvents.map(({ dateMs: _, ...e }) => ({ ...e })),
      }),
      ...this.launchers.toWorld(),
      ...(this.dbInstances.size && { dbInstances: [...this.dbInstances.values()].map((r) => ({ ...r })) }),
      ...(this.dbClusters.size && { dbClusters: [...this.dbClusters.values()].map((r) => ({ ...r })) }),
    };
  }
}
