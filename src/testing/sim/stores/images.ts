// AMIs: the records by id and the indexes DescribeImages answers from (owner, alias, each kind
// of launch permission, public), plus the snapshot → images link and the deregistered images
// DescribeInstanceImageMetadata still reports.
import { glob } from '../glob.ts';
import { Index } from '../sorted.ts';
import type { WorldImage, WorldLaunchPermission } from '../world.ts';
import type { AccountRec, AllowedImagesSettings, ImageCriterion, ImageRec } from './records.ts';
import { addToSetMap, deleteFromSetMap } from './set-map.ts';

const DAY_MS = 86_400_000;

export class ImageStore {
  private readonly byId = new Map<string, ImageRec>();
  readonly owner = new Index(); // region → owner
  readonly alias = new Index(); // region → owner alias
  readonly user = new Index(); // region → account
  readonly org = new Index(); // region → organization ARN
  readonly ou = new Index(); // region → OU ARN
  readonly publicIdx = new Index(); // region → "" (public ones)
  readonly bySnapshot = new Map<string, Set<string>>(); // snapshot id → image ids
  /** Deregistered images, kept for DescribeInstanceImageMetadata (AWS keeps the metadata). */
  readonly retired = new Map<string, ImageRec>();

  get(id: string): ImageRec | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** A world-file image at load: append to the indexes and let them sort once. */
  load(w: WorldImage): void {
    this.insert(w, true);
  }

  /** Adds a created image (CopyImage, a Recycle Bin restore). */
  add(w: WorldImage): ImageRec {
    return this.insert(w, false);
  }

  private insert(w: WorldImage, bulk: boolean): ImageRec {
    const rec = imageRec(w);
    this.byId.set(rec.id, rec);
    if (bulk) this.owner.push(rec.region, rec.owner, rec.id);
    else this.owner.add(rec.region, rec.owner, rec.id);
    if (rec.ownerAlias) {
      if (bulk) this.alias.push(rec.region, rec.ownerAlias, rec.id);
      else this.alias.add(rec.region, rec.ownerAlias, rec.id);
    }
    for (const b of rec.blockDeviceMappings) addToSetMap(this.bySnapshot, b.snapshotId, rec.id);
    for (const p of w.launchPermissions) this.addLaunchPermission(rec, p, bulk);
    return rec;
  }

  /** `bulk`: during load, append to the indexes and let them sort once. */
  addLaunchPermission(rec: ImageRec, p: WorldLaunchPermission, bulk = false): void {
    const put = (idx: Index, key: string) =>
      bulk ? idx.push(rec.region, key, rec.id) : idx.add(rec.region, key, rec.id);
    if (p.userId !== undefined && !rec.users.has(p.userId)) {
      rec.users.add(p.userId);
      put(this.user, p.userId);
    } else if (p.organizationArn !== undefined && !rec.orgs.has(p.organizationArn)) {
      rec.orgs.add(p.organizationArn);
      put(this.org, p.organizationArn);
    } else if (p.organizationalUnitArn !== undefined && !rec.ous.has(p.organizationalUnitArn)) {
      rec.ous.add(p.organizationalUnitArn);
      put(this.ou, p.organizationalUnitArn);
    } else if (p.group === 'all' && !rec.isPublic) {
      rec.isPublic = true;
      put(this.publicIdx, '');
    }
  }

  removeLaunchPermission(rec: ImageRec, p: WorldLaunchPermission): void {
    if (p.userId !== undefined && rec.users.delete(p.userId)) {
      this.user.delete(rec.region, p.userId, rec.id);
    } else if (p.organizationArn !== undefined && rec.orgs.delete(p.organizationArn)) {
      this.org.delete(rec.region, p.organizationArn, rec.id);
    } else if (p.organizationalUnitArn !== undefined && rec.ous.delete(p.organizationalUnitArn)) {
      this.ou.delete(rec.region, p.organizationalUnitArn, rec.id);
    } else if (p.group === 'all' && rec.isPublic) {
      rec.isPublic = false;
      this.publicIdx.delete(rec.region, '', rec.id);
    }
  }

  clearLaunchPermissions(rec: ImageRec): void {
    for (const p of launchPermissionsOf(rec)) this.removeLaunchPermission(rec, p);
  }

  /** Deregisters: out of every index, into `retired`. */
  remove(rec: ImageRec): void {
    this.clearLaunchPermissions(rec);
    this.owner.delete(rec.region, rec.owner, rec.id);
    if (rec.ownerAlias) this.alias.delete(rec.region, rec.ownerAlias, rec.id);
    for (const b of rec.blockDeviceMappings) deleteFromSetMap(this.bySnapshot, b.snapshotId, rec.id);
    this.byId.delete(rec.id);
    this.retired.set(rec.id, rec);
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
  allowed(rec: ImageRec, account: string, settings: AllowedImagesSettings, now: number): boolean {
    if (rec.owner === account) return true;
    return settings.criteria.some((c) => criterionMatches(c, rec, now));
  }

  view(id: string): WorldImage | undefined {
    const r = this.byId.get(id);
    return r && imageToWorld(r);
  }

  toWorld(): WorldImage[] {
    return [...this.byId.values()].map(imageToWorld);
  }
}

function imageRec(w: WorldImage): ImageRec {
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
