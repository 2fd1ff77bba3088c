import type { CoreDeps } from '../core/deps.ts';
import { digestMessage, type LastScan } from '../slack/messages/index.ts';
import type { Publisher } from '../slack/publisher.ts';

const DAY_MS = 24 * 60 * 60_000;

/** The daily digest: what is still open, what was decided and what resolved in the last 24 hours. */
export async function postDigest(
  deps: CoreDeps,
  publisher: Publisher,
  holder: string,
): Promise<'posted' | 'skipped'> {
  const now = deps.now ? deps.now() : new Date();
  const day = now.toISOString().slice(0, 10);
  // Once a day across replicas: the lease is named after the day and outlives it.
  if (!(await deps.store.acquireLease(`digest-${day}`, holder, DAY_MS + 60_000, now.getTime())))
    return 'skipped';
  const since = new Date(now.getTime() - DAY_MS).toISOString();
  const [open, resolved, decisions, lastScan] = await Promise.all([
    deps.store.listFindings({ states: ['open', 'owner-only', 'recorded', 'removing'] }),
    deps.store.listFindings({ states: ['resolved'] }),
    deps.store.listDecisions({ since, until: now.toISOString() }),
    deps.store.getMeta<LastScan>('lastScan'),
  ]);
  await publisher.post(
    digestMessage({
      since,
      open,
      decisions,
      resolved: resolved.filter((r) => (r.resolvedAt ?? '') >= since).length,
      ...(lastScan ? { lastScan } : {}),
    }),
  );
  return 'posted';
}
