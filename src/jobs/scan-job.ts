import { randomUUID } from 'node:crypto';
import type { CoreDeps } from '../core/deps.ts';
import { nowIso } from '../core/deps.ts';
import { describeScope, scanAndRecord, type ScanFilters } from '../core/scan-service.ts';
import type { ScanProgress } from '../scan/scan.ts';
import type { Publisher } from '../slack/publisher.ts';
import { checkGuardDrift } from '../guard/drift.ts';
import { guardDriftMessage } from '../slack/messages/guard.ts';
import {
  pendingPostMessage,
  progressMessage,
  scanInterruptedMessage,
  scanSummaryMessage,
} from '../slack/messages/index.ts';
import type { MessageRef } from '../domain/message-ref.ts';
import type { Lease, LeaseNote } from '../store/store.ts';
import type { LastScan } from '../store/last-scan.ts';
import type { FindingRecord } from '../domain/lifecycle.ts';
import { newUseAlertMessage } from '../slack/messages/risk.ts';
import { allowedAmisMessage } from '../slack/messages/allowed-amis.ts';
import { recordScan } from '../metrics.ts';

export const SCAN_LEASE = 'scan';
/** `startedBy` of scans the cron schedule starts. */
export const SCHEDULE = 'schedule';
/**
 * The scan lease (docs/store.md "Leases"): a few minutes, renewed every third of that while the scan
 * runs, so a holder that died (SIGKILL, a lost machine) blocks scans for at most this long.
 */
export const DEFAULT_SCAN_LEASE_MS = 3 * 60_000;
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

