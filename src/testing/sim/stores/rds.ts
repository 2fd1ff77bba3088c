// RDS DB and cluster snapshots: one store per kind, keyed by ARN, with the indexes
// DescribeDBSnapshots / DescribeDBClusterSnapshots answer from.
import { Index } from '../sorted.ts';
import type { WorldDbRestored, WorldDbSnapshot } from '../world.ts';
import type { RdsKind, RdsSnapshotRec } from './records.ts';

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

export class RdsStore {
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

  /** By ARN, or by identifier (optionally narrowed to an owner) when it is unique enough. */
  view(idOrArn: string, owner?: string): WorldDbSnapshot | undefined {
    const rec =
      this.byArn.get(idOrArn) ??
      [...this.byArn.values()].find(
        (r) => r.id.toLowerCase() === idOrArn.toLowerCase() && (owner === undefined || r.owner === owner),
      );
    return rec && rdsToWorld(rec);
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

/** The key of a restored DB instance or cluster: account|region|lowercase id. */
export function dbKey(d: WorldDbRestored): string {
  return `${d.account}|${d.region}|${d.id.toLowerCase()}`;
}
