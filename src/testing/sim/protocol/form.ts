// AWS Query / EC2 query request parameters. Lists are flattened with 1-based indexes:
// `ExecutableBy.1=self`, `Filter.1.Name=image-id&Filter.1.Value.1=ami-…`,
// `LaunchPermission.Remove.1.UserId=…`, RDS `Filters.Filter.1.Values.Value.1=…`.

export class Params {
  private readonly values = new Map<string, string>();
  /** "Filter" → {1, 2}, "Filter.1.Value" → {1}: the indexes present under each list prefix. */
  private readonly indexes = new Map<string, Set<number>>();

  constructor(body: string | URLSearchParams) {
    const search = typeof body === 'string' ? new URLSearchParams(body) : body;
    for (const [key, value] of search) {
      this.values.set(key, value);
      const parts = key.split('.');
      for (let i = 1; i < parts.length; i++) {
        const n = Number(parts[i]);
        if (Number.isInteger(n) && n > 0 && /^\d+$/.test(parts[i]!)) {
          const prefix = parts.slice(0, i).join('.');
          let set = this.indexes.get(prefix);
          if (!set) {
            set = new Set();
            this.indexes.set(prefix, set);
          }
          set.add(n);
        }
      }
    }
  }

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  /** Sorted indexes of a list (gaps tolerated, as AWS does not require them contiguous). */
  indexesOf(prefix: string): number[] {
    const set = this.indexes.get(prefix);
    return set ? [...set].sort((a, b) => a - b) : [];
  }

  /** Scalar list values: `prefix.1`, `prefix.2`, … */
  list(prefix: string): string[] {
    const out: string[] = [];
    for (const i of this.indexesOf(prefix)) {
      const v = this.values.get(`${prefix}.${i}`);
      if (v !== undefined) out.push(v);
    }
    return out;
  }

  /** Structure list members: `prefix.N.` views, in index order. */
  members(prefix: string): ParamView[] {
    return this.indexesOf(prefix).map((i) => new ParamView(this, `${prefix}.${i}.`));
  }

  keys(): IterableIterator<string> {
    return this.values.keys();
  }

  toJSON(): Record<string, string> {
    return Object.fromEntries(this.values);
  }
}

/** The parameters under one prefix (a list member or a nested structure). */
export class ParamView {
  constructor(
    private readonly params: Params,
    private readonly prefix: string,
  ) {}

  get(name: string): string | undefined {
    return this.params.get(this.prefix + name);
  }

  list(name: string): string[] {
    return this.params.list(this.prefix + name);
  }

  members(name: string): ParamView[] {
    return this.params.members(this.prefix + name);
  }
}
