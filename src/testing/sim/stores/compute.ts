// EC2 instances and EBS volumes: what the blast-radius questions ("who runs this image",
// "which volumes came from this snapshot") are answered from.
import { Index } from '../sorted.ts';
import type { InstanceRec, VolumeRec } from './records.ts';
import { addToSetMap } from './set-map.ts';

export class InstanceStore {
  private readonly byId = new Map<string, InstanceRec>();
  readonly byAccount = new Index(); // region → account
  readonly byImage = new Map<string, Set<string>>(); // image id → instance ids

  get(id: string): InstanceRec | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** A world-file instance at load: append to the index and let it sort once. */
  load(w: InstanceRec): void {
    this.byId.set(w.id, { ...w });
    this.byAccount.push(w.region, w.account, w.id);
    addToSetMap(this.byImage, w.imageId, w.id);
  }

  add(rec: InstanceRec): void {
    this.byId.set(rec.id, rec);
    this.byAccount.add(rec.region, rec.account, rec.id);
    addToSetMap(this.byImage, rec.imageId, rec.id);
  }

  view(id: string): InstanceRec | undefined {
    const r = this.byId.get(id);
    return r && { ...r };
  }

  toWorld(): InstanceRec[] {
    return [...this.byId.values()].map((r) => ({ ...r }));
  }
}

export class VolumeStore {
  private readonly byId = new Map<string, VolumeRec>();
  readonly byAccount = new Index(); // region → account
  readonly bySnapshot = new Map<string, Set<string>>(); // snapshot id → volume ids

  get(id: string): VolumeRec | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** A world-file volume at load: append to the index and let it sort once. */
  load(w: VolumeRec): void {
    this.byId.set(w.id, { ...w });
    this.byAccount.push(w.region, w.account, w.id);
    addToSetMap(this.bySnapshot, w.snapshotId, w.id);
  }

  add(rec: VolumeRec): void {
    this.byId.set(rec.id, rec);
    this.byAccount.add(rec.region, rec.account, rec.id);
    addToSetMap(this.bySnapshot, rec.snapshotId, rec.id);
  }

  view(id: string): VolumeRec | undefined {
    const r = this.byId.get(id);
    return r && { ...r };
  }

  toWorld(): VolumeRec[] {
    return [...this.byId.values()].map((r) => ({ ...r }));
  }
}
