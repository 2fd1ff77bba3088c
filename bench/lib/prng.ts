/** A small seeded PRNG (mulberry32): the same seed gives the same world on every machine. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(list: readonly T[]): T {
    if (list.length === 0) throw new RangeError('pick from an empty list');
    return list[this.int(list.length)]!;
  }

  /** `k` distinct items of `list` (k ≤ list.length), in random order. */
  sample<T>(list: readonly T[], k: number, exclude?: (item: T) => boolean): T[] {
    const out: T[] = [];
    const seen = new Set<number>();
    let guard = 0;
    while (out.length < k && guard++ < k * 50) {
      const i = this.int(list.length);
      if (seen.has(i)) continue;
      seen.add(i);
      if (exclude?.(list[i]!)) continue;
      out.push(list[i]!);
    }
    return out;
  }
}