/** A scan stopped on purpose (shutdown) or because its lease went to another replica. */
class ScanInterrupted extends Error {}

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
  private readonly leaseMs: number;
  /** The held lease: its heartbeat, and the progress message to finish if the scan is abandoned. */
  private lease: { heartbeat: NodeJS.Timeout; lost: boolean; note?: LeaseNote } | undefined;
  private stopping: string | undefined;

  constructor(
    private readonly deps: CoreDeps,
    private readonly publisher: Publisher,
    options: { leaseMs?: number } = {},
  ) {
    this.leaseMs = options.leaseMs ?? DEFAULT_SCAN_LEASE_MS;
  }

  /**
   * Takes the scan lease and starts its heartbeat. A lease taken over from a holder that died has its
   * progress message finished as interrupted.
   */
  private async takeLease(): Promise<boolean> {
    const taken = await this.deps.store.takeLease(SCAN_LEASE, this.holder, this.leaseMs);
    if (!taken.acquired) return false;
    if (taken.replaced) await this.finishAbandoned(taken.replaced);
    const lease = {
      lost: false,
      heartbeat: setInterval(() => {
        void this.deps.store
          .renewLease(SCAN_LEASE, this.holder, this.leaseMs, lease.note ? { note: lease.note } : {})
          .then((held) => {
            if (held) return;
            lease.lost = true;
            this.deps.log.error('the scan lease was taken over (this scan stalled past its expiry)');
          })
          // A store hiccup: the next beat retries; the lease outlives two missed beats.
          .catch((err: Error) => this.deps.log.warn({ err: err.message }, 'scan lease heartbeat failed'));
      }, this.leaseMs / 3),
    } as NonNullable<ScanJob['lease']>;
    lease.heartbeat.unref();
    this.lease = lease;
    return true;
  }

  /** Records the progress message on the lease, so a successor can finish it if this process dies. */
  private async noteProgress(ref: MessageRef, scope: string): Promise<void> {
    if (!this.lease) return;
    this.lease.note = { channel: ref.channel, ts: ref.ts, scope };
    await this.deps.store
      .renewLease(SCAN_LEASE, this.holder, this.leaseMs, { note: this.lease.note })
      .catch((err: Error) => this.deps.log.warn({ err: err.message }, 'scan lease note failed'));
  }

  private async releaseLease(): Promise<void> {
    const lease = this.lease;
    if (!lease) return;
    clearInterval(lease.heartbeat);
    this.lease = undefined;
    await this.deps.store.releaseLease(SCAN_LEASE, this.holder);
  }

  /** Stops the scan if the lease was lost or serve is stopping: another scan may be posting. */
  private checkStillOurs(): void {
    if (this.stopping) throw new ScanInterrupted(this.stopping);
    if (this.lease?.lost) throw new ScanInterrupted('another replica took the scan over');
  }

  /** A dead holder's progress message says the scan was interrupted instead of "⏳ Scanning…" forever. */
  private async finishAbandoned(old: Lease): Promise<void> {
    const { channel, ts, scope } = old.note ?? {};
    if (typeof channel !== 'string' || typeof ts !== 'string') return;
    this.deps.log.warn(
      { holder: old.holder, channel, ts },
      'finishing the progress message of an interrupted scan',
    );
    await this.publisher
      .update({ channel, ts }, scanInterruptedMessage(String(scope ?? ''), 'the process running it stopped'))
      .catch((err: Error) =>
        this.deps.log.warn({ err: err.message }, 'could not finish an interrupted scan'),
      );
  }

  /**
   * The reconciler's part (serve runs it at start and periodically): a scan lease whose holder died is
   * taken over, its progress message finished as interrupted, and released — so the channel does not
   * show "⏳ Scanning…" until the next scan happens to start.
   */
  async recoverStale(now: number = Date.now()): Promise<boolean> {
    if (this.running) return false;
    const lease = await this.deps.store.getLease(SCAN_LEASE);
    if (!lease || lease.expiresAt >= now || lease.holder === this.holder || !lease.note) return false;
    const taken = await this.deps.store.takeLease(SCAN_LEASE, this.holder, this.leaseMs, { now });
    if (!taken.acquired) return false;
    try {
      if (taken.replaced) await this.finishAbandoned(taken.replaced);
    } finally {
      await this.deps.store.releaseLease(SCAN_LEASE, this.holder);
    }
    return true;
  }

  /**
   * Shutdown: a running scan gives its lease up now (another replica may scan) and its progress message
   * says it was interrupted; what it recorded is posted by the next scan or `/shared-scan post`.
   */
  async stop(): Promise<void> {
    this.stopping = 'shareguard is shutting down';
    const note = this.lease?.note;
    if (!this.lease) return;
    await this.releaseLease().catch((err: Error) =>
      this.deps.log.warn({ err: err.message }, 'could not release the scan lease'),
    );
    if (note && typeof note.channel === 'string' && typeof note.ts === 'string')
      await this.publisher
        .update(
          { channel: note.channel, ts: String(note.ts) },
          scanInterruptedMessage(String(note.scope ?? ''), this.stopping),
        )
        .catch(() => undefined);
  }

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
      if (this.stopping) return { status: 'failed', error: this.stopping };
      if (!(await this.takeLease())) return { status: 'busy' };
      try {
        return await this.scanAndPost(filters, running);
      } finally {
        await this.releaseLease();
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
    await this.noteProgress(progressRef, running.scope);
    let lastUpdate = Date.now();
    let updating: Promise<void> = Promise.resolve();
    const onProgress = (p: ScanProgress) => {
      running.progress = p;
      // Interrupted: the message already says so and must not go back to "Scanning…".
      if (this.stopping || this.lease?.lost) return;
      if (Date.now() - lastUpdate < PROGRESS_INTERVAL_MS) return;
      lastUpdate = Date.now();
      updating = updating
        .then(() => this.publisher.update(progressRef, progressMessage(p, running.scope)))
        .catch((err: Error) => this.deps.log.warn({ err: err.message }, 'progress update failed'));
    };
    try {
      const recorded = await scanAndRecord(this.deps, filters, onProgress);
      await updating;
      this.checkStillOurs();
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
      // issue 20: the guard's drift, checked (and repaired) each scan; a new drift is told once.
      const drift = await checkGuardDrift(this.deps).catch((err: Error) => {
        this.deps.log.warn({ err: err.message }, 'guard drift check failed');
        return undefined;
      });
      const driftMsg = drift && guardDriftMessage(drift);
      if (driftMsg)
        await this.publisher
          .post(driftMsg, channel)
          .catch((err: Error) => this.deps.log.error({ err: err.message }, 'guard drift message failed'));
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
      // Interrupted: stop() (or the new lease holder) already finished the progress message.
      if (!(err instanceof ScanInterrupted))
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
      if (this.stopping) return { status: 'failed', error: this.stopping };
      if (!(await this.takeLease())) return { status: 'busy' };
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
        await this.releaseLease();
      }
    } catch (err) {
      this.deps.log.error({ err: (err as Error).message }, 'posting pending findings failed');
      return { status: 'failed', error: (err as Error).message };
    } finally {
      this.running = undefined;
    }
  }
}
