/**
 * How one target of a scan went: an account-region, or a whole account when its role could not be assumed
 * or its regions not listed. One variant per outcome, so a failed target always says why and which kinds
 * failed, and an account-wide failure has no region to misread (it was the `region: '*'` sentinel; the
 * `--json` output still writes it that way: src/scan/report.ts `targetJson`).
 */
import type { MonitoredAccount } from '../aws/account.ts';
import { cmp, type ResourceKind } from '../domain/finding.ts';

interface TargetAccount {
  accountId: string;
  accountName?: string;
}

/** What the blast-radius lookups (src/scan/enrich.ts) add to an account-region that was reached. */
export interface BlastRadiusNotes {
  /** Blast-radius lookups that failed here: findings kept, their `inUse` marked unknown. */
  usageErrors?: string[];
  /** Untrusted AMIs found here only through instances still running from them (not listed any more). */
  notListedInUse?: number;
  /** Of those, hidden by Allowed AMIs (not allowed). */
  hiddenByAllowedAmis?: number;
}

export interface KindFailure {
  kind: ResourceKind;
  error: string;
}

/** At least one failure, in kind order. */
type KindFailures = readonly [KindFailure, ...KindFailure[]];

/** Every kind asked for was listed in this account-region. */
interface TargetOk extends TargetAccount, BlastRadiusNotes {
  status: 'ok';
  region: string;
}

/** Some kinds were listed (their findings are kept), the others failed. */
interface TargetPartial extends TargetAccount, BlastRadiusNotes {
  status: 'partial';
  region: string;
  failures: KindFailures;
}

/** No kind could be listed in this account-region (region not enabled, throttled past the retries, …). */
interface TargetRegionFailed extends TargetAccount, BlastRadiusNotes {
  status: 'region-failed';
  region: string;
  /** One per kind asked for. */
  failures: KindFailures;
}

/** The account's role could not be assumed or its regions not listed: none of its regions was scanned. */
export interface TargetAccountFailed extends TargetAccount {
  status: 'account-failed';
  error: string;
}

export type TargetResult = TargetOk | TargetPartial | TargetRegionFailed | TargetAccountFailed;
export type FailedTarget = Exclude<TargetResult, TargetOk>;
/** A target that names one region (every outcome but an account-wide failure). */
export type RegionTarget = Exclude<TargetResult, TargetAccountFailed>;

export function isFailed(t: TargetResult): t is FailedTarget {
  return t.status !== 'ok';
}

function accountPart(account: MonitoredAccount): TargetAccount {
  return account.name ? { accountId: account.id, accountName: account.name } : { accountId: account.id };
}

/** An account-region's outcome from its kinds' failures (none: ok) out of the `kindCount` asked for. */
export function regionTargetResult(
  account: MonitoredAccount,
  region: string,
  failures: readonly KindFailure[],
  kindCount: number,
): RegionTarget {
  const sorted = [...failures].sort((a, b) => cmp(a.kind, b.kind));
  if (!isNonEmpty(sorted)) return { ...accountPart(account), region, status: 'ok' };
  const status = sorted.length < kindCount ? 'partial' : 'region-failed';
  return { ...accountPart(account), region, status, failures: sorted };
}

export function accountFailedResult(account: MonitoredAccount, error: string): TargetAccountFailed {
  return { ...accountPart(account), status: 'account-failed', error };
}

/**
 * Why a target failed, in one line: the cause alone when every kind failed the same way (a region not
 * enabled reads better without the kind names), else `kind: error` per failed kind.
 */
export function failureText(t: FailedTarget): string {
  if (t.status === 'account-failed') return t.error;
  const [first, ...rest] = t.failures;
  if (t.status === 'region-failed' && rest.every((f) => f.error === first.error)) return first.error;
  return t.failures.map((f) => `${f.kind}: ${f.error}`).join('; ');
}

/** The blast-radius notes of a target (none for an account-wide failure). */
export function blastRadiusNotes(t: TargetResult): BlastRadiusNotes {
  return t.status === 'account-failed' ? {} : t;
}

/** The kinds of `requested` whose listing completed in this target (none for an account-wide failure). */
export function listedKinds(t: TargetResult, requested: readonly ResourceKind[]): ResourceKind[] {
  switch (t.status) {
    case 'ok':
      return [...requested];
    case 'partial':
      return requested.filter((k) => !t.failures.some((f) => f.kind === k));
    case 'region-failed':
    case 'account-failed':
      return [];
  }
}

function isNonEmpty<T>(items: T[]): items is [T, ...T[]] {
  return items.length > 0;
}
