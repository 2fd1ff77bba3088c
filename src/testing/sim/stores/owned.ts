// What AMIs and EBS snapshots share: records by id, indexed by owner and by owner alias
// (DescribeImages / DescribeSnapshots with Owner or owner-alias), both per region.
import { Index } from '../sorted.ts';

export abstract class OwnedRecords<
  T extends { id: string; region: string; owner: string; ownerAlias?: string },
> {
  protected readonly byId = new Map<string, T>();
  readonly owner = new Index(); // region → owner
  readonly alias = new Index(); // region → owner alias

  get(id: string): T | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** `bulk`: during load, append to the indexes and let them sort once. */
  protected index(rec: T, bulk: boolean): void {
    this.byId.set(rec.id, rec);
    if (bulk) this.owner.push(rec.region, rec.owner, rec.id);
    else this.owner.add(rec.region, rec.owner, rec.id);
    if (rec.ownerAlias) {
      if (bulk) this.alias.push(rec.region, rec.ownerAlias, rec.id);
      else this.alias.add(rec.region, rec.ownerAlias, rec.id);
    }
  }

  protected unindex(rec: T): void {
    this.owner.delete(rec.region, rec.owner, rec.id);
    if (rec.ownerAlias) this.alias.delete(rec.region, rec.ownerAlias, rec.id);
    this.byId.delete(rec.id);
  }
}
