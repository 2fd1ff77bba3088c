import type { ResourceKind } from '../domain/finding.ts';
import { reconcile, scopeKey, type FindingRecord, type LifecycleChange } from '../domain/lifecycle.ts';
import type { AccountSet } from '../scan/from-config.ts';
import { resolveAccountSet } from '../scan/account-set.ts';
import { rememberAccountSet } from '../scan/monitored-now.ts';
import { scan, type ScanProgress, type ScanResult } from '../scan/scan.ts';
import { scanConcurrency } from '../scan/adaptive.ts';
import { listedKinds } from '../scan/target-result.ts';
import { rankScan } from '../scan/rank.ts';
import { compareByRisk } from '../domain/risk.ts';
import { StoreConflictError } from '../store/errors.ts';
import { newUse, type NewUse } from './new-use.ts';
import { syncAllowedAmis, type AllowedAmisReport } from '../allowed-amis/sync.ts';
import { currentTrust } from './trust.ts';
import { nowIso, type CoreDeps } from './deps.ts';
import { holdBackBlockedOwners } from './hold-back-blocked.ts';
import { sweepExpiredApprovals } from './two-person.ts';
import { failedTargetLogEntries } from '../scan/report.ts';
import { recordGuardDrift, recordScan } from '../metrics.ts';

export interface ScanFilters {
  accounts?: string[];
  regions?: string[];
  kinds?: ResourceKind[];
}

export interface RecordedScan {
  result: ScanResult;
  /** New and shared-again findings, stored as open: to be posted. */
  toPost: FindingRecord[];
  /** New shares of blocked owners, closed as blocked (or recorded) by the guard instead of posted. */
  blockedOwnerShares: FindingRecord[];
  /** Findings that were open and are gone now: their messages say so. */
  resolved: FindingRecord[];
  /** Two-person requests that lapsed (taken off: the findings are open again, their messages must say so). */
  expiredApprovals: FindingRecord[];
  counts: { new: number; sharedAgain: number; resolved: number; seen: number };
  /** "all accounts" or the filters, for messages. */
  scope: string;
  /** Decided findings something new uses since the last scan: an alert each (issue 9). */
  newUse: NewUse[];
  /** Allowed AMIs drift check (when `guard.allowedAmis` is not off): read-only. */
  allowedAmis?: AllowedAmisReport;
  /** With `organization`, after a scan of every account: the monitored set, kept with the last scan. */
  monitoredAccountIds?: string[];
}

export class ScanFilterError extends Error {}

export function describeScope(filters: ScanFilters): string {
  const parts: string[] = [];
  if (filters.accounts?.length) parts.push(`account=${filters.accounts.join(',')}`);
  if (filters.regions?.length) parts.push(`region=${filters.regions.join(',')}`);
  if (filters.kinds?.length) parts.push(`kind=${filters.kinds.join(',')}`);
  return parts.length ? parts.join(' ') : 'all monitored accounts';
}

const WRITE_CONCURRENCY = 16;

/**
 * Scans (all of the config, or the filtered part), then reconciles with the store: records new findings,
 * re-opens ones shared again, marks vanished ones resolved. Findings are only judged gone where the scan
 * listed their account-region-kind successfully, so a failed target never resolves anything.
 */
