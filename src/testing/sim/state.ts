// The simulator's live world: records plus the indexes every request goes through. Benchmarks
// run 1,000 accounts × 17 regions with ~50,000 resources of each kind, so no request may scan
// the world: each question ("images in R shared with account A") is one index lookup, and
// every index bucket is a sorted id list so paging by "after the last id" is stable.
import type { PolicySource } from './policy/evaluate.ts';
import { Index, SortedIds } from './sorted.ts';
import { IamStore } from './stores/iam.ts';
import { OrgStore } from './stores/organizations.ts';
import type {
  World,
  WorldAccount,
  WorldDbSnapshot,
  WorldImage,
  WorldImageCriterion,
  WorldDbRestored,
  WorldInstance,
  WorldLaunchPermission,
  WorldRdsEvent,
  WorldRecycleBinRule,
  WorldSnapshot,
  WorldVolume,
} from './world.ts';

export interface AccountRec {
  id: string;
  name?: string;
  regions: Set<string>;
  assumeRole: 'allow' | 'deny';
  organization?: string;
  ous: string[];
  /** False for a homeAccount the world does not list (it gets every region of the world). */
  listed: boolean;
}

export interface BlockDevice {
  deviceName: string;
  snapshotId: string;
}

export interface ImageRec {
  id: string;
  region: string;
  owner: string;
  name: string;
  creationDate: string;
  creationMs: number;
  state: 'available' | 'disabled';
  deprecationTime?: string;
  deprecationMs?: number;
  users: Set<string>;
  orgs: Set<string>;
  ous: Set<string>;
  isPublic: boolean;
  description?: string;
  ownerAlias?: string;
  sourceImageId?: string;
  blockDeviceMappings: BlockDevice[];
  deregistrationProtection: boolean;
}

export interface SnapshotRec {
  id: string;
  region: string;
  owner: string;
  description: string;
  startTime: string;
  volumeSize: number;
  encrypted: boolean;
  users: Set<string>;
  isPublic: boolean;
  ownerAlias?: string;
  volumeId?: string;
}

export type RdsKind = 'db' | 'cluster';

export interface RdsSnapshotRec {
  kind: RdsKind;
  /** The ARN: unique across the world, the sort key of every RDS index. */
  arn: string;
  id: string;
  region: string;
  owner: string;
  engine: string;
  createTime: string;
  /** Account ids allowed to restore; "all" stands for public. Insertion-ordered. */
  restore: Set<string>;
  sourceIdentifier?: string;
  encrypted?: boolean;
  allocatedStorage?: number;
  sourceSnapshotArn?: string;
  status: string;
}

export type InstanceRec = WorldInstance;
export type RdsEventRec = WorldRdsEvent & { dateMs: number };
export type DbRestoredRec = WorldDbRestored;

/** One denied request: who, what, and which statements denied it. */
export interface DenialRec {
  account: string;
  /** The AssumeRole role name, when the caller used one. */
  role?: string;
  action: string;
  resource: string;
  matched: {
    sourcePolicyId: string;
    kind: 'identity' | 'scp' | 'custom';
    statementIndex: number;
    sid?: string;
  }[];
  atMs: number;
}

/** A deregistered image or deleted snapshot a Recycle Bin rule keeps restorable. */
export interface RecycleBinEntry {
  kind: 'image' | 'snapshot';
  id: string;
  account: string;
  region: string;
  enteredMs: number;
  /** When the retention ends (the rule's retentionDays after deletion). */
  exitMs: number;
  image?: ImageRec;
  snapshot?: SnapshotRec;
}
export type VolumeRec = WorldVolume;

export type ImageCriterion = WorldImageCriterion;

export interface AllowedImagesSettings {
  state: 'enabled' | 'audit-mode' | 'disabled';
  criteria: ImageCriterion[];
  managedBy: 'account' | 'declarative-policy';
}

export interface Session {
  accessKeyId: string;
  account: string;
  roleArn: string;
  roleName: string;
  sessionName: string;
  expiresMs: number;
}

const DAY_MS = 86_400_000;

