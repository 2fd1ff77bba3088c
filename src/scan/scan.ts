import type { EC2Client } from '@aws-sdk/client-ec2';
import type { RDSClient } from '@aws-sdk/client-rds';
import { compareFindings, cmp, type Finding, type ResourceKind } from '../domain/finding.ts';
import { judgeOwner, type TrustPolicy } from '../domain/trust.ts';
import type { MonitoredAccount } from '../aws/account.ts';
import type { AwsClients } from '../aws/clients.ts';
import { describeAwsError } from '../aws/errors.ts';
import { KINDS, type KindContext } from '../aws/kinds/index.ts';
import { regionsFor } from '../aws/targets.ts';
import { availableParallelism } from 'node:os';
import { Limiter } from './limiter.ts';
import { enrichTarget } from './enrich.ts';
import {
  accountFailedResult,
  blastRadiusNotes,
  isFailed,
  regionTargetResult,
  type KindFailure,
  type RegionTarget,
  type TargetResult,
} from './target-result.ts';

export interface ScanRequest {
  accounts: readonly MonitoredAccount[];
  regions: 'all' | readonly string[];
  kinds: readonly ResourceKind[];
  trust: TrustPolicy;
  /** Look up who uses each finding (blast radius, src/scan/enrich.ts); off unless asked for. */
  blastRadius?: boolean;
}

export interface ScanProgress {
  /** Account-regions finished (ok or failed). */
  done: number;
  /** Account-regions known so far; grows while accounts' regions are still being listed. */
  total: number;
  accountsResolved: number;
  accountsTotal: number;
  failed: number;
}

export interface ScanSummary {
  findings: number;
  trustedSkipped: number;
  targetsScanned: number;
  targetsFailed: number;
  accountsScanned: number;
  accountsWithFindings: number;
  /** Untrusted AMIs found only through instances still running from them (not listed any more). */
  notListedInUse?: number;
  /** Of those, hidden by Allowed AMIs (not allowed). */
  hiddenByAllowedAmis?: number;
  /** Findings left out by `--min-risk`. */
  belowMinRisk?: number;
}

export interface ScanResult {
  findings: Finding[];
  targets: TargetResult[];
  summary: ScanSummary;
  startedAt: string;
  durationMs: number;
}

export interface ScanDeps {
  clients: AwsClients;
  /** Account-region-kind listings in flight at once (across every thread). */
  concurrency: number;
  /**
   * Threads that scan: 1 scans in this thread alone; N adds N−1 `worker_threads`, each with its own SDK
   * clients, accounts handed out one at a time. Default: `clients.settings.workers`, else `scanThreads`.
   */
  workers?: number;
  onProgress?: (progress: ScanProgress) => void;
  /** For tests only (never set from configuration): see `WorkerTestHooks`. */
  testHooks?: WorkerTestHooks;
}

/** Test-only switches for the worker pool; unreachable from the config file or the CLI. */
export interface WorkerTestHooks {
  /** The calling thread takes no accounts until every worker has stopped. */
  mainThreadIdle?: boolean;
  /** The worker that resolves this account dies right after (an uncaught error in the thread). */
  crashWorkerOnAccount?: string;
}

/**
 * Fans out over accounts × regions × kinds. A failing account, region or kind is recorded in
 * `targets` and never stops the rest; results come back in a deterministic order, whatever the
 * number of threads.
 */
export async function scan(request: ScanRequest, deps: ScanDeps): Promise<ScanResult> {
  const started = Date.now();
  const collector = new ScanCollector(request, deps.onProgress);
  const threads = scanThreads(deps.workers ?? deps.clients.settings.workers, request.accounts.length);
  if (threads === 1) {
    let nextAccount = 0;
    await scanAccounts(
      () => request.accounts[nextAccount++],
      { ...request, clients: deps.clients, concurrency: deps.concurrency },
      collector,
    );
  } else {
    // Loaded only when used: the pool brings worker_threads and the worker's module path.
    const { scanWithWorkers } = await import('./worker-pool.ts');
    await scanWithWorkers(request, { ...deps, threads }, collector);
  }
  return collector.result(started);
}

/**
 * A worker thread costs ≈ 0.5 s of CPU and ≈ 85 MB to start (it loads its own copy of the SDK), about
 * what scanning ten accounts in every region costs: fewer accounts than that per thread are not worth one.
 */
export const ACCOUNTS_PER_THREAD = 10;

/**
 * Threads for a scan: `aws.workers` as configured (never more than the accounts), or by default one per
 * available core but at most one per `ACCOUNTS_PER_THREAD` accounts.
 */
