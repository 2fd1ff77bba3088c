/**
 * The decision runner (issue 21; docs/store.md "Intents"): the one owner of carrying decision intents
 * out. Listeners record an intent (one conditional write with a deadline, before their ack) and hand
 * it here; the runner claims it with a lease (one replica, one run: one AWS change), carries it out on
 * its own bounded pool, queues the messages to refresh in the outbox and marks it done. What happened
 * is reported to a narrow observer port (src/slack/ implements it) that is never awaited: Slack being
 * slow or down delays messages, never decisions (D4). Serve's reconciler re-runs what a crash, a store
 * failure or a dead replica left pending, and repairs two-person requests.
 */
import { randomUUID } from 'node:crypto';
import type { DecisionIntent, OutboxEntry } from '../domain/intent.ts';
import type { Actor, FindingRecord } from '../domain/lifecycle.ts';
import { withStoreDeadline } from '../store/deadline.ts';
import { StoreError, StoreTimeoutError } from '../store/errors.ts';
import type { Limiter } from '../scan/limiter.ts';
import { resumeInterruptedRemovals, type DecisionResult } from './decisions.ts';
import { nowIso, type CoreDeps } from './deps.ts';
import { carryOutIntent, completeIntent, recordIntent, refuseIntent, type IntentClick } from './intents.ts';
import { queueRefresh } from './outbox.ts';
import { closeRequest, setUpRequest, type SetUpResult } from './two-person.ts';

/** What a run of an intent came to. */
export type RunOutcome = DecisionResult | { status: 'rejected'; by: Actor; records: FindingRecord[] };

/** What the runner reports; implemented by src/slack/ (messages, replies). Never awaited by AWS work. */
export interface DecisionObserver {
  /** The finding was claimed (`removing`) and AWS is about to be called: "⏳ Removing…" may show. */
  claimed(rec: FindingRecord): void;
  /** The intent is done; `queued` are its messages' outbox entries (already in the store). */
  finished(intent: DecisionIntent, outcome: RunOutcome, queued: OutboxEntry[]): void;
  /** A two-person request was put on its finding (or could not be). */
  requested(intent: DecisionIntent, result: SetUpResult, queued: OutboxEntry[]): void;
  /** A run stopped on an error; the intent stays as it is and the reconciler runs it again. */
  interrupted(intent: DecisionIntent): void;
  /** The reconciler's turn for the messages: re-render the outbox from the store. */
  drain(): Promise<{ refreshed: number; failed: number }>;
}

export interface ApproverCheck {
  isApprover(userId: string): Promise<{ ok: true } | { ok: false; reason: string }>;
}

export interface ReconcileReport {
  intents: number;
  requests: number;
  interrupted: number;
  refreshed: number;
  failedRefreshes: number;
}

export interface RunnerOptions {
  /** How long a claim holds without renewal (renewed every third of it while the run lasts). */
  leaseMs?: number;
  /**
   * The deadline of the store work before an ack (the intent write and the read after it; a Confirm's
   * reads and write): well inside Slack's 3 s, so the answer can still say "not recorded".
   */
  writeDeadlineMs?: number;
}

export const DEFAULT_LEASE_MS = 30_000;
export const INTENT_WRITE_DEADLINE_MS = 1_500;
/** A write that missed its deadline is voided: tries, a second apart (the store may be down a while). */
const VOID_TRIES = 60;
/** How long the answer waits for that void (the ack is due within Slack's 3 s). */
const VOID_BUDGET_MS = 600;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * The intent was not written in time. `certain`: it was voided, so it never will be; otherwise it may
 * still land (then it is carried out like any other, and its message shows it).
 */
export class IntentNotRecordedError extends StoreError {
  constructor(
    readonly certain: boolean,
    cause: unknown,
  ) {
    super(`decision intent not recorded${certain ? '' : ' in time'}: ${(cause as Error).message}`, { cause });
    this.name = 'IntentNotRecordedError';
  }
}