export function rdsArn(kind: RdsKind, region: string, owner: string, id: string): string {
  return `arn:aws:rds:${region}:${owner}:${kind === 'db' ? 'snapshot' : 'cluster-snapshot'}:${id}`;
}

/** Parses an RDS snapshot ARN; undefined when it is not one of the given kind. */
export function parseRdsArn(
  kind: RdsKind,
  arn: string,
): { region: string; owner: string; id: string } | undefined {
  const m = /^arn:aws[a-z-]*:rds:([^:]+):(\d{12}):(snapshot|cluster-snapshot):(.+)$/.exec(arn);
  if (!m || m[3] !== (kind === 'db' ? 'snapshot' : 'cluster-snapshot')) return undefined;
  return { region: m[1]!, owner: m[2]!, id: m[4]! };
}

const globCache = new Map<string, RegExp>();
/** AWS filter and name patterns: `*` any run, `?` any one character, everything else literal. */
export function glob(pattern: string): RegExp {
  let re = globCache.get(pattern);
  if (!re) {
    const body = pattern.replace(/[.+^${}()|[\]\\*?]/g, (c) =>
      c === '*' ? '.*' : c === '?' ? '.' : `\\${c}`,
    );
    re = new RegExp(`^${body}$`, 's');
    if (globCache.size > 10_000) globCache.clear();
    globCache.set(pattern, re);
  }
  return re;
}

class RdsStore {
  readonly byArn = new Map<string, RdsSnapshotRec>();
  /** region|owner|lowercase id → ARN (RDS identifiers are case-insensitive). */
  readonly byName = new Map<string, string>();
  readonly owner = new Index(); // region → owner
  readonly shared = new Index(); // region → account named in restore
  readonly publicIdx = new Index(); // region → "" (public ones)

  constructor(readonly kind: RdsKind) {}

  load(w: WorldDbSnapshot): RdsSnapshotRec {
    const rec: RdsSnapshotRec = {
      kind: this.kind,
      arn: rdsArn(this.kind, w.region, w.owner, w.id),
      id: w.id,
      region: w.region,
      owner: w.owner,
      engine: w.engine,
      createTime: w.createTime,
      restore: new Set(w.restore),
      sourceIdentifier: w.sourceIdentifier,
      encrypted: w.encrypted,
      allocatedStorage: w.allocatedStorage,
      sourceSnapshotArn: w.sourceSnapshotArn,
      status: w.status ?? 'available',
    };
    this.byArn.set(rec.arn, rec);
    this.byName.set(`${rec.region}|${rec.owner}|${rec.id.toLowerCase()}`, rec.arn);
    this.owner.push(rec.region, rec.owner, rec.arn);
    for (const v of rec.restore) {
      if (v === 'all') this.publicIdx.push(rec.region, '', rec.arn);
      else this.shared.push(rec.region, v, rec.arn);
    }
    return rec;
  }

  find(region: string, owner: string, id: string): RdsSnapshotRec | undefined {
    const arn = this.byName.get(`${region}|${owner}|${id.toLowerCase()}`);
    return arn === undefined ? undefined : this.byArn.get(arn);
  }

  addRestore(rec: RdsSnapshotRec, value: string): void {
    if (rec.restore.has(value)) return;
    rec.restore.add(value);
    if (value === 'all') this.publicIdx.add(rec.region, '', rec.arn);
    else this.shared.add(rec.region, value, rec.arn);
  }

  removeRestore(rec: RdsSnapshotRec, value: string): void {
    if (!rec.restore.delete(value)) return;
    if (value === 'all') this.publicIdx.delete(rec.region, '', rec.arn);
    else this.shared.delete(rec.region, value, rec.arn);
  }

  remove(rec: RdsSnapshotRec): void {
    for (const v of [...rec.restore]) this.removeRestore(rec, v);
    this.owner.delete(rec.region, rec.owner, rec.arn);
    this.byName.delete(`${rec.region}|${rec.owner}|${rec.id.toLowerCase()}`);
    this.byArn.delete(rec.arn);
  }

