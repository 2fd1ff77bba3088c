import type { EC2Client } from '@aws-sdk/client-ec2';
import type { RDSClient } from '@aws-sdk/client-rds';
import { compareFindings, cmp, type Finding, type ResourceKind } from '../domain/finding.ts';
import { judgeOwner, type TrustPolicy } from '../domain/trust.ts';
import type { MonitoredAccount } from '../aws/account.ts';
import type { AwsClients } from '../aws/clients.ts';
import { describeAwsError } from '../aws/errors.ts';
import { KINDS, type KindContext } from '../aws/kinds/index.ts';
import { regionsFor } from '../aws/targets.ts';
import { enrichTarget } from './enrich.ts';

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

export interface TargetResult {
  accountId: string;
  accountName?: string;
  /** `*` when the whole account failed (its role could not be assumed, its regions not listed). */
  region: string;
  status: 'ok' | 'error';
  error?: string;
  /** Kinds that failed in this account-region; the others' findings are kept. */
  failedKinds?: ResourceKind[];
  /** Blast-radius lookups that failed here: findings kept, their `inUse` marked unknown (issue 9). */
  usageErrors?: string[];
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
  /** Account-region-kind listings in flight at once. */
  concurrency: number;
  onProgress?: (progress: ScanProgress) => void;
}

/**
 * Fans out over accounts × regions × kinds. A failing account, region or kind is recorded in
 * `targets` and never stops the rest; results come back in a deterministic order.
 */
export async function scan(request: ScanRequest, deps: ScanDeps): Promise<ScanResult> {
  const started = Date.now();
  // Trust is applied as each listing arrives, so trusted shares never accumulate in memory.
  const untrusted: Finding[] = [];
  let trustedSkipped = 0;
  let notListedInUse = 0;
  let hiddenByAllowedAmis = 0;
  const targets: TargetResult[] = [];
  const progress: ScanProgress = {
    done: 0,
    total: request.regions === 'all' ? 0 : request.accounts.length * request.regions.length,
    accountsResolved: 0,
    accountsTotal: request.accounts.length,
    failed: 0,
  };
  const report = () => deps.onProgress?.({ ...progress });
  report();

  const finishTarget = (t: TargetState): void => {
    deps.clients.release(t.ctx.account.id, t.ctx.region);
    const result = targetResult(t.ctx.account, t.ctx.region, t.failures, request.kinds.length);
    if (t.usageErrors?.length) result.usageErrors = t.usageErrors;
    targets.push(result);
    progress.done++;
    if (t.failures.length) progress.failed++;
    report();
  };

  const runListing = async ({ target, kind }: { target: TargetState; kind: ResourceKind }): Promise<void> => {
    try {
      for (const f of await KINDS[kind].list(target.ctx)) {
        if (judgeOwner(request.trust, f.ownerAccountId).trusted) trustedSkipped++;
        else {
          untrusted.push(f);
          target.found.push(f);
        }
      }
    } catch (err) {
      target.failures.push({ kind, error: describeAwsError(err) });
    }
    if (--target.remaining === 0) {
      // Blast radius (issue 9): one call per account-region, after all its kinds are listed.
      if (request.blastRadius) {
        const e = await enrichTarget(target.ctx, target.found, {
          kinds: request.kinds.filter((k) => !target.failures.some((f) => f.kind === k)),
          trusted: (owner) => judgeOwner(request.trust, owner).trusted,
        });
        untrusted.push(...e.extra);
        trustedSkipped += e.trustedSkipped;
        notListedInUse += e.extra.length;
        hiddenByAllowedAmis += e.extra.filter((f) => f.imageAllowed === false).length;
        if (e.usageErrors.length) target.usageErrors = e.usageErrors;
      }
      target.found = [];
      finishTarget(target);
    }
  };

  const resolveAccount = async (account: MonitoredAccount): Promise<Listing[]> => {
    let regions: string[];
    try {
      regions = await regionsFor(deps.clients, account, request.regions);
    } catch (err) {
      targets.push({ ...accountPart(account), region: '*', status: 'error', error: describeAwsError(err) });
      progress.accountsResolved++;
      if (request.regions !== 'all') progress.total -= request.regions.length;
      progress.total++;
      progress.done++;
      progress.failed++;
      report();
      return [];
    }
    progress.accountsResolved++;
    if (request.regions === 'all') progress.total += regions.length;
    report();
    return regions.flatMap((region) => {
      const target = newTarget(deps, account, region, request.kinds.length);
      return request.kinds.map((kind) => ({ target, kind }));
    });
  };

  // A fixed pool of workers. Listings are taken before the next account is resolved, so the work queued
  // at any moment stays around one account's regions × kinds, however large the organization.
  const listings: Listing[] = [];
  let nextAccount = 0;
  let running = 0;
  let waiting: Array<() => void> = [];
  const wakeAll = () => {
    const w = waiting;
    waiting = [];
    for (const resolve of w) resolve();
  };
  const worker = async (): Promise<void> => {
    for (;;) {
      const listing = listings.shift();
      const account = listing ? undefined : request.accounts[nextAccount];
      if (!listing && !account) {
        if (running === 0) return wakeAll();
        await new Promise<void>((resolve) => waiting.push(resolve));
        continue;
      }
      running++;
      try {
        if (listing) await runListing(listing);
        else {
          nextAccount++;
          listings.push(...(await resolveAccount(account!)));
        }
      } finally {
        running--;
        wakeAll();
      }
    }
  };
  await Promise.all(Array.from({ length: deps.concurrency }, worker));

  untrusted.sort(compareFindings);
  targets.sort((a, b) => cmp(a.accountId, b.accountId) || cmp(a.region, b.region));
  const okAccounts = new Set(targets.filter((t) => t.status === 'ok').map((t) => t.accountId));
  return {
    findings: untrusted,
    targets,
    summary: {
      findings: untrusted.length,
      trustedSkipped,
      targetsScanned: targets.filter((t) => t.status === 'ok').length,
      targetsFailed: targets.filter((t) => t.status === 'error').length,
      accountsScanned: okAccounts.size,
      accountsWithFindings: new Set(untrusted.map((f) => f.accountId)).size,
      ...(request.blastRadius ? { notListedInUse, hiddenByAllowedAmis } : {}),
    },
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
  };
}