export async function scanAndRecord(
  deps: CoreDeps,
  filters: ScanFilters,
  onProgress?: (p: ScanProgress) => void,
): Promise<RecordedScan> {
  // With `organization`, discovered now; a discovery failure fails the scan (never an empty one).
  const set = await resolveAccountSet(deps.config, deps.clients);
  // The guard, Block account and Allowed AMIs act on the accounts this scan covers.
  rememberAccountSet(deps, set);
  const all = set.accounts;
  const unknown = (filters.accounts ?? []).filter((id) => !all.some((a) => a.id === id));
  if (unknown.length) throw new ScanFilterError(`not a monitored account: ${unknown.join(', ')}`);
  const accounts = filters.accounts?.length ? all.filter((a) => filters.accounts!.includes(a.id)) : all;
  const kinds = filters.kinds?.length ? filters.kinds : deps.config.kinds;
  const { policy } = await currentTrust(deps.config, deps.store, nowIso(deps), set);

  const result = await scan(
    {
      accounts,
      regions: filters.regions?.length ? filters.regions : deps.config.regions,
      kinds,
      trust: policy,
      blastRadius: deps.config.scan.blastRadius,
    },
    {
      clients: deps.clients,
      concurrency: scanConcurrency(deps.config.aws),
      ...(onProgress ? { onProgress } : {}),
    },
  );

  // One line per failed target, so an operator can find the account and region (docs/operations.md).
  const failed = failedTargetLogEntries(result.targets);
  for (const entry of failed) deps.log.warn(entry, 'target failed');
  recordScan(failed.length ? 'partial' : 'ok', {
    durationMs: result.durationMs,
    failedCodes: failed.map((f) => f.code),
  });
  const monitoredAccountIds = await noteOrganization(deps, set, result, filters);

  const scanned = new Set<string>();
  for (const t of result.targets) {
    if (t.status === 'account-failed') continue;
    for (const k of listedKinds(t, kinds)) scanned.add(scopeKey(t.accountId, t.region, k));
  }

  const known = await deps.store.getFindings(result.findings.map((f) => f.id));
  for (const r of await deps.store.listFindings({ states: ['open', 'owner-only', 'recorded'] }))
    known.set(r.finding.id, r);
  const now = nowIso(deps);
  // Risk (issue 9): owners the store knew before this scan are not "never seen before".
  rankScan(result, deps.config, {
    now,
    knownOwners: new Set([...known.values()].map((r) => r.finding.ownerAccountId)),
  });
  const changes = reconcile(known, result.findings, scanned, now);
  const stored = await persist(deps, known, changes);
  const uses: NewUse[] = [];
  for (const c of stored) {
    const prev = c.type === 'seen' ? known.get(c.record.finding.id) : undefined;
    const use = prev && newUse(prev, c.record);
    if (use) uses.push(use);
  }

  // Drift check of Allowed AMIs: read-only; a failure here never fails the scan.
  let allowedAmis: AllowedAmisReport | undefined;
  if (deps.config.guard.allowedAmis !== 'off')
    allowedAmis = await syncAllowedAmis(deps, { apply: false, accountIds: accounts.map((a) => a.id) }).catch(
      (err: Error) => {
        deps.log.error({ err: err.message }, 'Allowed AMIs check failed');
        return undefined;
      },
    );
  if (allowedAmis) recordGuardDrift('allowed-amis', allowedAmis.counts.drift);

  // A blocked owner's new shares are already denied by the guard (ec2:Owner / owner ARN): not posted as open.
  const { toPost: held, closed: blockedOwnerShares } = await holdBackBlockedOwners(
    deps,
    stored.filter((c) => c.type === 'new' || c.type === 'shared-again').map((c) => c.record),
  );
  const toPost = held.sort((a, b) => compareByRisk(a.finding, b.finding));
  const resolved = stored.filter((c) => c.type === 'resolved').map((c) => c.record);
  const expiredApprovals = await sweepExpiredApprovals(deps);
  deps.log.info(
    {
      scope: describeScope(filters),
      ...result.summary,
      new: count(stored, 'new'),
      resolved: resolved.length,
    },
    'scan recorded',
  );
  return {
    result,
    toPost,
    blockedOwnerShares,
    resolved,
    expiredApprovals,
    counts: {
      new: count(stored, 'new'),
      sharedAgain: count(stored, 'shared-again'),
      resolved: resolved.length,
      seen: count(stored, 'seen'),
    },
    scope: describeScope(filters),
    newUse: uses,
    ...(monitoredAccountIds ? { monitoredAccountIds } : {}),
    ...(allowedAmis ? { allowedAmis } : {}),
  };
}

