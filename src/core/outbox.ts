import { outboxKey, type OutboxEntry } from '../domain/intent.ts';
import type { FindingRecord } from '../domain/lifecycle.ts';
import type { CoreDeps } from './deps.ts';

/** One outbox entry per message that shows these findings (a grouped message once). */
export function outboxEntries(
  records: readonly FindingRecord[],
  at = new Date().toISOString(),
): OutboxEntry[] {
  const out = new Map<string, OutboxEntry>();
  for (const r of records) {
    if (!r.message) continue;
    const key = outboxKey(r.message);
    if (!out.has(key)) out.set(key, { key, findingId: r.finding.id, ref: r.message, at, attempts: 0 });
  }
  return [...out.values()];
}

/**
 * Write-ahead for a decision's messages (docs/store.md "Outbox"): written before the change is marked
 * done, so a crash or a Slack outage after it still leaves "needs refresh" in the store.
 */
export async function queueRefresh(
  deps: Pick<CoreDeps, 'store'>,
  records: readonly FindingRecord[],
): Promise<OutboxEntry[]> {
  const entries = outboxEntries(records);
  for (const e of entries) await deps.store.putOutbox(e);
  return entries;
}