interface TargetState {
  ctx: KindContext;
  /** Listings of this account-region still to finish. */
  remaining: number;
  failures: Array<{ kind: ResourceKind; error: string }>;
  /** Untrusted findings of this account-region, kept until its blast radius is looked up. */
  found: Finding[];
  usageErrors?: string[];
}

interface Listing {
  target: TargetState;
  kind: ResourceKind;
}

/** An account-region's state; its SDK clients are made on first use and dropped with it. */
function newTarget(deps: ScanDeps, account: MonitoredAccount, region: string, kinds: number): TargetState {
  let ec2: EC2Client | undefined;
  let rds: RDSClient | undefined;
  return {
    ctx: {
      account,
      region,
      ec2: () => (ec2 ??= deps.clients.ec2(account, region)),
      rds: () => (rds ??= deps.clients.rds(account, region)),
    },
    remaining: kinds,
    failures: [],
    found: [],
  };
}

function accountPart(account: MonitoredAccount): { accountId: string; accountName?: string } {
  return account.name ? { accountId: account.id, accountName: account.name } : { accountId: account.id };
}

function targetResult(
  account: MonitoredAccount,
  region: string,
  failures: Array<{ kind: ResourceKind; error: string }>,
  kindCount: number,
): TargetResult {
  if (failures.length === 0) return { ...accountPart(account), region, status: 'ok' };
  failures.sort((a, b) => cmp(a.kind, b.kind));
  const errors = new Set(failures.map((f) => f.error));
  // One cause for every kind (a region not enabled) reads better without the kind names.
  const error =
    errors.size === 1 && failures.length === kindCount
      ? failures[0]!.error
      : failures.map((f) => `${f.kind}: ${f.error}`).join('; ');
  return {
    ...accountPart(account),
    region,
    status: 'error',
    error,
    failedKinds: failures.map((f) => f.kind),
  };
}