/**
 * With `organization`: the discovery's counts on the summary, and the accounts new since the last scan
 * (the store's last scan keeps the set; the first scan with an organization has nothing to compare with).
 * Returns the set to keep, only from a scan of every account (a filtered one says nothing about the rest).
 */
async function noteOrganization(
  deps: CoreDeps,
  set: AccountSet,
  result: ScanResult,
  filters: ScanFilters,
): Promise<string[] | undefined> {
  if (!set.organization) return undefined;
  const ids = set.accounts.map((a) => a.id);
  const before = (await deps.store.getLastScan())?.monitoredAccountIds;
  const newAccounts = before ? ids.filter((id) => !before.includes(id)).length : undefined;
  result.summary.organization = {
    accounts: set.organization.discovered,
    skipped: set.organization.skipped,
    excluded: set.organization.excluded,
    ...(newAccounts !== undefined ? { newAccounts } : {}),
  };
  if (newAccounts) deps.log.info({ newAccounts }, 'new accounts monitored');
  return filters.accounts?.length ? undefined : ids;
}

const count = (changes: LifecycleChange[], type: LifecycleChange['type']) =>
  changes.filter((c) => c.type === type).length;

/** Writes each change as one conditional write; a change that lost a race (a decision at that moment) is dropped. */
async function persist(
  deps: CoreDeps,
  known: ReadonlyMap<string, FindingRecord>,
  changes: LifecycleChange[],
): Promise<LifecycleChange[]> {
  // A fixed pool of writers taking changes in order, rather than a task (closure, promise, queued resolver)
  // per change made at once: on an organization's first scan (35,551 findings on L) that queue grows with
  // the organization in the serve process's heap (BENCHMARKS.md, serve's memory).
  const out: Array<LifecycleChange | undefined> = new Array<LifecycleChange | undefined>(changes.length);
  let next = 0;
  const writer = async (): Promise<void> => {
    for (let i = next++; i < changes.length; i = next++) out[i] = await write(changes[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, changes.length) }, writer));
  return out.filter((c): c is LifecycleChange => c !== undefined);

  async function write(change: LifecycleChange): Promise<LifecycleChange | undefined> {
    const id = change.record.finding.id;
    if (change.type === 'new') {
      const created = await deps.store.createFinding(change.record);
      return created ? { type: 'new', record: { ...change.record, version: 1 } } : undefined;
    }
    const prev = known.get(id);
    if (!prev) return undefined;
    const r = change.record;
    if (change.type === 'seen' && findingChanged(prev, r)) {
      // The finding itself changed (blast radius, risk): the whole record is written, conditional on
      // its version, so a decision taken meanwhile wins and this update is dropped like a lost race.
      try {
        return {
          type: 'seen',
          record: await deps.store.saveFinding({ ...prev, finding: r.finding, lastSeenAt: r.lastSeenAt }),
        };
      } catch (err) {
        if (err instanceof StoreConflictError) return undefined;
        throw err;
      }
    }
    const patch =
      change.type === 'shared-again'
        ? {
            state: r.state,
            lastSeenAt: r.lastSeenAt,
            sharedAgainAt: r.sharedAgainAt,
            previousDecision: r.previousDecision,
            decision: undefined,
            // The previous ladder and the org shares it found belong to the previous decision.
            ladder: undefined,
            orgShares: undefined,
            resolvedAt: undefined,
            message: undefined,
          }
        : change.type === 'resolved'
          ? { state: r.state, resolvedAt: r.resolvedAt }
          : { lastSeenAt: r.lastSeenAt };
    const res = await deps.store.transitionFinding(id, [prev.state], patch);
    return res.ok ? { type: change.type, record: res.record } : undefined;
  }
}

/** Whether the parts of a finding a scan refreshes (issue 9: usage, risk) changed. */
function findingChanged(prev: FindingRecord, next: FindingRecord): boolean {
  const a = prev.finding;
  const b = next.finding;
  return (
    JSON.stringify([a.inUse, a.risk, a.riskReasons, a.imageAllowed]) !==
    JSON.stringify([b.inUse, b.risk, b.riskReasons, b.imageAllowed])
  );
}
