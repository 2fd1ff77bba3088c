import type { EC2Client } from '@aws-sdk/client-ec2';
import type { RDSClient } from '@aws-sdk/client-rds';
import { compareFindings, cmp, type Finding, type ResourceKind } from '../domain/finding.ts';
import { judgeOwner, type TrustPolicy } from '../domain/trust.ts';
import type { MonitoredAccount } from '../aws/account.ts';
import type { AwsClients } from '../aws/clients.ts';
import { describeAwsError } from '../aws/errors.ts';
import { KINDS } from '../aws/kinds/index.ts';
import { regionsFor } from '../aws/targets.ts';
import { Limiter } from './limiter.ts';

export interface ScanRequest {
  accounts: readonly MonitoredAccount[];
  regions: 'all' | readonly string[];
  kinds: readonly ResourceKind[];
  trust: TrustPolicy;
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
}

export interface ScanSummary {
  findings: number;
  trustedSkipped: number;
  targetsScanned: number;
  targetsFailed: number;
  accountsScanned: number;
  accountsWithFindings: number;
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
  const limiter = new Limiter(deps.concurrency);
  // Trust is applied as each listing arrives, so trusted shares never accumulate in memory.
  const untrusted: Finding[] = [];
  let trustedSkipped = 0;
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

  const scanTarget = async (account: MonitoredAccount, region: string): Promise<void> => {
    let ec2: EC2Client | undefined;
    let rds: RDSClient | undefined;
    const ctx = {
      account,
      region,
      ec2: () => (ec2 ??= deps.clients.ec2(account, region)),
      rds: () => (rds ??= deps.clients.rds(account, region)),
    };
    const failures: Array<{ kind: ResourceKind; error: string }> = [];
    await Promise.all(
      request.kinds.map((kind) =>
        limiter.run(async () => {
          try {
            for (const f of await KINDS[kind].list(ctx)) {
              if (judgeOwner(request.trust, f.ownerAccountId).trusted) trustedSkipped++;
              else untrusted.push(f);
            }
          } catch (err) {
            failures.push({ kind, error: describeAwsError(err) });
          }
        }),
      ),
    );
    deps.clients.release(account.id, region);
    targets.push(targetResult(account, region, failures, request.kinds.length));
    progress.done++;
    if (failures.length) progress.failed++;
    report();
  };

  const scanAccount = async (account: MonitoredAccount): Promise<void> => {
    let regions: string[];
    try {
      regions = await limiter.run(() => regionsFor(deps.clients, account, request.regions));
    } catch (err) {
      targets.push({ ...accountPart(account), region: '*', status: 'error', error: describeAwsError(err) });
      progress.accountsResolved++;
      if (request.regions !== 'all') progress.total -= request.regions.length;
      progress.total++;
      progress.done++;
      progress.failed++;
      report();
      return;
    }
    progress.accountsResolved++;
    if (request.regions === 'all') progress.total += regions.length;
    report();
    await Promise.all(regions.map((region) => scanTarget(account, region)));
  };

  await Promise.all(request.accounts.map(scanAccount));

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
    },
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
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
