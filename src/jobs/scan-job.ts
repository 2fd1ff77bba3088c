import { randomUUID } from 'node:crypto';
import type { CoreDeps } from '../core/deps.ts';
import { nowIso } from '../core/deps.ts';
import { describeScope, scanAndRecord, type ScanFilters } from '../core/scan-service.ts';
import type { ScanProgress } from '../scan/scan.ts';
import type { Publisher } from '../slack/publisher.ts';
import { progressMessage, scanSummaryMessage, type LastScan } from '../slack/messages/index.ts';
import { newUseAlertMessage } from '../slack/messages/risk.ts';
import { allowedAmisMessage } from '../slack/messages/allowed-amis.ts';

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
  | { status: 'done'; findings: number; posted: number }
  | { status: 'busy'; running?: RunningScan }
  | { status: 'failed'; error: string };

/**
 * One scan as the channel sees it: a progress message that updates while the scan runs, the new
 * findings posted, resolved ones updated, then the summary in place of the progress message.
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
      return { status: 'failed', error: (err as Error).message };
    } finally {
      this.running = undefined;
    }
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
      const posted = await this.publisher.postFindings(
        recorded.toPost,
        this.deps.config.slack.maxMessagesPerScan,
        { notify: this.deps.config.slack.notify },
      );
      await this.publisher.refresh(recorded.resolved);
      // issue 9: something new uses a resource already decided on; also refresh its message (usage line).
      for (const use of recorded.newUse)
        await this.publisher
          .post(newUseAlertMessage(use), channel)
          .catch((err: Error) => this.deps.log.error({ err: err.message }, 'new-use alert failed'));
      await this.publisher.refresh(recorded.newUse.map((u) => u.record));
      const allowed = recorded.allowedAmis && allowedAmisMessage(recorded.allowedAmis);
      if (allowed)
        await this.publisher
          .post(allowed, channel)
          .catch((err: Error) => this.deps.log.error({ err: err.message }, 'Allowed AMIs message failed'));
      await this.publisher.update(
        progressRef,
        scanSummaryMessage(recorded.result, { ...recorded.counts, posted: posted.posted }, recorded.scope),
      );
      const lastScan: LastScan = { at: recorded.result.startedAt, summary: recorded.result.summary };
      await this.deps.store.putMeta('lastScan', lastScan);
      return { status: 'done', findings: recorded.result.findings.length, posted: posted.posted };
    } catch (err) {
      await updating;
      await this.publisher
        .update(progressRef, { text: `⚠️ The scan failed: ${(err as Error).message}`, blocks: [] })
        .catch(() => undefined);
      throw err;
    }
  }
}
