import type { Config } from '../config/schema.ts';
import {
  makeTrustPolicy,
  partitionByExpiry,
  type TrustedAccount,
  type TrustPolicy,
} from '../domain/trust.ts';
import type { TrustEntry } from '../domain/lifecycle.ts';
import type { Store } from '../store/index.ts';
import { trustsOrganization, type AccountSet } from '../scan/from-config.ts';

/**
 * Monitored accounts and organization members as trusted owners; sandboxes (`trustedSource: false`) are
 * neither.
 */
function monitoredOwners(
  config: Config,
  set: AccountSet | undefined,
): { monitoredAccountIds: string[]; organizationAccountIds: string[] } {
  const sandboxes = new Set(config.accounts.filter((a) => a.trustedSource === false).map((a) => a.id));
  const monitored = set ? set.accounts.map((a) => a.id) : config.accounts.map((a) => a.id);
  const members = set && trustsOrganization(config) ? set.organizationAccountIds : [];
  return {
    monitoredAccountIds: monitored.filter((id) => !sandboxes.has(id)),
    organizationAccountIds: members.filter((id) => !sandboxes.has(id)),
  };
}

/**
 * The trust list as it stands at `now`: the config's entries plus those approvers added in Slack whose
 * expiry (if any) has not passed. `expired` lists the stored entries that lapsed: they no longer apply,
 * so their owners' shares are reported again.
 */
export async function currentTrust(
  config: Config,
  store: Store,
  now: string = new Date().toISOString(),
  /** The scan's account set (with `organization`, discovered); default: the config's accounts. */
  accounts?: AccountSet,
): Promise<{ entries: TrustEntry[]; expired: TrustEntry[]; policy: TrustPolicy }> {
  const fromConfig: TrustEntry[] = config.trust.accounts.map((t) => ({
    accountId: t.id,
    ...(t.note ? { note: t.note } : {}),
    addedBy: { system: 'config' },
    addedAt: '',
  }));
  const configured = new Set(fromConfig.map((e) => e.accountId));
  const { active: stored, expired } = partitionByExpiry(
    (await store.listTrust()).filter((e) => !configured.has(e.accountId)),
    now,
  );
  const entries = [...fromConfig, ...stored];
  const trusted: TrustedAccount[] = entries.map((e) => ({
    accountId: e.accountId,
    ...(e.note ? { note: e.note } : {}),
  }));
  return {
    entries,
    expired,
    policy: makeTrustPolicy({
      trusted,
      trustMonitoredAccounts: config.trust.monitoredAccounts,
      ...monitoredOwners(config, accounts),
    }),
  };
}