export class DecisionRunner {
  /** Intents being carried out by this process: a reconcile never starts a second run of one. */
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Intents whose write missed its deadline: their clicker was told "not recorded". */
  private readonly abandoned = new Set<string>();
  private readonly holder = `runner-${randomUUID()}`;
  private readonly leaseMs: number;
  readonly writeDeadlineMs: number;
  private reconciling: Promise<ReconcileReport> | undefined;

  constructor(
    private readonly deps: CoreDeps,
    private readonly approvers: ApproverCheck,
    private readonly observer: DecisionObserver,
    private readonly pool: Limiter,
    options: RunnerOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.writeDeadlineMs = options.writeDeadlineMs ?? INTENT_WRITE_DEADLINE_MS;
  }

  /**
   * Writes a click as an intent within the deadline; the caller acks only after this resolved. A
   * StoreError means "not recorded": the write is then voided in the background, so one that lands
   * late is never carried out.
   */
  async record(click: IntentClick): Promise<DecisionIntent> {
    const intentId = click.intentId ?? randomUUID();
    const at = click.at ?? nowIso(this.deps);
    try {
      // One deadline for the write and the read that follows a failed condition (docs/store.md "Timeouts").
      return await this.beforeAck(() => recordIntent(this.deps, { ...click, intentId, at }));
    } catch (err) {
      // Out of the scope here: the void below gets time of its own.
      if (!(err instanceof StoreError)) throw err;
      if (!(err instanceof StoreTimeoutError)) {
        // The store answered, with a failure (down, refusing): nothing was written. Voided anyway
        // in the background, in case a retried request landed.
        this.abandon(intentId, at);
        throw new IntentNotRecordedError(true, err);
      }
      // Timed out: the write may still land (the request was sent). It is voided before the answer
      // when the store lets us, so "not recorded" is then certain; otherwise the answer says it may yet be.
      const voided = await Promise.race([
        this.deps.store.voidIntent(intentId, at).catch(() => false),
        sleep(VOID_BUDGET_MS).then(() => false),
      ]);
      if (!voided) this.abandon(intentId, at);
      else this.abandoned.add(intentId);
      throw new IntentNotRecordedError(voided, err);
    }
  }

  /**
   * Runs store work that comes before an ack under one deadline (`writeDeadlineMs`, absolute: every
   * call inside gets the time left). Past it, the store call in flight fails with a StoreTimeoutError.
   */
  beforeAck<T>(work: () => Promise<T>): Promise<T> {
    return withStoreDeadline(this.writeDeadlineMs, work);
  }

  /** Retries the void in the background; until it lands this process never runs the intent. */
  private abandon(intentId: string, at: string): void {
    this.abandoned.add(intentId);
    let tries = 0;
    const attempt = (): void => {
      this.deps.store.voidIntent(intentId, at).then(
        (voided) => this.deps.log.warn({ intentId, voided }, 'intent not recorded in time; voided later'),
        () => {
          if (++tries < VOID_TRIES) setTimeout(attempt, 1_000).unref();
          else this.deps.log.error({ intentId }, 'a late intent could not be voided');
        },
      );
    };
    attempt();
  }

  /** Carries a pending intent out, or puts an awaiting request on its finding. Resolves when finished or left for later. */
  run(intent: DecisionIntent): Promise<void> {
    const running = this.inFlight.get(intent.intentId);
    if (running) return running;
    const p = (intent.status === 'awaiting' ? this.request(intent) : this.pool.run(() => this.once(intent)))
      .catch((err: Error) => this.failed(intent, err))
      .finally(() => this.inFlight.delete(intent.intentId));
    this.inFlight.set(intent.intentId, p);
    return p;
  }

  private async failed(intent: DecisionIntent, err: Error): Promise<void> {
    // Left as it is: the reconciler runs it again; every step recognises what this run did.
    const { intentId } = intent;
    this.observer.interrupted(intent);
    this.deps.log.warn({ intentId, err: err.message }, 'decision intent interrupted; it will be resumed');
    await this.deps.store.noteIntentFailure(intentId, err.message).catch(() => {});
  }

