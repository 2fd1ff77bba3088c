import { compareFindings, cmp, type Finding, type ResourceKind } from '../domain/finding.ts';
import type { TrustPolicy } from '../domain/trust.ts';
import type { MonitoredAccount } from '../aws/account.ts';
import type { AwsClients, AwsSettings } from '../aws/clients.ts';
import { availableParallelism } from 'node:os';
import type { ConcurrencyLimits } from './adaptive.ts';
import {
  accountFailedResult,
  blastRadiusNotes,
  isFailed,
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
  /** With `organization`: what discovery found (src/scan/from-config.ts `accountSet`). */
  organization?: OrganizationSummary;
}

export interface OrganizationSummary {
  /** ACTIVE accounts in scope, scanned. */
  accounts: number;
  /** In scope but not ACTIVE, by state. */
  skipped: Record<string, number>;
  excluded: number;
  /** Accounts not in the previous scan's set (serve: against the store's last scan); absent when unknown. */
  newAccounts?: number;
}

export interface ScanResult {
  findings: Finding[];
  targets: TargetResult[];
  summary: ScanSummary;
  startedAt: string;
  durationMs: number;
}

/**
 * The AWS side of a scan: this thread's clients when it has them already (`serve`), or only the settings
 * (the CLI), so that a scan run in worker threads never loads the SDK clients in the calling thread.
 */
export type ScanAws =
  | { clients: AwsClients }
  | {
      /** This thread's clients are made from them only if it scans itself (one thread), and destroyed after. */
      settings: AwsSettings;
    };

export type ScanDeps = ScanAws & {
  /**
   * Requests in flight at once (across every thread): a fixed number, or limits the scan adapts within
   * (src/scan/adaptive.ts; `scanConcurrency` reads them from the config).
   */
  concurrency: number | ConcurrencyLimits;
  /**
   * Threads that scan: 1 scans in this thread; N > 1 starts N `worker_threads`, each with its own SDK
   * clients and capped heap, accounts handed out one at a time, while this thread only coordinates and
   * collects findings. Default: the settings' `workers`, else `scanThreads`.
   */
  workers?: number;
  onProgress?: (progress: ScanProgress) => void;
  /** For tests only (never set from configuration): see `WorkerTestHooks`. */
  testHooks?: WorkerTestHooks;
};

/** Test-only switches for the worker pool; unreachable from the config file or the CLI. */
export interface WorkerTestHooks {
  /** The worker that resolves this account dies right after (an uncaught error in the thread). */
  crashWorkerOnAccount?: string;
  /** Every worker dies as it starts, before taking an account (as a broken build's worker would). */
  failWorkersAtStart?: boolean;
}

/**
 * Fans out over accounts × regions × kinds. A failing account, region or kind is recorded in
 * `targets` and never stops the rest; results come back in a deterministic order, whatever the
 * number of threads.
 */
export async function scan(request: ScanRequest, deps: ScanDeps): Promise<ScanResult> {
  const started = Date.now();
  const collector = new ScanCollector(request, deps.onProgress);
  const settings = 'clients' in deps ? deps.clients.settings : deps.settings;
  const threads = scanThreads(deps.workers ?? settings.workers, request.accounts.length);
  if (threads === 1) {
    // Loaded only when this thread scans: the listing code brings the SDK clients.
    const [{ scanAccounts }, clients] = await Promise.all([
      import('./thread-scan.ts'),
      'clients' in deps ? deps.clients : import('../aws/clients.ts').then((m) => new m.AwsClients(settings)),
    ]);
    try {
      let nextAccount = 0;
      await scanAccounts(
        () => request.accounts[nextAccount++],
        { ...request, clients, concurrency: deps.concurrency },
        collector,
      );
    } finally {
      if (!('clients' in deps)) clients.destroy();
    }
  } else {
    // Loaded only when used: the pool brings worker_threads and the worker's module path.
    const { scanWithWorkers } = await import('./worker-pool.ts');
    await scanWithWorkers(request, { ...deps, settings, threads }, collector);
  }
  return collector.result(started);
}

/**
 * A worker thread costs ≈ 0.5 s of CPU and memory to start (it loads its own copy of the SDK: ≈ 17 MB
 * bundled in the compiled build, ≈ 60 MB from the sources), and a scan in workers spends more on garbage
 * collection (capped heaps). Measured (before the bundle, 40–70 MB a worker) at 2 threads against 1 on this
 * kind of machine (bench/scan-one.ts, quiet): S (20 accounts) 2.3–2.9 s and 182–215 MiB against
 * 2.0–2.3 s and 138–146 MiB; M (200 accounts) about even in time; L (1,000) faster in workers. Below
 * this many accounts per thread, one thread is faster.
 */
export const ACCOUNTS_PER_THREAD = 50;

/**
 * Threads for a scan: `aws.workers` as configured (never more than the accounts), or by default one per
 * available core but at most one per `ACCOUNTS_PER_THREAD` accounts. 1 scans in the calling thread; more
 * are all worker threads (the calling thread coordinates).
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

const sum = <T>(items: readonly T[], value: (item: T) => number | undefined): number =>
  items.reduce((n, item) => n + (value(item) ?? 0), 0);