  toWorld(): WorldDbSnapshot[] {
    return [...this.byArn.values()].map(rdsToWorld);
  }
}

function rdsToWorld(r: RdsSnapshotRec): WorldDbSnapshot {
  return {
    id: r.id,
    region: r.region,
    owner: r.owner,
    engine: r.engine,
    createTime: r.createTime,
    restore: [...r.restore],
    ...(r.sourceIdentifier !== undefined && { sourceIdentifier: r.sourceIdentifier }),
    ...(r.encrypted !== undefined && { encrypted: r.encrypted }),
    ...(r.allocatedStorage !== undefined && { allocatedStorage: r.allocatedStorage }),
    ...(r.sourceSnapshotArn !== undefined && { sourceSnapshotArn: r.sourceSnapshotArn }),
    ...(r.status !== 'available' && { status: r.status as WorldDbSnapshot['status'] }),
  };
}

export class SimState {
  readonly homeAccount: string;
  readonly latencyMs: number;
  readonly throttle: World['throttle'];
  /** Every region the world names anywhere (at least us-east-1): an unlisted home account's regions. */
  readonly worldRegions: string[];

  private readonly accounts = new Map<string, AccountRec>();
  private readonly worldAccounts = new Map<string, WorldAccount>();
  private readonly allowed = new Map<string, AllowedImagesSettings>(); // account|region

  readonly images = new Map<string, ImageRec>();
  readonly imgOwner = new Index(); // region → owner
  readonly imgAlias = new Index(); // region → owner alias
  readonly imgUser = new Index(); // region → account
  readonly imgOrg = new Index(); // region → organization ARN
  readonly imgOu = new Index(); // region → OU ARN
  readonly imgPublic = new Index(); // region → "" (public ones)
  readonly imgBySnapshot = new Map<string, Set<string>>(); // snapshot id → image ids

  readonly snapshots = new Map<string, SnapshotRec>();
  readonly snapOwner = new Index(); // region → owner
  readonly snapAlias = new Index(); // region → owner alias
  readonly snapUser = new Index(); // region → account
  readonly snapPublic = new Index(); // region → "" (public ones)

  readonly db = new RdsStore('db');
  readonly cluster = new RdsStore('cluster');

  readonly instances = new Map<string, InstanceRec>();
  readonly instByAccount = new Index(); // region → account
  readonly instByImage = new Map<string, Set<string>>();

  readonly volumes = new Map<string, VolumeRec>();
  readonly volByAccount = new Index(); // region → account
  readonly volBySnapshot = new Map<string, Set<string>>();

  readonly sessions = new Map<string, Session>();

  readonly iam = new IamStore();
  readonly org: OrgStore;
  /** Deregistered / deleted resources kept by a Recycle Bin rule, by id. */
  readonly recycleBin = new Map<string, RecycleBinEntry>();
  /** Deregistered images, kept for DescribeInstanceImageMetadata (AWS keeps the metadata). */
  readonly retiredImages = new Map<string, ImageRec>();
  readonly rdsEvents: RdsEventRec[] = [];
  /** Every request the policy evaluator denied, oldest first (a test hook). */
  readonly denials: DenialRec[] = [];
  readonly dbInstances = new Map<string, DbRestoredRec>(); // account|region|lowercase id
  readonly dbClusters = new Map<string, DbRestoredRec>();
  private nextId = 1;