export function scanThreads(configured: number | undefined, accounts: number): number {
  const wanted = configured ?? Math.min(availableParallelism(), Math.floor(accounts / ACCOUNTS_PER_THREAD));
  return Math.max(1, Math.min(wanted, accounts));
}

/** What one thread's scan reports, as it happens; the collector in the calling thread merges it. */
export interface ScanSink {
  accountResolved(account: MonitoredAccount, regions: readonly string[]): void;
  accountFailed(account: MonitoredAccount, error: string): void;
  /** One listing's untrusted findings (trust applied in the thread) and how many trusted ones it skipped. */
  listed(
    target: { accountId: string; region: string },
    kind: ResourceKind,
    untrusted: Finding[],
    trustedSkipped: number,
  ): void;
  /** An account-region finished (an account-wide failure goes to `accountFailed`). */
  targetDone(result: RegionTarget): void;
}

export interface ThreadScanOptions {
  regions: ScanRequest['regions'];
  kinds: readonly ResourceKind[];
  trust: TrustPolicy;
  clients: AwsClients;
  /** Requests in flight in this thread. */
  concurrency: number;
  /** Look up who uses each finding after listing (src/scan/enrich.ts). */
  blastRadius?: boolean;
}

/**
 * One thread's share of a scan: takes accounts from `next` until it has none, resolves each (role,
 * regions), then scans its account-regions with `scanTarget`. Every request goes through one limiter, and
 * at most `concurrency` accounts are open at once, so the work queued stays bounded by accounts ×
 * regions × kinds in flight, however large the organization. An account's regions all stay in this thread
 * (its pace buckets and assumed-role credentials are this thread's).
 */
export async function scanAccounts(
  next: () => MonitoredAccount | undefined | Promise<MonitoredAccount | undefined>,
  opts: ThreadScanOptions,
  sink: ScanSink,
  afterResolve?: (account: MonitoredAccount) => void,
): Promise<void> {
  const limiter = new Limiter(opts.concurrency);
  const scanAccount = async (account: MonitoredAccount): Promise<void> => {
    let regions: string[];
    try {
      regions = await limiter.run(() => regionsFor(opts.clients, account, opts.regions));
    } catch (err) {
      sink.accountFailed(account, describeAwsError(err));
      return;
    }
    sink.accountResolved(account, regions);
    afterResolve?.(account);
    await Promise.all(regions.map((region) => scanTarget(account, region, opts, limiter, sink)));
  };
  const loop = async (): Promise<void> => {
    for (let account = await next(); account; account = await next()) await scanAccount(account);
  };
  await Promise.all(Array.from({ length: opts.concurrency }, loop));
}

/**
 * One account-region: its kinds listed (each listing a task of the thread's limiter), trust applied as
 * each listing arrives so trusted shares never accumulate, the SDK clients and pace buckets dropped
 * once done. Per-target work that follows the listings belongs here, inside the thread.
 */
export async function scanTarget(
  account: MonitoredAccount,
  region: string,
  opts: ThreadScanOptions,
  limiter: Limiter,
  sink: ScanSink,
): Promise<void> {
  const ctx = newContext(opts.clients, account, region);
  const failures: KindFailure[] = [];
  const where = { accountId: account.id, region };
  const trusted = (owner: string) => judgeOwner(opts.trust, owner).trusted;
  // With the blast radius on, a target's untrusted findings wait for its lookups (they set `inUse`), then
  // go to the sink; without it, each listing goes as it arrives.
  const held: Array<{ kind: ResourceKind; untrusted: Finding[]; trustedSkipped: number }> = [];
  await Promise.all(
    opts.kinds.map((kind) =>
      limiter.run(async () => {
        try {
          const untrusted: Finding[] = [];
          let trustedSkipped = 0;
          for (const f of await KINDS[kind].list(ctx)) {
            if (trusted(f.ownerAccountId)) trustedSkipped++;
            else untrusted.push(f);
          }
          if (opts.blastRadius) held.push({ kind, untrusted, trustedSkipped });
          else sink.listed(where, kind, untrusted, trustedSkipped);
        } catch (err) {
          failures.push({ kind, error: describeAwsError(err) });
        }
      }),
    ),
  );
  const result = regionTargetResult(account, region, failures, opts.kinds.length);
  if (opts.blastRadius) {
    // One lookup round per account-region, after all its kinds are listed (docs/risk.md).
    const e = await limiter.run(() =>
      enrichTarget(
        ctx,
        held.flatMap((h) => h.untrusted),
        { kinds: opts.kinds.filter((k) => !failures.some((f) => f.kind === k)), trusted },
      ),
    );
    for (const h of held) sink.listed(where, h.kind, h.untrusted, h.trustedSkipped);
    if (e.extra.length || e.trustedSkipped) sink.listed(where, 'ami', e.extra, e.trustedSkipped);
    if (e.usageErrors.length) result.usageErrors = e.usageErrors;
    if (e.extra.length) {
      result.notListedInUse = e.extra.length;
      result.hiddenByAllowedAmis = e.extra.filter((f) => f.imageAllowed === false).length;
    }
  }
  opts.clients.release(account.id, region);
  sink.targetDone(result);
}

