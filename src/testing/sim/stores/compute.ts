// EC2 instances and EBS volumes: what the blast-radius questions ("who runs this image",
// "which volumes came from this snapshot") are answered from. Both are an account's resources
// in a region built from one source (an image, a snapshot), so one store shape serves both.
import { Index } from '../sorted.ts';
import type { InstanceRec, VolumeRec } from './records.ts';
import { addToSetMap } from './set-map.ts';

class AccountResources<T extends { id: string; region: string; account: string }> {
  private readonly byId = new Map<string, T>();
  readonly byAccount = new Index(); // region → account
  /** Source id (image, snapshot) → ids built from it. */
  readonly bySource = new Map<string, Set<string>>();

  constructor(private readonly sourceOf: (rec: T) => string) {}

  get(id: string): T | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** A world-file record at load: append to the index and let it sort once. */
  load(w: T): void {
    this.byId.set(w.id, { ...w });
    this.byAccount.push(w.region, w.account, w.id);
    addToSetMap(this.bySource, this.sourceOf(w), w.id);
  }

  add(rec: T): void {
    this.byId.set(rec.id, rec);
    this.byAccount.add(rec.region, rec.account, rec.id);
    addToSetMap(this.bySource, this.sourceOf(rec), rec.id);
  }

  view(id: string): T | undefined {
    const r = this.byId.get(id);
    return r && { ...r };
  }

  toWorld(): T[] {
    return [...this.byId.values()].map((r) => ({ ...r }));
  }
}

export class InstanceStore extends AccountResources<InstanceRec> {
  constructor() {
    super((i) => i.imageId);
  }

  /** Image id → the instances launched from it. */
  get byImage(): Map<string, Set<string>> {
    return this.bySource;
  }
}

export class VolumeStore extends AccountResources<VolumeRec> {
  constructor() {
    super((v) => v.snapshotId);
  }

  /** Snapshot id → the volumes created from it. */
  get bySnapshot(): Map<string, Set<string>> {
    return this.bySource;
  }
}
