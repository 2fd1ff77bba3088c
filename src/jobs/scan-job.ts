import { randomUUID } from 'node:crypto';
import type { CoreDeps } from '../core/deps.ts';
import { nowIso } from '../core/deps.ts';
import { describeScope, scanAndRecord, type ScanFilters } from '../core/scan-service.ts';
import type { ScanProgress } from '../scan/scan.ts';
import type { Publisher } from '../slack/publisher.ts';
import { pendingPostMessage, progressMessage, scanSummaryMessage } from '../slack/messages/index.ts';
import type { LastScan } from '../store/last-scan.ts';
import type { FindingRecord } from '../domain/lifecycle.ts';
import { newUseAlertMessage } from '../slack/messages/risk.ts';
import { allowedAmisMessage } from '../slack/messages/allowed-amis.ts';
import { recordScan } from '../metrics.ts';

export const SCAN_LEASE = 'scan';
/** `startedBy` of scans the cron schedule starts. */
export const SCHEDULE = 'schedule';
const SCAN_LEASE_MS = 60 * 60_000;
/** chat.update is tier 3 (~50/min): a progress message changes at most this often. */
const PROGRESS_INTERVAL_MS = 2_000;

export interface RunningScan {
  scope: string;
  startedBy: string;
  startedAt: string;
  progress: ScanProgress;
}

export type ScanJobResult =
  | { status: 'done'; findings: number; posted: number; failed: number; notPosted: number }
  | { status: 'busy'; running?: RunningScan }
  | { status: 'failed'; error: string };

export type PostPendingResult =
  | { status: 'done'; pending: number; posted: number; failed: number; notPosted: number }
  | { status: 'busy'; running?: RunningScan }
  | { status: 'failed'; error: string };

const monitoredAccountIds = (ids: string[] | undefined) => (ids ? { monitoredAccountIds: ids } : {});

/** Open findings to post this round: the scan's new ones first, then ones an earlier round left unposted. */
function mergeNeedsPosting(
  fresh: readonly FindingRecord[],
  leftOver: readonly FindingRecord[],
): { records: FindingRecord[]; retried: number } {
  const ids = new Set(fresh.map((r) => r.finding.id));
  const older = leftOver.filter((r) => !ids.has(r.finding.id));
  return { records: [...fresh, ...older], retried: older.length };
}

/**
 * One scan as the channel sees it: a progress message that updates while the scan runs and ends as the
 * summary. With `slack.layout: thread` (default) it is the scan's only top-level message: the findings
 * to post (new, shared again, and open ones an earlier round could not post) go into its thread, paced,
 * critical ones also broadcast. With `flat` they are top-level messages, as before.
 * One scan at a time across replicas (a lease in the store).
 */
export class ScanJob {
  private running: RunningScan | undefined;
  private readonly holder = `scan-${randomUUID()}`;

  constructor(
    private readonly deps: CoreDeps,
    private readonly publisher: Publisher,
  ) {}

  current(): RunningScan | undefined {
    return this.running && { ...this.running, progress: { ...this.running.progress } };
  }

  async run(filters: ScanFilters, startedBy: string): Promise<ScanJobResult> {
    if (this.running) return { status: 'busy', running: this.current()! };
    const scope = describeScope(filters);
    const running: RunningScan = {
      scope,
      startedBy,
      startedAt: nowIso(this.deps),
      progress: { done: 0, total: 0, accountsResolved: 0, accountsTotal: 0, failed: 0 },
    };
    this.running = running;
    try {
      if (!(await this.deps.store.acquireLease(SCAN_LEASE, this.holder, SCAN_LEASE_MS)))
        return { status: 'busy' };
      try {
        return await this.scanAndPost(filters, running);
      } finally {
        await this.deps.store.releaseLease(SCAN_LEASE, this.holder);
      }
    } catch (err) {
      this.deps.log.error({ err: (err as Error).message, scope }, 'scan failed');
      recordScan('failed');
      return { status: 'failed', error: (err as Error).message };
    } finally {
      this.running = undefined;
    }
  }

  private get threaded(): boolean {
    return this.deps.config.slack.layout === 'thread';
  }