/** Merges what the threads report into progress events and the final, sorted result. */
export class ScanCollector implements ScanSink {
  private readonly untrusted: Finding[] = [];
  private trustedSkipped = 0;
  private readonly targets: TargetResult[] = [];
  private readonly progress: ScanProgress;

  constructor(
    private readonly request: ScanRequest,
    private readonly onProgress?: (progress: ScanProgress) => void,
  ) {
    this.progress = {
      done: 0,
      total: request.regions === 'all' ? 0 : request.accounts.length * request.regions.length,
      accountsResolved: 0,
      accountsTotal: request.accounts.length,
      failed: 0,
    };
    this.report();
  }

  private report(): void {
    this.onProgress?.({ ...this.progress });
  }

  accountResolved(_account: MonitoredAccount, regions: readonly string[]): void {
    this.progress.accountsResolved++;
    if (this.request.regions === 'all') this.progress.total += regions.length;
    this.report();
  }

  accountFailed(account: MonitoredAccount, error: string): void {
    this.targets.push(accountFailedResult(account, error));
    const p = this.progress;
    p.accountsResolved++;
    if (this.request.regions !== 'all') p.total -= this.request.regions.length;
    p.total++;
    p.done++;
    p.failed++;
    this.report();
  }

  listed(
    _target: { accountId: string; region: string },
    _kind: ResourceKind,
    untrusted: Finding[],
    trustedSkipped: number,
  ): void {
    for (const f of untrusted) this.untrusted.push(f);
    this.trustedSkipped += trustedSkipped;
  }

  targetDone(result: RegionTarget): void {
    this.targets.push(result);
    this.progress.done++;
    if (isFailed(result)) this.progress.failed++;
    this.report();
  }

  result(started: number): ScanResult {
    const untrusted = this.untrusted.sort(compareFindings);
    // An account-wide failure sorts before the account's regions (it has none; it was the region `*`).
    const regionOf = (t: TargetResult) => (t.status === 'account-failed' ? '' : t.region);
    const targets = this.targets.sort(
      (a, b) => cmp(a.accountId, b.accountId) || cmp(regionOf(a), regionOf(b)),
    );
    // An account counts as scanned when at least one of its kinds was listed somewhere: one failing kind
    // must not drop it from the count while its other kinds' findings stay ("4 of 3 accounts").
    const reached = (t: TargetResult) => t.status === 'ok' || t.status === 'partial';
    const okAccounts = new Set(targets.filter(reached).map((t) => t.accountId));
    for (const f of untrusted) okAccounts.add(f.accountId);
    return {
      findings: untrusted,
      targets,
      summary: {
        findings: untrusted.length,
        trustedSkipped: this.trustedSkipped,
        targetsScanned: targets.filter((t) => t.status === 'ok').length,
        targetsFailed: targets.filter(isFailed).length,
        accountsScanned: okAccounts.size,
        accountsWithFindings: new Set(untrusted.map((f) => f.accountId)).size,
        ...(this.request.blastRadius
          ? {
              notListedInUse: sum(targets, (t) => blastRadiusNotes(t).notListedInUse),
              hiddenByAllowedAmis: sum(targets, (t) => blastRadiusNotes(t).hiddenByAllowedAmis),
            }
          : {}),
      },
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
    };
  }
}

/** An account-region's kind context; its SDK clients are made on first use and dropped with it. */
function newContext(clients: AwsClients, account: MonitoredAccount, region: string): KindContext {
  let ec2: EC2Client | undefined;
  let rds: RDSClient | undefined;
  return {
    account,
    region,
    ec2: () => (ec2 ??= clients.ec2(account, region)),
    rds: () => (rds ??= clients.rds(account, region)),
  };
}

const sum = <T>(items: readonly T[], value: (item: T) => number | undefined): number =>
  items.reduce((n, item) => n + (value(item) ?? 0), 0);
