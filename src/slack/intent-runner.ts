/**
 * Runs decision intents (core/intents.ts) and shows their results in Slack. AWS work runs from the
 * intent in the store; Slack comes after and separately: the messages to refresh are queued in the
 * store's outbox before the intent is marked done, and a message Slack would not update stays there
 * for the reconciler. A Slack outage delays messages, never decisions (issue 8 item 1).
 */
import type { CoreDeps } from '../core/deps.ts';
import { carryOutIntent, completeIntent, recordIntent, refuseIntent } from '../core/intents.ts';
import { resumeInterruptedRemovals } from '../core/decisions.ts';
import type { DecisionIntent } from '../domain/intent.ts';
import type { FindingRecord } from '../domain/lifecycle.ts';
import { Limiter } from '../scan/limiter.ts';
import type { Approvers } from './authorize.ts';
import type { Publisher } from './publisher.ts';
import { typedRefusalMessage, type SlackMessage } from './messages/index.ts';
import { ephemeral } from './listeners/commands/shared-scan.ts';
import { recordDecision } from '../metrics.ts';

export interface ReconcileReport {
  intents: number;
  interrupted: number;
  refreshed: number;
  failedRefreshes: number;
}

/**
 * Intent writes in flight at once. A burst of clicks (200 at once in the click benchmark) otherwise
 * sends every write to the store together, and with the embedded store in this process the answers
 * crowd out the requests still waiting for their ack: ack p99 430–500 ms with every write at once,
 * 220 ms with four (bench/slack.ts, issue 11). Each click is still written before anything is attempted;
 * one waiting for its write is acked but not yet durable (as every click is between its ack and its write),
 * so a crash then loses it visibly: its message never shows "⏳" and the button is still there to click.
 */
const INTENT_WRITES_AT_ONCE = 4;

export class IntentRunner {
  /** Intents being carried out by this process: a reconcile never starts a second run of one. */
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly writes = new Limiter(INTENT_WRITES_AT_ONCE);
  private reconciling: Promise<ReconcileReport> | undefined;

  constructor(
    private readonly deps: CoreDeps,
    private readonly publisher: Publisher,
    private readonly approvers: Pick<Approvers, 'isApprover'>,
    private readonly limiter: Limiter,
  ) {}

  /** Writes an acknowledged click as a pending intent (a few writes at a time); throws StoreError like `recordIntent`. */
  record(click: Parameters<typeof recordIntent>[1]): Promise<DecisionIntent> {
    return this.writes.run(() => recordIntent(this.deps, click));
  }

  /** Carries the intent out (queued behind the limiter); resolves when done or left for a later run. */
  run(intent: DecisionIntent): Promise<void> {
    const running = this.inFlight.get(intent.intentId);
    if (running) return running;
    const p = this.limiter.run(() => this.once(intent)).finally(() => this.inFlight.delete(intent.intentId));
    this.inFlight.set(intent.intentId, p);
    return p;
  }

  private async once(intent: DecisionIntent): Promise<void> {
    const { store, log } = this.deps;
    try {
      // Strongly consistent re-read: the pending list comes from an index, and another run may have finished it.
      const current = await store.getIntent(intent.intentId);
      if (!current || current.status !== 'pending') return;
      const auth = await this.approvers.isApprover(current.by.userId);
      const result = auth.ok
        ? await carryOutIntent(this.deps, current, { claimed: (rec) => this.showClaimed(rec) })
        : await refuseIntent(this.deps, current, { code: 'not-authorized', reason: auth.reason });
      // A refused decision changed nothing, but the message may show a request or a preview that
      // no longer holds (a Confirm took the request off the finding): it is re-rendered too.
      const shown =
        result.status === 'refused' && !result.records.length
          ? await store.getFinding(current.findingId).then((r) => (r ? [r] : []))
          : result.records;
      const queued = await this.publisher.queueRefresh(shown);
      if (!(await completeIntent(this.deps, current, result))) return;
      log.info(
        {
          intentId: current.intentId,
          action: current.action,
          findingId: current.findingId,
          status: result.status,
        },
        'decision intent done',
      );
      recordDecision(current.action, result.status);
      if (result.status === 'refused') await this.reply(current, typedRefusalMessage(result.refusal));
      await this.publisher.flush(queued, shown);
    } catch (err) {
      // Left pending: the reconciler runs it again; every step recognises what this run did.
      const message = (err as Error).message;
      log.warn(
        { intentId: intent.intentId, err: message },
        'decision intent interrupted; it will be resumed',
      );
      recordDecision(intent.action, 'interrupted');
      await store.noteIntentFailure(intent.intentId, message).catch(() => {});
    }
  }

  /**
   * "⏳ Removing…" as soon as the finding is claimed. Not awaited by the AWS work: a slow or failing
   * Slack delays the message, never the decision (the final render goes through the outbox anyway).
   */
  private showClaimed(rec: FindingRecord): Promise<void> {
    this.publisher
      .refresh([rec])
      .catch((err: Error) =>
        this.deps.log.warn({ err: err.message, findingId: rec.finding.id }, 'claimed message not shown'),
      );
    return Promise.resolve();
  }

  /** The clicker's answer: through the click's response_url (works without channel membership), else ephemeral. */
  private async reply(intent: DecisionIntent, msg: SlackMessage): Promise<void> {
    const url = intent.reply?.responseUrl;
    if (url) {
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ ...ephemeral(msg), replace_original: false }),
          signal: AbortSignal.timeout(10_000),
        });
        if (res.ok) return;
        this.deps.log.warn(
          { status: res.status, intentId: intent.intentId },
          'response_url refused the answer',
        );
      } catch (err) {
        this.deps.log.warn({ err: (err as Error).message, intentId: intent.intentId }, 'response_url failed');
      }
    }
    if (intent.reply?.channel)
      await this.publisher.ephemeral(intent.reply.channel, intent.reply.userId ?? intent.by.userId, msg);
  }

  /**
   * What serve runs at start and periodically: pending intents, ladder decisions left in `removing`
   * (older records or a write that failed after the intent was done), and the outbox. One at a time.
   */
  reconcile(): Promise<ReconcileReport> {
    this.reconciling ??= this.reconcileOnce().finally(() => (this.reconciling = undefined));
    return this.reconciling;
  }

  private async reconcileOnce(): Promise<ReconcileReport> {
    const pending = await this.deps.store.listPendingIntents();
    await Promise.all(pending.map((i) => this.run(i)));
    const busy = new Set([...this.inFlight.keys(), ...pending.map((i) => i.intentId)]);
    const resumed = await resumeInterruptedRemovals(this.deps, busy);
    if (resumed.length) await this.publisher.queueRefresh(resumed);
    const outbox = await this.publisher.drainOutbox();
    return {
      intents: pending.length,
      interrupted: resumed.length,
      refreshed: outbox.refreshed,
      failedRefreshes: outbox.failed,
    };
  }

  /** Intents this process is carrying out right now. */
  get running(): number {
    return this.inFlight.size;
  }
}