  constructor(world: World) {
    this.homeAccount = world.homeAccount;
    this.latencyMs = world.latencyMs ?? 0;
    this.throttle = world.throttle;
    this.org = new OrgStore(world.organizationPolicies, world);

    const regions = new Set<string>();
    for (const a of world.accounts) {
      this.worldAccounts.set(a.id, a);
      for (const r of a.regions) regions.add(r);
      this.accounts.set(a.id, {
        id: a.id,
        name: a.name,
        regions: new Set(a.regions),
        assumeRole: a.assumeRole,
        organization: a.organization,
        ous: a.ous ?? [],
        listed: true,
      });
      this.iam.load(a);
      for (const [region, s] of Object.entries(a.allowedAmis ?? {})) {
        const criteria: ImageCriterion[] = s.providers.length ? [{ imageProviders: [...s.providers] }] : [];
        if (s.criteria) criteria.push(...s.criteria);
        this.allowed.set(`${a.id}|${region}`, {
          state: s.state,
          criteria,
          managedBy: s.managedBy ?? 'account',
        });
      }
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
    if (!this.accounts.has(this.homeAccount)) {
      this.accounts.set(this.homeAccount, {
        id: this.homeAccount,
        regions: new Set(this.worldRegions),
        assumeRole: 'allow',
        ous: [],
        listed: false,
      });
    }

    for (const w of world.images) this.loadImage(w);
    for (const w of world.snapshots) this.loadSnapshot(w);
    for (const w of world.dbSnapshots) this.db.load(w);
    for (const w of world.dbClusterSnapshots) this.cluster.load(w);
    for (const w of world.instances) {
      this.instances.set(w.id, { ...w });
      this.instByAccount.push(w.region, w.account, w.id);
      addToSetMap(this.instByImage, w.imageId, w.id);
    }
    for (const w of world.volumes) {
      this.volumes.set(w.id, { ...w });
      this.volByAccount.push(w.region, w.account, w.id);
      addToSetMap(this.volBySnapshot, w.snapshotId, w.id);
    }
    for (const e of world.rdsEvents ?? []) this.rdsEvents.push({ ...e, dateMs: Date.parse(e.date) });
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

  addInstance(rec: InstanceRec): void {
    this.instances.set(rec.id, rec);
    this.instByAccount.add(rec.region, rec.account, rec.id);
    addToSetMap(this.instByImage, rec.imageId, rec.id);
  }

  addVolume(rec: VolumeRec): void {
    this.volumes.set(rec.id, rec);
    this.volByAccount.add(rec.region, rec.account, rec.id);
    addToSetMap(this.volBySnapshot, rec.snapshotId, rec.id);
  }

  /** Adds a created image (CopyImage, a Recycle Bin restore). */
  addImage(w: WorldImage): ImageRec {
    const rec = this.imageRec(w);
    this.images.set(rec.id, rec);
    this.imgOwner.add(rec.region, rec.owner, rec.id);
    if (rec.ownerAlias) this.imgAlias.add(rec.region, rec.ownerAlias, rec.id);
    for (const b of rec.blockDeviceMappings) addToSetMap(this.imgBySnapshot, b.snapshotId, rec.id);
    for (const p of w.launchPermissions) this.addLaunchPermission(rec, p);
    return rec;
  }

  addSnapshot(w: WorldSnapshot): SnapshotRec {
    const rec = this.snapshotRec(w);
    this.snapshots.set(rec.id, rec);
    this.snapOwner.add(rec.region, rec.owner, rec.id);
    if (rec.ownerAlias) this.snapAlias.add(rec.region, rec.ownerAlias, rec.id);
    for (const p of w.createVolumePermissions) this.addVolumePermission(rec, p);
    return rec;
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
    const rules = this.worldAccounts.get(account)?.recycleBinRules ?? [];
    return rules.find((r) => r.resourceType === type && (!r.regions || r.regions.includes(region)));
  }

  recycleBinEntries(): RecycleBinEntry[] {
    return [...this.recycleBin.values()];
  }

  // ---- RDS events and restored databases --------------------------------------------------

  addRdsEvent(e: WorldRdsEvent): void {
    this.rdsEvents.push({ ...e, dateMs: Date.parse(e.date) });
  }

  dbRestored(kind: RdsKind): Map<string, DbRestoredRec> {
    return kind === 'db' ? this.dbInstances : this.dbClusters;
  }

  // ---- accounts -------------------------------------------------------------------------

  accountRec(id: string): AccountRec | undefined {
    return this.accounts.get(id);
  }

  accountRecs(): IterableIterator<AccountRec> {
    return this.accounts.values();
  }

  allowedSettings(account: string, region: string): AllowedImagesSettings {
    return (
      this.allowed.get(`${account}|${region}`) ?? { state: 'disabled', criteria: [], managedBy: 'account' }
    );
  }

  setAllowedSettings(account: string, region: string, s: AllowedImagesSettings): void {
    this.allowed.set(`${account}|${region}`, s);
  }

  // ---- images ---------------------------------------------------------------------------

  private loadImage(w: WorldImage): void {
    const rec = this.imageRec(w);
    this.images.set(rec.id, rec);
    this.imgOwner.push(rec.region, rec.owner, rec.id);
    if (rec.ownerAlias) this.imgAlias.push(rec.region, rec.ownerAlias, rec.id);
    for (const b of rec.blockDeviceMappings) addToSetMap(this.imgBySnapshot, b.snapshotId, rec.id);
    for (const p of w.launchPermissions) this.addLaunchPermission(rec, p, true);
  }

  private imageRec(w: WorldImage): ImageRec {
    return {
      id: w.id,
      region: w.region,
      owner: w.owner,
      name: w.name,
      creationDate: w.creationDate,
      creationMs: Date.parse(w.creationDate),
      state: w.state ?? 'available',
      deprecationTime: w.deprecationTime,
      deprecationMs: w.deprecationTime === undefined ? undefined : Date.parse(w.deprecationTime),
      users: new Set(),
      orgs: new Set(),
      ous: new Set(),
      isPublic: false,
      description: w.description,
      ownerAlias: w.imageOwnerAlias ?? w.ownerAlias,
      sourceImageId: w.sourceImageId,
      blockDeviceMappings: (w.blockDeviceMappings ?? []).map((b) => ({ ...b })),
      deregistrationProtection: w.deregistrationProtection ?? false,
    };
  }

  /** `bulk`: during load, append to the indexes and let them sort once. */
  addLaunchPermission(rec: ImageRec, p: WorldLaunchPermission, bulk = false): void {
    const put = (idx: Index, key: string) =>
      bulk ? idx.push(rec.region, key, rec.id) : idx.add(rec.region, key, rec.id);
    if (p.userId !== undefined && !rec.users.has(p.userId)) {
      rec.users.add(p.userId);
      put(this.imgUser, p.userId);
    } else if (p.organizationArn !== undefined && !rec.orgs.has(p.organizationArn)) {
      rec.orgs.add(p.organizationArn);
      put(this.imgOrg, p.organizationArn);
    } else if (p.organizationalUnitArn !== undefined && !rec.ous.has(p.organizationalUnitArn)) {
      rec.ous.add(p.organizationalUnitArn);
      put(this.imgOu, p.organizationalUnitArn);
    } else if (p.group === 'all' && !rec.isPublic) {
      rec.isPublic = true;
      put(this.imgPublic, '');
    }
  }

  removeLaunchPermission(rec: ImageRec, p: WorldLaunchPermission): void {
    if (p.userId !== undefined && rec.users.delete(p.userId)) {
      this.imgUser.delete(rec.region, p.userId, rec.id);
    } else if (p.organizationArn !== undefined && rec.orgs.delete(p.organizationArn)) {
      this.imgOrg.delete(rec.region, p.organizationArn, rec.id);
    } else if (p.organizationalUnitArn !== undefined && rec.ous.delete(p.organizationalUnitArn)) {
      this.imgOu.delete(rec.region, p.organizationalUnitArn, rec.id);
    } else if (p.group === 'all' && rec.isPublic) {
      rec.isPublic = false;
      this.imgPublic.delete(rec.region, '', rec.id);
    }
  }

  clearLaunchPermissions(rec: ImageRec): void {
    for (const p of launchPermissionsOf(rec)) this.removeLaunchPermission(rec, p);
  }

  removeImage(rec: ImageRec): void {
    this.clearLaunchPermissions(rec);
    this.imgOwner.delete(rec.region, rec.owner, rec.id);
    if (rec.ownerAlias) this.imgAlias.delete(rec.region, rec.ownerAlias, rec.id);
    for (const b of rec.blockDeviceMappings) deleteFromSetMap(this.imgBySnapshot, b.snapshotId, rec.id);
    this.images.delete(rec.id);
    this.retiredImages.set(rec.id, rec);
  }

  /** Whether `account` (with its org and OUs) may launch the image: owner or any share. */
  canLaunch(rec: ImageRec, acct: AccountRec): boolean {
    if (rec.owner === acct.id) return true;
    if (rec.state === 'disabled') return false;
    return rec.isPublic || this.sharedWith(rec, acct);
  }

  /** Shared with the account directly, through its organization or one of its OUs. */
  sharedWith(rec: ImageRec, acct: AccountRec): boolean {
    if (rec.users.has(acct.id)) return true;
    if (acct.organization !== undefined && rec.orgs.has(acct.organization)) return true;
    for (const ou of acct.ous) if (rec.ous.has(ou)) return true;
    return false;
  }

  /** Allowed AMIs: own images always; others when any criterion matches. */
  imageAllowed(rec: ImageRec, account: string, settings: AllowedImagesSettings, now: number): boolean {
    if (rec.owner === account) return true;
    return settings.criteria.some((c) => criterionMatches(c, rec, now));
  }

  // ---- snapshots ------------------------------------------------------------------------

  private loadSnapshot(w: WorldSnapshot): void {
    const rec = this.snapshotRec(w);
    this.snapshots.set(rec.id, rec);
    this.snapOwner.push(rec.region, rec.owner, rec.id);
    if (rec.ownerAlias) this.snapAlias.push(rec.region, rec.ownerAlias, rec.id);
    for (const p of w.createVolumePermissions) this.addVolumePermission(rec, p, true);
  }

  private snapshotRec(w: WorldSnapshot): SnapshotRec {
    return {
      id: w.id,
      region: w.region,
      owner: w.owner,
      description: w.description,
      startTime: w.startTime,
      volumeSize: w.volumeSize,
      encrypted: w.encrypted,
      users: new Set(),
      isPublic: false,
      ownerAlias: w.ownerAlias,
      volumeId: w.volumeId,
    };
  }

  addVolumePermission(rec: SnapshotRec, p: { userId?: string; group?: string }, bulk = false): void {
    if (p.userId !== undefined && !rec.users.has(p.userId)) {
      rec.users.add(p.userId);
      if (bulk) this.snapUser.push(rec.region, p.userId, rec.id);
      else this.snapUser.add(rec.region, p.userId, rec.id);
    } else if (p.group === 'all' && !rec.isPublic) {
      rec.isPublic = true;
      if (bulk) this.snapPublic.push(rec.region, '', rec.id);
      else this.snapPublic.add(rec.region, '', rec.id);
    }
  }

  removeVolumePermission(rec: SnapshotRec, p: { userId?: string; group?: string }): void {
    if (p.userId !== undefined && rec.users.delete(p.userId)) {
      this.snapUser.delete(rec.region, p.userId, rec.id);
    } else if (p.group === 'all' && rec.isPublic) {
      rec.isPublic = false;
      this.snapPublic.delete(rec.region, '', rec.id);
    }
  }

  removeSnapshot(rec: SnapshotRec): void {
    for (const u of [...rec.users]) this.removeVolumePermission(rec, { userId: u });
    this.removeVolumePermission(rec, { group: 'all' });
    this.snapOwner.delete(rec.region, rec.owner, rec.id);
    if (rec.ownerAlias) this.snapAlias.delete(rec.region, rec.ownerAlias, rec.id);
    this.snapshots.delete(rec.id);
  }

  // ---- RDS ------------------------------------------------------------------------------

  rds(kind: RdsKind): RdsStore {
    return kind === 'db' ? this.db : this.cluster;
  }

  // ---- read-only views for tests and GET /_sim/state ------------------------------------

  account(id: string): WorldAccount | undefined {
    const w = this.worldAccounts.get(id);
    if (!w) return undefined;
    return this.accountToWorld(w);
  }

  private accountToWorld(w: WorldAccount): WorldAccount {
    const out: WorldAccount = { ...w, regions: [...w.regions] };
    delete out.roles;
    delete out.policies;
    Object.assign(out, this.iam.toWorld(w.id));
    const allowedAmis: NonNullable<WorldAccount['allowedAmis']> = {};
    for (const [key, s] of this.allowed) {
      const [acct, region] = key.split('|') as [string, string];
      if (acct !== w.id) continue;
      const providers =
        s.criteria.length === 1 && onlyProviders(s.criteria[0]!) ? s.criteria[0]!.imageProviders! : [];
      allowedAmis[region] = {
        state: s.state,
        providers: [...providers],
        ...(providers.length === 0 && s.criteria.length > 0 && { criteria: structuredClone(s.criteria) }),
        ...(s.managedBy !== 'account' && { managedBy: s.managedBy }),
      };
    }
    if (Object.keys(allowedAmis).length) out.allowedAmis = allowedAmis;
    else delete out.allowedAmis;
    return out;
  }

  image(id: string): WorldImage | undefined {
    const r = this.images.get(id);
    return r && imageToWorld(r);
  }

  snapshot(id: string): WorldSnapshot | undefined {
    const r = this.snapshots.get(id);
    return r && snapshotToWorld(r);
  }

  /** By ARN, or by identifier (optionally narrowed to an owner) when it is unique enough. */
  dbSnapshot(idOrArn: string, owner?: string): WorldDbSnapshot | undefined {
    return this.findRds('db', idOrArn, owner);
  }

  dbClusterSnapshot(idOrArn: string, owner?: string): WorldDbSnapshot | undefined {
    return this.findRds('cluster', idOrArn, owner);
  }

  private findRds(kind: RdsKind, idOrArn: string, owner?: string): WorldDbSnapshot | undefined {
    const store = this.rds(kind);
    const direct = store.byArn.get(idOrArn);
    const rec =
      direct ??
      [...store.byArn.values()].find(
        (r) => r.id.toLowerCase() === idOrArn.toLowerCase() && (owner === undefined || r.owner === owner),
      );
    return rec && rdsToWorld(rec);
  }

  instance(id: string): WorldInstance | undefined {
    const r = this.instances.get(id);
    return r && { ...r };
  }

  volume(id: string): WorldVolume | undefined {
    const r = this.volumes.get(id);
    return r && { ...r };
  }

  allowedImagesSettings(account: string, region: string): AllowedImagesSettings {
    return structuredClone(this.allowedSettings(account, region));
  }

  /** The world as it is now, in world-file format (the extensions included where set). */
  toWorld(): World {
    return {
      homeAccount: this.homeAccount,
      ...(this.latencyMs && { latencyMs: this.latencyMs }),
      ...(this.throttle && { throttle: { ...this.throttle } }),
      accounts: [...this.worldAccounts.values()].map((a) => this.accountToWorld(a)),
      images: [...this.images.values()].map(imageToWorld),
      snapshots: [...this.snapshots.values()].map(snapshotToWorld),
      dbSnapshots: this.db.toWorld(),
      dbClusterSnapshots: this.cluster.toWorld(),
      instances: [...this.instances.values()].map((r) => ({ ...r })),
      volumes: [...this.volumes.values()].map((r) => ({ ...r })),
      ...(this.org.toWorld() && { organizationPolicies: this.org.toWorld() }),
      ...(this.rdsEvents.length && {
        rdsEvents: this.rdsEvents.map(({ dateMs: _, ...e }) => ({ ...e })),
      }),
      ...(this.dbInstances.size && { dbInstances: [...this.dbInstances.values()].map((r) => ({ ...r })) }),
      ...(this.dbClusters.size && { dbClusters: [...this.dbClusters.values()].map((r) => ({ ...r })) }),
    };
  }
}

function onlyProviders(c: ImageCriterion): boolean {
  return (
    !!c.imageProviders?.length &&
    !c.imageNames &&
    !c.marketplaceProductCodes &&
    !c.creationDateCondition &&
    !c.deprecationTimeCondition
  );
}

function criterionMatches(c: ImageCriterion, rec: ImageRec, now: number): boolean {
  if (c.imageProviders?.length) {
    // "none" names no provider, so it matches nothing.
    if (!c.imageProviders.some((p) => p === rec.owner || p === rec.ownerAlias)) return false;
  }
  if (c.imageNames?.length && !c.imageNames.some((n) => glob(n).test(rec.name))) return false;
  // The world's images carry no product codes, so a product-code condition never matches.
  if (c.marketplaceProductCodes?.length) return false;
  if (
    c.creationDateCondition &&
    now - rec.creationMs > c.creationDateCondition.maximumDaysSinceCreated * DAY_MS
  ) {
    return false;
  }
  if (
    c.deprecationTimeCondition &&
    rec.deprecationMs !== undefined &&
    rec.deprecationMs <= now &&
    now - rec.deprecationMs > c.deprecationTimeCondition.maximumDaysSinceDeprecated * DAY_MS
  ) {
    return false;
  }
  return true;
}

export function launchPermissionsOf(rec: ImageRec): WorldLaunchPermission[] {
  const out: WorldLaunchPermission[] = [];
  for (const userId of rec.users) out.push({ userId });
  for (const organizationArn of rec.orgs) out.push({ organizationArn });
  for (const organizationalUnitArn of rec.ous) out.push({ organizationalUnitArn });
  if (rec.isPublic) out.push({ group: 'all' });
  return out;
}

export function volumePermissionsOf(rec: SnapshotRec): { userId?: string; group?: 'all' }[] {
  const out: { userId?: string; group?: 'all' }[] = [];
  for (const userId of rec.users) out.push({ userId });
  if (rec.isPublic) out.push({ group: 'all' });
  return out;
}

function imageToWorld(r: ImageRec): WorldImage {
  return {
    id: r.id,
    region: r.region,
    owner: r.owner,
    name: r.name,
    creationDate: r.creationDate,
    state: r.state,
    ...(r.deprecationTime !== undefined && { deprecationTime: r.deprecationTime }),
    launchPermissions: launchPermissionsOf(r),
    ...(r.description !== undefined && { description: r.description }),
    ...(r.ownerAlias !== undefined && { ownerAlias: r.ownerAlias as WorldImage['ownerAlias'] }),
    ...(r.sourceImageId !== undefined && { sourceImageId: r.sourceImageId }),
    ...(r.blockDeviceMappings.length > 0 && {
      blockDeviceMappings: r.blockDeviceMappings.map((b) => ({ ...b })),
    }),
    ...(r.ownerAlias !== undefined && { imageOwnerAlias: r.ownerAlias as WorldImage['imageOwnerAlias'] }),
    ...(r.deregistrationProtection && { deregistrationProtection: true }),
  };
}

function snapshotToWorld(r: SnapshotRec): WorldSnapshot {
  return {
    id: r.id,
    region: r.region,
    owner: r.owner,
    description: r.description,
    startTime: r.startTime,
    volumeSize: r.volumeSize,
    encrypted: r.encrypted,
    createVolumePermissions: volumePermissionsOf(r),
    ...(r.ownerAlias !== undefined && { ownerAlias: r.ownerAlias as WorldSnapshot['ownerAlias'] }),
    ...(r.volumeId !== undefined && { volumeId: r.volumeId }),
  };
}

function dbKey(d: WorldDbRestored): string {
  return `${d.account}|${d.region}|${d.id.toLowerCase()}`;
}

export { dbKey };

function addToSetMap(m: Map<string, Set<string>>, key: string, value: string): void {
  let s = m.get(key);
  if (!s) {
    s = new Set();
    m.set(key, s);
  }
  s.add(value);
}

function deleteFromSetMap(m: Map<string, Set<string>>, key: string, value: string): void {
  const s = m.get(key);
  if (!s) return;
  s.delete(value);
  if (s.size === 0) m.delete(key);
}

/** Sorted ids from a small set (e.g. the images built on one snapshot). */
export function sortedOf(ids: Iterable<string> | undefined): SortedIds {
  return SortedIds.of(ids ?? []);
}
