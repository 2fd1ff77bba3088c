/**
 * The guard is a numbered series of policies (render.ts packs the deny entries in sorted order); these
 * are what the IAM and the SCP apply share to rewrite the series without a gap in what is denied.
 */

/** Numbered policies probed beyond the ones rendered (a guard never shrinks by more in one go in practice). */
export const MAX_POLICIES = 100;

/** The deny entries a guard document holds (owners and resource ARNs), to order writes without gaps. */
export function entriesOf(json: string | undefined): number {
  if (!json) return 0;
  try {
    const doc = JSON.parse(json) as { Statement?: Array<{ Sid?: string; Resource?: unknown }> };
    let n = 0;
    for (const s of doc.Statement ?? []) {
      if (s.Sid === 'NothingBlocked') continue;
      if (Array.isArray(s.Resource)) n += s.Resource.length;
    }
    return n;
  } catch {
    return 0;
  }
}

/**
 * Entries move to later policies when the guard grows and to earlier ones when it shrinks (they are
 * packed in sorted order). Writing in that direction adds a moved entry to its new policy before it
 * leaves the old one, so nothing is unguarded in between.
 */
export function writeOrder(count: number, grows: boolean): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  return grows ? order.reverse() : order;
}
