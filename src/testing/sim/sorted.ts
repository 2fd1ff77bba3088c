// Sorted id lists and a lazy k-way merge over them: the simulator pages by "ids after the last
// one returned", so a page costs O(page × sources), never a scan of the world.

/** Ascending, duplicate-free string list. Bulk loading appends and sorts once on first read. */
export class SortedIds {
  private ids: string[] = [];
  private dirty = false;

  static of(ids: Iterable<string>): SortedIds {
    const s = new SortedIds();
    for (const id of ids) s.push(id);
    return s;
  }

  /** Append without keeping order (bulk load); the list is sorted and de-duplicated lazily. */
  push(id: string): void {
    this.ids.push(id);
    this.dirty = true;
  }

  private settle(): void {
    if (!this.dirty) return;
    this.ids.sort(compare);
    let w = 0;
    for (let r = 0; r < this.ids.length; r++) {
      if (r === 0 || this.ids[r] !== this.ids[w - 1]) this.ids[w++] = this.ids[r]!;
    }
    this.ids.length = w;
    this.dirty = false;
  }

  get size(): number {
    this.settle();
    return this.ids.length;
  }

  at(i: number): string | undefined {
    this.settle();
    return this.ids[i];
  }

  /** Index of the first id strictly greater than `after` (0 when `after` is undefined). */
  firstAfter(after: string | undefined): number {
    this.settle();
    if (after === undefined) return 0;
    let lo = 0;
    let hi = this.ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ids[mid]! <= after) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  add(id: string): void {
    this.settle();
    const i = this.firstAfter(id);
    if (i > 0 && this.ids[i - 1] === id) return;
    this.ids.splice(i, 0, id);
  }

  delete(id: string): void {
    this.settle();
    const i = this.firstAfter(id) - 1;
    if (i >= 0 && this.ids[i] === id) this.ids.splice(i, 1);
  }

  has(id: string): boolean {
    this.settle();
    const i = this.firstAfter(id) - 1;
    return i >= 0 && this.ids[i] === id;
  }

  values(): readonly string[] {
    this.settle();
    return this.ids;
  }
}

// Plain code-unit order: what `<` does, and stable across locales.
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Yields the union of the sources in ascending order, each id once, starting after `after`. */
export function* mergeAfter(sources: readonly SortedIds[], after: string | undefined): Generator<string> {
  const live = sources.filter((s) => s.size > 0);
  if (live.length === 1) {
    const s = live[0]!;
    for (let i = s.firstAfter(after); i < s.size; i++) yield s.at(i)!;
    return;
  }
  const pos = live.map((s) => s.firstAfter(after));
  let last: string | undefined;
  for (;;) {
    let best = -1;
    let bestId: string | undefined;
    for (let k = 0; k < live.length; k++) {
      const id = live[k]!.at(pos[k]!);
      if (id !== undefined && (bestId === undefined || id < bestId)) {
        best = k;
        bestId = id;
      }
    }
    if (best < 0 || bestId === undefined) return;
    pos[best] = pos[best]! + 1;
    if (bestId !== last) {
      last = bestId;
      yield bestId;
    }
  }
}

/**
 * region → key → SortedIds, created on demand. Two levels rather than a "region|key" string:
 * no key string is built per lookup, which matters at 300,000 resources and 100k requests.
 * Region-wide lists (public resources) use the key "".
 */
export class Index {
  private readonly regions = new Map<string, Map<string, SortedIds>>();

  get(region: string, key: string): SortedIds | undefined {
    return this.regions.get(region)?.get(key);
  }

  private bucket(region: string, key: string): SortedIds {
    let byKey = this.regions.get(region);
    if (!byKey) {
      byKey = new Map();
      this.regions.set(region, byKey);
    }
    let s = byKey.get(key);
    if (!s) {
      s = new SortedIds();
      byKey.set(key, s);
    }
    return s;
  }

  push(region: string, key: string, id: string): void {
    this.bucket(region, key).push(id);
  }

  add(region: string, key: string, id: string): void {
    this.bucket(region, key).add(id);
  }

  delete(region: string, key: string, id: string): void {
    this.get(region, key)?.delete(id);
  }
}
