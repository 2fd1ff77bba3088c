/**
 * One thread's part of a scan: accounts resolved and their account-regions listed with the SDK clients of
 * this thread. Run by the worker threads (worker.ts), or by the calling thread when the scan has one
 * thread. Kept apart from scan.ts so a calling thread that only coordinates workers never loads the AWS
 * SDK clients (≈ 90 MB per thread that does; BENCHMARKS.md, memory): scan.ts imports this module only
 * when it scans itself.
 */
import type { Finding, ResourceKind } from '../domain/finding.ts';
import { judgeOwner, type TrustPolicy } from '../domain/trust.ts';
import type { MonitoredAccount } from '../aws/account.ts';
import type { AwsClients } from '../aws/clients.ts';
import { describeAwsError } from '../aws/errors.ts';
import { KINDS } from '../aws/kinds/index.ts';
import { kindContext } from '../aws/kinds/kind.ts';
import { regionsFor } from '../aws/targets.ts';
import { Limiter } from './limiter.ts';
import { AdaptiveConcurrency, concurrencyLimits, type ConcurrencyLimits } from './adaptive.ts';
import { enrichTarget } from './enrich.ts';
import type { ScanRequest, ScanSink } from './scan.ts';
import { regionTargetResult, type KindFailure } from './target-result.ts';

export interface ThreadScanOptions {
  regions: ScanRequest['regions'];
  kinds: readonly ResourceKind[];
  trust: TrustPolicy;
  clients: AwsClients;
  /** Requests in flight in this thread: fixed, or adapted within limits (adaptive.ts). */
  concurrency: number | ConcurrencyLimits;
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
  const limits = concurrencyLimits(opts.concurrency);
  const limiter = new Limiter(limits.start);
  const adaptive = new AdaptiveConcurrency(limiter, limits, () => opts.clients.throttledAttempts);
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
  // As many accounts open as the starting limit: each has tens of listings queued, which keeps even the
  // largest limit fed without holding more accounts' clients at once.
  adaptive.start();
  try {
    await Promise.all(Array.from({ length: limits.start }, loop));
  } finally {
    adaptive.stop();
  }
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
  const ctx = kindContext(opts.clients, account, region);
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
