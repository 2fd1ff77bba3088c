import type { CoreDeps } from '../core/deps.ts';
import { currentTrust } from '../core/trust.ts';
import { digestMessage, digestThread, type DigestInput } from '../slack/messages/index.ts';
import type { Publisher } from '../slack/publisher.ts';

const DAY_MS = 24 * 60 * 60_000;

/**
 * The daily digest: what is still open, what was decided and what resolved in the last 24 hours. One
 * top-level message with the lists in its thread (`slack.layout: thread`), or one message (`flat`).
 */
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
  const [open, resolved, decisions, lastScan, trust] = await Promise.all([
    deps.store.listFindings({ states: ['open', 'owner-only', 'recorded', 'removing'] }),
    deps.store.listFindings({ states: ['resolved'] }),
    deps.store.listDecisions({ since, until: now.toISOString() }),
    deps.store.getLastScan(),
    currentTrust(deps.config, deps.store, now.toISOString()),
  ]);
  // Trusts that lapsed in the period (entries are kept after they lapse; see core/trust.ts).
  const expiredTrust = trust.expired.filter((e) => (e.expiresAt ?? '') >= since);
  const input: DigestInput = {
    since,
    open,
    decisions,
    resolved: resolved.filter((r) => (r.resolvedAt ?? '') >= since).length,
    ...(lastScan ? { lastScan } : {}),
    ...(expiredTrust.length ? { expiredTrust } : {}),
  };
  if (deps.config.slack.layout === 'flat') {
    await publisher.post(digestMessage(input));
    return 'posted';
  }
  // One top-level message; the lists go into its thread (paced by the publisher).
  const { parent, replies } = digestThread(input);
  const ref = await publisher.post(parent);
  for (const reply of replies) {
    try {
      await publisher.post(reply, ref.channel, { threadTs: ref.ts });
    } catch (err) {
      deps.log.warn({ err: (err as Error).message }, 'a digest thread reply could not be posted');
    }
  }
  return 'posted';
}
