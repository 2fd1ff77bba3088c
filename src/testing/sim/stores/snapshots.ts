// EBS snapshots: the records by id and the indexes DescribeSnapshots answers from (owner,
// alias, createVolumePermission user, public).
import { Index } from '../sorted.ts';
import type { WorldSnapshot } from '../world.ts';
import type { SnapshotRec } from './records.ts';

type VolumePermission = { userId?: string; group?: string };

export class SnapshotStore {
  private readonly byId = new Map<string, SnapshotRec>();
  readonly owner = new Index(); // region → owner
  readonly alias = new Index(); // region → owner alias
  readonly user = new Index(); // region → account
  readonly publicIdx = new Index(); // region → "" (public ones)

  get(id: string): SnapshotRec | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** A world-file snapshot at load: append to the indexes and let them sort once. */
  load(w: WorldSnapshot): void {
    this.insert(w, true);
  }

  /** Adds a created snapshot (CopySnapshot, a Recycle Bin restore). */
  add(w: WorldSnapshot): SnapshotRec {
    return this.insert(w, false);
  }

  private insert(w: WorldSnapshot, bulk: boolean): SnapshotRec {
    const rec = snapshotRec(w);
    this.byId.set(rec.id, rec);
    if (bulk) this.owner.push(rec.region, rec.owner, rec.id);
    else this.owner.add(rec.region, rec.owner, rec.id);
    if (rec.ownerAlias) {
      if (bulk) this.alias.push(rec.region, rec.ownerAlias, rec.id);
      else this.alias.add(rec.region, rec.ownerAlias, rec.id);
    }
    for (const p of w.createVolumePermissions) this.addVolumePermission(rec, p, bulk);
    return rec;
  }

  /** `bulk`: during load, append to the indexes and let them sort once. */
  addVolumePermission(rec: SnapshotRec, p: VolumePermission, bulk = false): void {
    if (p.userId !== undefined && !rec.users.has(p.userId)) {
      rec.users.add(p.userId);
      if (bulk) this.user.push(rec.region, p.userId, rec.id);
      else this.user.add(rec.region, p.userId, rec.id);
    } else if (p.group === 'all' && !rec.isPublic) {
      rec.isPublic = true;
      if (bulk) this.publicIdx.push(rec.region, '', rec.id);
      else this.publicIdx.add(rec.region, '', rec.id);
    }
  }

  removeVolumePermission(rec: SnapshotRec, p: VolumePermission): void {
    if (p.userId !== undefined && rec.users.delete(p.userId)) {
      this.user.delete(rec.region, p.userId, rec.id);
    } else if (p.group === 'all' && rec.isPublic) {
      rec.isPublic = false;
      this.publicIdx.delete(rec.region, '', rec.id);
    }
  }

  remove(rec: SnapshotRec): void {
    for (const u of [...rec.users]) this.removeVolumePermission(rec, { userId: u });
    this.removeVolumePermission(rec, { group: 'all' });
    this.owner.delete(rec.region, rec.owner, rec.id);
    if (rec.ownerAlias) this.alias.delete(rec.region, rec.ownerAlias, rec.id);
    this.byId.delete(rec.id);
  }

  view(id: string): WorldSnapshot | undefined {
    const r = this.byId.get(id);
    return r && snapshotToWorld(r);
  }

  toWorld(): WorldSnapshot[] {
    return [...this.byId.values()].map(snapshotToWorld);
  }
}

function snapshotRec(w: WorldSnapshot): SnapshotRec {
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

export function volumePermissionsOf(rec: SnapshotRec): { userId?: string; group?: 'all' }[] {
  const out: { userId?: string; group?: 'all' }[] = [];
  for (const userId of rec.users) out.push({ userId });
  if (rec.isPublic) out.push({ group: 'all' });
  return out;
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
