/**
 * "New use of a decided resource" (issue 9): a finding somebody already decided on (removed, blocked,
 * only-the-owner-can-unshare…) that a later scan finds used by something it was not used by before.
 * Pure: compares the stored finding's blast radius with the new one.
 */
import { EXISTING_USE, LAUNCHERS, type UsageItem, type UsageListName } from '../domain/finding.ts';
import type { FindingRecord } from '../domain/lifecycle.ts';

export interface NewUse {
  record: FindingRecord;
  /** What uses it now that did not before, per list. */
  added: Partial<Record<UsageListName, UsageItem[]>>;
  /** Total new users (counts, complete even when the item lists are capped). */
  count: number;
}

// Issue 23: a launch template or Auto Scaling group that starts naming a decided resource is new use too.
const LISTS = [...EXISTING_USE, ...LAUNCHERS] as const;

/**
 * Only for decided findings (not open) whose earlier scan looked the usage up: without an earlier
 * answer nothing can be called "new".
 */
export function newUse(prev: FindingRecord, current: FindingRecord): NewUse | undefined {
  if (prev.state === 'open' || !prev.decision) return undefined;
  const before = prev.finding.inUse;
  const after = current.finding.inUse;
  if (!before || !after) return undefined;
  const added: NewUse['added'] = {};
  let count = 0;
  for (const list of LISTS) {
    // A list the earlier scan did not look up (older records) cannot tell what is new.
    const was = before[list];
    const now = after[list];
    if (!was || !now) continue;
    const old = new Set(was.items.map((i) => i.id));
    const fresh = now.items.filter((i) => !old.has(i.id));
    const grew = Math.max(now.count - was.count, fresh.length);
    if (grew > 0) {
      added[list] = fresh;
      count += grew;
    }
  }
  return count ? { record: current, added, count } : undefined;
}