  private async once(intent: DecisionIntent): Promise<void> {
    const { store, log } = this.deps;
    if (this.abandoned.has(intent.intentId)) return;
    // Strongly consistent re-read: the pending list comes from an index, and another run may have finished it.
    const current = await store.getIntent(intent.intentId);
    if (!current || current.status !== 'pending') return;
    if (!(await store.claimIntent(current.intentId, this.holder, this.leaseMs, Date.now()))) {
      log.info({ intentId: current.intentId }, 'decision intent claimed by another run; not run twice');
      return;
    }
    const renew = setInterval(
      () => void store.claimIntent(current.intentId, this.holder, this.leaseMs, Date.now()).catch(() => {}),
      Math.max(100, Math.floor(this.leaseMs / 3)),
    );
    renew.unref();
    try {
      const outcome = await this.decide(current);
      // A refused decision changed nothing, but the message may show a request or a preview that
      // no longer holds: it is re-rendered too.
      // (Unblock account names no finding.)
      const shown =
        outcome.status !== 'done' && !outcome.records.length && current.findingId
          ? await store.getFinding(current.findingId).then((r) => (r ? [r] : []))
          : outcome.records;
      const queued = await queueRefresh(this.deps, shown);
      if (!(await completeIntent(this.deps, current, outcome))) return;
      log.info(
        {
          intentId: current.intentId,
          action: current.action,
          findingId: current.findingId,
          status: outcome.status,
        },
        'decision intent done',
      );
      this.observer.finished(current, outcome, queued);
    } finally {
      clearInterval(renew);
    }
  }

  private async decide(intent: DecisionIntent): Promise<RunOutcome> {
    // A request (confirmed or rejected) comes off its finding first; again on a resumed run is fine.
    const closed = intent.approval ? await closeRequest(this.deps, intent) : [];
    if (intent.rejectedBy) return { status: 'rejected', by: intent.rejectedBy, records: closed };
    for (const who of [intent.by, intent.extras?.confirmedBy]) {
      if (!who) continue;
      const auth = await this.approvers.isApprover(who.userId);
      if (!auth.ok) return refuseIntent(this.deps, intent, { code: 'not-authorized', reason: auth.reason });
    }
    return carryOutIntent(this.deps, intent, {
      claimed: (rec) => {
        this.observer.claimed(rec);
        return Promise.resolve();
      },
    });
  }

  /** Puts an awaiting request on its finding; its message is queued first (write-ahead, D5). */
  private async request(intent: DecisionIntent): Promise<void> {
    const before = await this.deps.store.getFinding(intent.findingId);
    const queued =
      before && before.approval?.requestId !== intent.intentId ? await queueRefresh(this.deps, [before]) : [];
    const result = await setUpRequest(this.deps, intent);
    const more = result.status === 'requested' ? [] : await queueRefresh(this.deps, result.records);
    if (queued.length || more.length || result.status !== 'requested')
      this.observer.requested(intent, result, [...queued, ...more]);
  }

  /**
   * What serve runs at start and periodically: pending intents, two-person requests (put on their
   * finding, or lapsed), ladder decisions left in `removing`, then the outbox. One pass at a time.
   */
  reconcile(): Promise<ReconcileReport> {
    this.reconciling ??= this.reconcileOnce().finally(() => (this.reconciling = undefined));
    return this.reconciling;
  }

  private async reconcileOnce(): Promise<ReconcileReport> {
    const pending = await this.deps.store.listPendingIntents();
    await Promise.all(pending.map((i) => this.run(i)));
    const awaiting = await this.deps.store.listAwaitingIntents();
    for (const i of awaiting) await this.run(i);
    const busy = new Set([...this.inFlight.keys(), ...pending.map((i) => i.intentId)]);
    const resumed = await resumeInterruptedRemovals(this.deps, busy);
    if (resumed.length) await queueRefresh(this.deps, resumed);
    const outbox = await this.observer.drain();
    return {
      intents: pending.length,
      requests: awaiting.length,
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
