import {
  EXISTING_USE,
  LAUNCHERS,
  type Finding,
  type InUse,
  type UsageItem,
  type UsageList,
  type UsageListName,
} from '../../domain/finding.ts';

/** Items kept per list for messages; the count stays complete. */
export const USAGE_ITEMS_KEPT = 20;

export const emptyUsage = (): InUse => ({
  instances: { count: 0, items: [] },
  volumes: { count: 0, items: [] },
  images: { count: 0, items: [] },
  copies: { count: 0, items: [] },
  restores: { count: 0, items: [] },
  launchTemplates: { count: 0, items: [] },
  autoScalingGroups: { count: 0, items: [] },
  imageRecipes: { count: 0, items: [] },
});

const LISTS: readonly UsageListName[] = [...EXISTING_USE, ...LAUNCHERS];

/** Adds an item to a list once (by id), keeping the first `USAGE_ITEMS_KEPT` in id order. */
export function addUsage(list: UsageList, item: UsageItem, seen: Set<string>): void {
  if (seen.has(item.id)) return;
  seen.add(item.id);
  list.count++;
  list.items.push(item);
  if (list.items.length > USAGE_ITEMS_KEPT) {
    list.items.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    list.items.length = USAGE_ITEMS_KEPT;
  }
}

/** Per finding: its usage and the ids already counted per list (an instance seen by two calls counts once). */
export class UsageBook {
  private readonly byId = new Map<string, { inUse: InUse; seen: Record<UsageListName, Set<string>> }>();

  constructor(findings: readonly Finding[]) {
    for (const f of findings)
      this.byId.set(f.resourceId, {
        inUse: f.inUse ?? emptyUsage(),
        seen: Object.fromEntries(
          LISTS.map((l) => [l, new Set(f.inUse?.[l]?.items.map((i) => i.id) ?? [])]),
        ) as Record<UsageListName, Set<string>>,
      });
  }

  has(resourceId: string): boolean {
    return this.byId.has(resourceId);
  }

  add(resourceId: string, list: UsageListName, item: UsageItem): void {
    const e = this.byId.get(resourceId);
    if (e) addUsage((e.inUse[list] ??= { count: 0, items: [] }), item, e.seen[list]);
  }

  /** Marks these findings' usage as partly unknown (a lookup that concerns only them failed). */
  unknownFor(resourceIds: Iterable<string>, what: string): void {
    for (const id of resourceIds) {
      const e = this.byId.get(id);
      if (e) (e.inUse.unknown ??= []).push(what);
    }
  }

  /** Marks every finding's usage as partly unknown (a lookup failed). */
  unknown(what: string): void {
    for (const e of this.byId.values()) (e.inUse.unknown ??= []).push(what);
  }

  /** Writes the usage onto the findings (sorted items, deterministic). */
  applyTo(findings: readonly Finding[]): void {
    for (const f of findings) {
      const e = this.byId.get(f.resourceId);
      if (!e) continue;
      for (const key of LISTS) e.inUse[key]?.items.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      f.inUse = e.inUse;
    }
  }
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Instances that ended are not use. */
export const ENDED_INSTANCE_STATES = new Set(['terminated', 'shutting-down']);
