import type { Finding } from './finding.ts';

export interface TrustedAccount {
  accountId: string;
  note?: string;
}

/** Who may share into the monitored accounts without it being a finding. */
export interface TrustPolicy {
  trusted: ReadonlyMap<string, TrustedAccount>;
  /** Monitored accounts sharing among themselves (a golden-AMI pipeline) is normal. */
  trustMonitoredAccounts: boolean;
  monitoredAccountIds: ReadonlySet<string>;
}

export function makeTrustPolicy(input: {
  trusted: Iterable<TrustedAccount>;
  trustMonitoredAccounts: boolean;
  monitoredAccountIds: Iterable<string>;
}): TrustPolicy {
  const trusted = new Map<string, TrustedAccount>();
  for (const t of input.trusted) trusted.set(t.accountId, t);
  return {
    trusted,
    trustMonitoredAccounts: input.trustMonitoredAccounts,
    monitoredAccountIds: new Set(input.monitoredAccountIds),
  };
}

export type TrustVerdict = { trusted: true; reason: 'trust-list' | 'monitored-account' } | { trusted: false };

export function judgeOwner(policy: TrustPolicy, ownerAccountId: string): TrustVerdict {
  if (policy.trusted.has(ownerAccountId)) return { trusted: true, reason: 'trust-list' };
  if (policy.trustMonitoredAccounts && policy.monitoredAccountIds.has(ownerAccountId)) {
    return { trusted: true, reason: 'monitored-account' };
  }
  return { trusted: false };
}

/** Splits findings into the untrusted ones (kept) and a count of the trusted ones (dropped). */
export function applyTrust(
  policy: TrustPolicy,
  findings: readonly Finding[],
): { untrusted: Finding[]; trustedSkipped: number } {
  const untrusted: Finding[] = [];
  let trustedSkipped = 0;
  for (const f of findings) {
    if (judgeOwner(policy, f.ownerAccountId).trusted) trustedSkipped++;
    else untrusted.push(f);
  }
  return { untrusted, trustedSkipped };
}
