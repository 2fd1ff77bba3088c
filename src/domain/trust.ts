export interface TrustedAccount {
  accountId: string;
  note?: string;
}

/**
 * Whether a trust entry with this expiry has lapsed at `now` (both ISO timestamps). Compared by time at
 * every scan: the store has no TTL (dynalite has none) and an entry is kept after it lapses, for the
 * record and the digest.
 */
export function trustExpired(entry: { expiresAt?: string }, now: string): boolean {
  return entry.expiresAt !== undefined && Date.parse(entry.expiresAt) <= Date.parse(now);
}

/** Splits trust entries into those in force and those whose expiry has passed. */
export function partitionByExpiry<T extends { expiresAt?: string }>(
  entries: readonly T[],
  now: string,
): { active: T[]; expired: T[] } {
  const active: T[] = [];
  const expired: T[] = [];
  for (const e of entries) (trustExpired(e, now) ? expired : active).push(e);
  return { active, expired };
}

/** Who may share into the monitored accounts without it being a finding. */
export interface TrustPolicy {
  trusted: ReadonlyMap<string, TrustedAccount>;
  /** Monitored accounts sharing among themselves (a golden-AMI pipeline) is normal. */
  trustMonitoredAccounts: boolean;
  monitoredAccountIds: ReadonlySet<string>;
  /** Accounts of the configured organization (`trust.organization`, docs/aws.md "Organizations"): trusted owners. */
  organizationAccountIds: ReadonlySet<string>;
}

export function makeTrustPolicy(input: {
  trusted: Iterable<TrustedAccount>;
  trustMonitoredAccounts: boolean;
  monitoredAccountIds: Iterable<string>;
  /** Every account of the organization (whatever its state) when `trust.organization` is on. */
  organizationAccountIds?: Iterable<string>;
}): TrustPolicy {
  const trusted = new Map<string, TrustedAccount>();
  for (const t of input.trusted) trusted.set(t.accountId, t);
  return {
    trusted,
    trustMonitoredAccounts: input.trustMonitoredAccounts,
    monitoredAccountIds: new Set(input.monitoredAccountIds),
    organizationAccountIds: new Set(input.organizationAccountIds ?? []),
  };
}

export type TrustVerdict =
  { trusted: true; reason: 'trust-list' | 'monitored-account' | 'organization-account' } | { trusted: false };

export function judgeOwner(policy: TrustPolicy, ownerAccountId: string): TrustVerdict {
  if (policy.trusted.has(ownerAccountId)) return { trusted: true, reason: 'trust-list' };
  if (policy.trustMonitoredAccounts && policy.monitoredAccountIds.has(ownerAccountId)) {
    return { trusted: true, reason: 'monitored-account' };
  }
  if (policy.organizationAccountIds.has(ownerAccountId))
    return { trusted: true, reason: 'organization-account' };
  return { trusted: false };
}

/**
 * Every account id `judgeOwner` trusts, sorted: what Allowed AMIs lists as image providers
 * (src/allowed-amis), so the two can never disagree — a monitored account marked `trustedSource: false`
 * is neither (docs/risk.md "Allowed AMIs in step with the trust list"). Candidates are every id the
 * policy names; each is kept only if `judgeOwner` says trusted, so a new rule there applies here too.
 */
export function trustedOwnerIds(policy: TrustPolicy): string[] {
  const candidates = new Set([...policy.trusted.keys(), ...policy.monitoredAccountIds]);
  return [...candidates].filter((id) => judgeOwner(policy, id).trusted).sort();
}