  private async scanAndPost(filters: ScanFilters, running: RunningScan): Promise<ScanJobResult> {
    const channel = this.deps.config.slack.channel!;
    const progressRef = await this.publisher.post(progressMessage(running.progress, running.scope), channel);
    let lastUpdate = Date.now();
    let updating: Promise<void> = Promise.resolve();
    const onProgress = (p: ScanProgress) => {
      running.progress = p;
      if (Date.now() - lastUpdate < PROGRESS_INTERVAL_MS) return;
      lastUpdate = Date.now();
      updating = updating
        .then(() => this.publisher.update(progressRef, progressMessage(p, running.scope)))
        .catch((err: Error) => this.deps.log.warn({ err: err.message }, 'progress update failed'));
    };
    try {
      const recorded = await scanAndRecord(this.deps, filters, onProgress);
      await updating;
      const { records, retried } = mergeNeedsPosting(recorded.toPost, await this.publisher.needsPosting());
      const posted = await this.publisher.postFindings(records, this.deps.config.slack.maxMessagesPerScan, {
        ...(this.threaded ? { threadTs: progressRef.ts } : {}),
        notify: this.deps.config.slack.notify, // issue 9
      });
      await this.publisher.refresh(recorded.resolved);
      await this.publisher.refresh(recorded.expiredApprovals);
      // issue 9: something new uses a resource already decided on; also refresh its message (usage line).
      for (const use of recorded.newUse)
        await this.publisher
          .post(newUseAlertMessage(use), channel)
          .catch((err: Error) => this.deps.log.error({ err: err.message }, 'new-use alert failed'));
      await this.publisher.refresh(recorded.newUse.map((u) => u.record));
      // Issue 23: in the scan's thread (whatever the layout), never a second top-level message.
      const allowed = recorded.allowedAmis && allowedAmisMessage(recorded.allowedAmis);
      if (allowed)
        await this.publisher
          .post(allowed, channel, { threadTs: progressRef.ts })
          .catch((err: Error) => this.deps.log.error({ err: err.message }, 'Allowed AMIs message failed'));
      const counts = {
        ...recorded.counts,
        posted: posted.posted,
        failed: posted.failed,
        notPosted: posted.overflow,
        retried,
        layout: this.deps.config.slack.layout,
      };
      await this.publisher.update(progressRef, scanSummaryMessage(recorded.result, counts, recorded.scope));
      const previous = recorded.monitoredAccountIds ? undefined : await this.deps.store.getLastScan();
      const lastScan: LastScan = {
        at: recorded.result.startedAt,
        summary: recorded.result.summary,
        scope: recorded.scope,
        message: progressRef,
        posts: { posted: posted.posted, failed: posted.failed, notPosted: posted.overflow },
        // A filtered scan keeps the previous full scan's account set (new accounts are told once).
        ...monitoredAccountIds(recorded.monitoredAccountIds ?? previous?.monitoredAccountIds),
      };
      await this.deps.store.putLastScan(lastScan);
      return {
        status: 'done',
        findings: recorded.result.findings.length,
        posted: posted.posted,
        failed: posted.failed,
        notPosted: posted.overflow,
      };
    } catch (err) {
      await updating;
      await this.publisher
        .update(progressRef, { text: `⚠️ The scan failed: ${(err as Error).message}`, blocks: [] })
        .catch(() => undefined);
      throw err;
    }
  }

  /**
   * `/shared-scan post`: posts the open findings that have no message yet (a failed post, or beyond a
   * scan's message budget), under the same lease as scans so the two never post the same finding.
   */
  async postPending(startedBy: string): Promise<PostPendingResult> {
    if (this.running) return { status: 'busy', running: this.current()! };
    const running: RunningScan = {
      scope: 'findings not posted yet',
      startedBy,
      startedAt: nowIso(this.deps),
      progress: { done: 0, total: 0, accountsResolved: 0, accountsTotal: 0, failed: 0 },
    };
    this.running = running;
    try {
      if (!(await this.deps.store.acquireLease(SCAN_LEASE, this.holder, SCAN_LEASE_MS)))
        return { status: 'busy' };
      try {
        const pending = await this.publisher.needsPosting();
        if (!pending.length) return { status: 'done', pending: 0, posted: 0, failed: 0, notPosted: 0 };
        const channel = this.deps.config.slack.channel!;
        const parent = await this.publisher.post(pendingPostMessage(pending.length, startedBy), channel);
        const posted = await this.publisher.postFindings(
          pending,
          this.deps.config.slack.maxMessagesPerScan,
          this.threaded ? { threadTs: parent.ts } : {},
        );
        await this.publisher.update(
          parent,
          pendingPostMessage(pending.length, startedBy, {
            posted: posted.posted,
            failed: posted.failed,
            notPosted: posted.overflow,
            layout: this.deps.config.slack.layout,
          }),
        );
        return {
          status: 'done',
          pending: pending.length,
          posted: posted.posted,
          failed: posted.failed,
          notPosted: posted.overflow,
        };
      } finally {
        await this.deps.store.releaseLease(SCAN_LEASE, this.holder);
      }
    } catch (err) {
      this.deps.log.error({ err: (err as Error).message }, 'posting pending findings failed');
      return { status: 'failed', error: (err as Error).message };
    } finally {
      this.running = undefined;
    }
  }
}
