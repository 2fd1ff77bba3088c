import type { CoreDeps } from '../core/deps.ts';
import { currentTrust } from '../core/trust.ts';
import { digestMessage, digestThread, type DigestInput } from '../slack/messages/index.ts';
import type { Publisher } from '../slack/publisher.ts';

const DAY_MS = 24 * 60 * 60_000;
/** How long one replica may take to post a digest before another may try (its lease's expiry). */
const POSTING_MS = 10 * 60_000;
/** A posted digest's lease outlives its day, so no replica posts that day's again. */
const POSTED_MS = DAY_MS + 60 * 60_000;

const leaseName = (day: string) => `digest-${day}`;

/**
 * The daily digest: what is still open, what was decided and what resolved in the last 24 hours. One
 * top-level message with the lists in its thread (`slack.layout: thread`), or one message (`flat`).
 *
 * Once a day across replicas, and retried until posted (docs/store.md "Leases"): the day's lease is
 * held only while posting, with a note that the digest is due; a failed post releases it keeping that
 * note (`attempts`, `lastError`), so the next try — `retryDueDigest` from serve's reconciler, in this
 * process or the next — can take it. Only a posted digest keeps the lease past its day.
 */
export async function postDigest(
  deps: CoreDeps,
  publisher: Publisher,
  holder: string,
): Promise<'posted' | 'skipped'> {
  const now = deps.now ? deps.now() : new Date();
  const day = now.toISOString().slice(0, 10);
  const name = leaseName(day);
  const before = await deps.store.getLease(name);
  if (before?.note?.['postedAt']) return 'skipped';
  const note = {
    due: String(before?.note?.['due'] ?? now.toISOString()),
    attempts: Number(before?.note?.['attempts'] ?? 0) + 1,
  };
  // Written before the attempt: a crash while posting leaves "due" for the reconciler.
  const taken = await deps.store.takeLease(name, holder, POSTING_MS, { now: now.getTime(), note });
  if (!taken.acquired) return 'skipped'; // another replica is posting it right now
  try {
    await buildAndPost(deps, publisher, now);
  } catch (err) {
    const lastError = (err as Error).message.slice(0, 300);
    await deps.store
      .releaseLease(name, holder, { ...note, lastError })
      .catch((e: Error) => deps.log.warn({ err: e.message }, 'could not record the failed digest'));
    throw err;
  }
  await deps.store.renewLease(name, holder, POSTED_MS, {
    now: now.getTime(),
    note: { ...note, postedAt: new Date().toISOString() },
  });
  return 'posted';
}

/**
 * The reconciler's part: today's (UTC) digest, if an attempt was made and did not post it and nobody is
 * posting it now, is posted again. Answers what it did (`none` when nothing was due).
 */
export async function retryDueDigest(
  deps: CoreDeps,
  publisher: Publisher,
  holder: string,
): Promise<'posted' | 'skipped' | 'none'> {
  const now = deps.now ? deps.now() : new Date();
  const lease = await deps.store.getLease(leaseName(now.toISOString().slice(0, 10)));
  if (!lease?.note?.['due'] || lease.note['postedAt'] || lease.expiresAt >= now.getTime()) return 'none';
  deps.log.info(
    { attempts: lease.note['attempts'], lastError: lease.note['lastError'] },
    'retrying the digest',
  );
  return postDigest(deps, publisher, holder);
}

async function buildAndPost(deps: CoreDeps, publisher: Publisher, now: Date): Promise<void> {
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
    return;
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
}
