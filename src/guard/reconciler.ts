/**
 * The guard reconciler: the ONE writer of guard policies (docs/aws.md "Guard"). Decisions only change the
 * desired state in the store (blocked resources and owners), bump the guard revision and wait here for
 * convergence; they never write a policy themselves.
 *
 * A scope is a monitored account (iam-policy) or the organization (scp). Per scope there is one writer at
 * a time: an in-process queue (one run per scope, later requests join it) and, across replicas, a lease
 * in the store (`guard#<scope>`, expiry compared in the condition). A run reads the revision, then the
 * desired state, writes the policies and records `applied = revision`; callers loop until `applied`
 * reaches the revision their change got. Another writer's traces (`EntityAlreadyExists`,
 * `ConcurrentModification`, `LimitExceeded` on versions, a policy deleted meanwhile) mean "someone else
 * wrote it": re-read and converge, never a failed decision.
 */
import { randomUUID } from 'node:crypto';
import type { CoreDeps } from '../core/deps.ts';
import { nowIso } from '../core/deps.ts';
import type { GuardScopeState } from '../domain/guard.ts';
import { monitoredAccountIdsNow } from '../scan/monitored-now.ts';
import { Limiter } from '../scan/limiter.ts';
import { applyScope, scopesFor, type GuardAccountResult } from './apply.ts';
import { CallLog } from './calls.ts';

export interface GuardTicket {
  scopes: string[];
  /** The guard revision the change got: converged once every scope has applied at least this. */
  generation: number;
}

export interface ScopeConvergence {
  scope: string;
  /** `converged`: written from the ticket's revision or a later one. */
  status: 'converged' | 'failed' | 'timeout';
  /** The last run's result in this process (absent when another replica or an earlier run did it). */
  result?: GuardAccountResult;
  /** AWS's words when it failed (or the last failure before a timeout). */
  error?: string;
}

export interface Convergence {
  ok: boolean;
  scopes: ScopeConvergence[];
  calls: string[];
}

export interface ReconcilerOptions {
  /** This replica's lease holder id. */
  holder?: string;
  leaseTtlMs?: number;
  /** How often a waiter looks at a scope another replica is writing. */
  pollMs?: number;
  /** Scopes written at once (each is one account's IAM, or the organization). */
  concurrency?: number;
  /** Runs of one scope that met another writer's traces before it gives up (re-read each time). */
  maxAttempts?: number;
}

/** AWS errors that mean another writer was there first: re-read and write again. */
const SOMEONE_ELSE = new Set([
  'EntityAlreadyExists',
  'EntityAlreadyExistsException',
  'ConcurrentModification',
  'ConcurrentModificationException',
  'LimitExceeded',
  'LimitExceededException',
  'NoSuchEntity',
  'NoSuchEntityException',
  'DuplicatePolicyException',
  'DuplicatePolicyAttachmentException',
  'PolicyNotFoundException',
  'PolicyNotAttachedException',
]);

/** `joined`: another caller's run of the scope ended (check again); `busy`: another replica holds the lease. */
type RunResult =
  { kind: 'joined' } | { kind: 'busy' } | { kind: 'done'; result: GuardAccountResult; revision?: number };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class GuardReconciler {
  readonly holder: string;
  private readonly leaseTtlMs: number;
  private readonly pollMs: number;
  private readonly maxAttempts: number;
  private readonly limiter: Limiter;
  private readonly running = new Map<string, Promise<RunResult>>();

  constructor(
    private readonly deps: CoreDeps,
    opts: ReconcilerOptions = {},
  ) {
    this.holder = opts.holder ?? `guard-${randomUUID()}`;
    this.leaseTtlMs = opts.leaseTtlMs ?? 60_000;
    this.pollMs = opts.pollMs ?? 200;
    this.maxAttempts = opts.maxAttempts ?? 6;
    this.limiter = new Limiter(opts.concurrency ?? 8);
  }

  /** Whether this mode writes anything (off and print do not; a dry run reads only). */
  get writes(): boolean {
    const mode = this.deps.config.guard.mode;
    return (mode === 'iam-policy' || mode === 'scp') && !this.deps.config.remediation.dryRun;
  }

  scopesFor(accountIds: readonly string[]): string[] {
    return scopesFor(this.deps, accountIds);
  }

  /** Every scope of the configuration: each monitored account, or the organization. */
  async allScopes(): Promise<string[]> {
    return this.scopesFor(await monitoredAccountIdsNow(this.deps));
  }

  /**
   * Call after the desired state changed in the store: bumps the revision and marks the scopes dirty.
   * `generation` reuses one a crash left behind (Block account's resume) instead of a new one.
   */
  async request(accountIds: readonly string[], generation?: number): Promise<GuardTicket> {
    const scopes = this.scopesFor(accountIds);
    const g = generation ?? (await this.deps.store.bumpGuardRevision());
    const marks = new Limiter(16);
    await Promise.all(scopes.map((s) => marks.run(() => this.deps.store.requestGuardScope(s, g))));
    return { scopes, generation: g };
  }

  /** Waits (bounded) until every scope of the ticket is written from its revision or a later one. */
  async converged(ticket: GuardTicket, timeoutMs: number): Promise<Convergence> {
    const log = new CallLog();
    const deadline = Date.now() + timeoutMs;
    const scopes = await Promise.all(
      ticket.scopes.map((scope) => this.ensure(scope, ticket.generation, deadline, log)),
    );
    return { ok: scopes.every((s) => s.status === 'converged'), scopes, calls: log.entries };
  }

  /**
   * Converges `scope` on the newest revision, whatever is recorded (drift repair: the policies are read
   * from AWS and rewritten when they differ from the store). The result says what changed.
   */
  async reconcile(scope: string, timeoutMs = 120_000): Promise<ScopeConvergence & { calls: string[] }> {
    const log = new CallLog();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await this.runQueued(scope, log);
      if (r.kind === 'joined') continue;
      if (r.kind === 'done') {
        const failed = r.result.status === 'failed';
        return {
          scope,
          status: failed ? 'failed' : 'converged',
          result: r.result,
          ...(failed && r.result.error ? { error: r.result.error } : {}),
          calls: log.entries,
        };
      }
      if (Date.now() > deadline)
        return {
          scope,
          status: 'timeout',
          error: 'another replica holds the guard lease',
          calls: log.entries,
        };
      await sleep(this.pollMs);
    }
  }

  /** Dirty scopes (requested > applied), each converged: the periodic pass and the start-up pass. */
  async reconcileDirty(timeoutMs = 120_000): Promise<ScopeConvergence[]> {
    if (!this.writes) return [];
    const dirty = (await this.deps.store.listGuardScopes()).filter((s) => s.requested > s.applied);
    const deadline = Date.now() + timeoutMs;
    const log = new CallLog();
    return Promise.all(dirty.map((s) => this.ensure(s.scope, s.requested, deadline, log)));
  }

  /** Starts the periodic pass; returns its stop. */
  start(everyMs: number): () => Promise<void> {
    let current: Promise<unknown> = Promise.resolve();
    const timer = setInterval(() => {
      current = current.then(() =>
        this.reconcileDirty().catch((err: Error) =>
          this.deps.log.warn({ err: err.message }, 'guard reconcile failed; the next pass retries'),
        ),
      );
    }, everyMs);
    timer.unref();
    return async () => {
      clearInterval(timer);
      await current;
    };
  }

  private async ensure(
    scope: string,
    generation: number,
    deadline: number,
    log: CallLog,
  ): Promise<ScopeConvergence> {
    if (!this.writes) return { scope, status: 'failed', error: 'the guard writes nothing in this mode' };
    let last: GuardAccountResult | undefined;
    let failures = 0;
    for (;;) {
      const state: GuardScopeState | undefined = await this.deps.store.getGuardScope(scope);
      if (state && state.applied >= generation)
        return { scope, status: 'converged', ...(last ? { result: last } : {}) };
      if (Date.now() > deadline) {
        const error = last?.error ?? state?.lastError ?? 'the guard was not written in time';
        return { scope, status: 'timeout', error, ...(last ? { result: last } : {}) };
      }
      const r = await this.runQueued(scope, log);
      if (r.kind === 'joined') continue;
      if (r.kind === 'busy') {
        await sleep(this.pollMs);
        continue;
      }
      last = r.result;
      if (r.result.status === 'failed') {
        // A failure another writer caused was retried inside the run; this one is AWS refusing.
        if (++failures >= 2)
          return { scope, status: 'failed', error: r.result.error ?? 'failed', result: r.result };
        await sleep(this.pollMs);
      }
    }
  }

  /** One run per scope at a time in this process: a caller arriving during a run waits for it. */
  private async runQueued(scope: string, log: CallLog): Promise<RunResult> {
    const inFlight = this.running.get(scope);
    if (inFlight) {
      await inFlight.catch(() => undefined);
      // That run may have read the revision before our change: the caller checks and comes back.
      return { kind: 'joined' };
    }
    // The limiter bounds the scopes written at once; waiting for one never takes a slot.
    const p = this.limiter.run(() => this.runOnce(scope, log));
    this.running.set(scope, p);
    try {
      return await p;
    } finally {
      this.running.delete(scope);
    }
  }

  private async runOnce(scope: string, log: CallLog): Promise<RunResult> {
    const store = this.deps.store;
    const lease = `guard#${scope}`;
    if (!(await store.acquireLease(lease, this.holder, this.leaseTtlMs))) return { kind: 'busy' };
    try {
      let result: GuardAccountResult | undefined;
      for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
        if (attempt > 1) {
          // Still ours? (renews it; a lease lost to expiry means another replica writes now.)
          if (!(await store.acquireLease(lease, this.holder, this.leaseTtlMs))) return { kind: 'busy' };
          await sleep(Math.min(2000, this.pollMs * 2 ** (attempt - 2)));
        }
        // The revision first, then the desired state: everything up to it is in what we read.
        const revision = await store.getGuardRevision();
        if (!this.writes) {
          result = await applyScope(this.deps, scope, log, true);
          return { kind: 'done', result };
        }
        result = await applyScope(this.deps, scope, log, false);
        if (result.status !== 'failed') {
          await store.markGuardApplied(scope, revision, nowIso(this.deps));
          return { kind: 'done', result, revision };
        }
        if (!result.code || !SOMEONE_ELSE.has(result.code)) break;
        this.deps.log.info(
          { scope, code: result.code, attempt },
          'guard: another writer was there; re-reading',
        );
      }
      await store.noteGuardScope(scope, { lastError: result?.error ?? 'failed', at: nowIso(this.deps) });
      return { kind: 'done', result: result! };
    } finally {
      await store.releaseLease(lease, this.holder).catch(() => undefined);
    }
  }
}

const reconcilers = new WeakMap<object, GuardReconciler>();

/**
 * The process's reconciler for this store (one writer per scope in-process needs one instance per
 * process). `deps` of the first caller are kept: its configuration and clients write the guard.
 */
export function guardReconciler(deps: CoreDeps, opts?: ReconcilerOptions): GuardReconciler {
  let r = reconcilers.get(deps.store);
  if (!r) {
    r = new GuardReconciler(deps, opts);
    reconcilers.set(deps.store, r);
  }
  return r;
}
