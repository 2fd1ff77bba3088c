import type { AwsCredentialIdentity } from '@smithy/types';
import type { Config } from '../config/schema.ts';
import type { MonitoredAccount } from '../aws/account.ts';
import type { AwsSettings } from '../aws/clients.ts';
import { makeTrustPolicy } from '../domain/trust.ts';
import type { ScanRequest } from './scan.ts';
import { scanConcurrency } from './adaptive.ts';

type RoleSetting = Config['accounts'][number]['role'];

function roleOf(config: Config, role: RoleSetting): MonitoredAccount['role'] {
  return role === 'none'
    ? null
    : typeof role === 'object'
      ? { name: role.name, ...(role.externalId ? { externalId: role.externalId } : {}) }
      : { name: role ?? config.aws.defaultRole };
}

/**
 * The accounts named in the config. With `organization`, the monitored set is only known after discovery:
 * `accountSet` (what a scan uses) merges both.
 */
export function monitoredAccounts(config: Config): MonitoredAccount[] {
  return config.accounts.map((a) => ({
    id: a.id,
    ...(a.name ? { name: a.name } : {}),
    role: roleOf(config, a.role),
  }));
}

/**
 * The monitored account with this id as the AWS layer acts in it: its `accounts:` entry, else — with
 * `organization`, where any account a scan found a finding in was discovered — `aws.defaultRole` there.
 */
export function monitoredAccount(config: Config, id: string): MonitoredAccount | undefined {
  return (
    monitoredAccounts(config).find((a) => a.id === id) ??
    (config.organization ? { id, role: roleOf(config, undefined) } : undefined)
  );
}

/** Where shareguard lists the organization (`organization.account` with `organization.role`). */
export function organizationReader(config: Config): MonitoredAccount | undefined {
  const o = config.organization;
  return o && { id: o.account, role: roleOf(config, o.role) };
}

/** What Organizations answered, as the account set needs it (src/aws/organization.ts). */
export interface DiscoveredOrganization {
  members: ReadonlyArray<{ id: string; name?: string; state: string }>;
  active: ReadonlyArray<{ id: string; name?: string }>;
  skipped: Readonly<Record<string, number>>;
  excluded: number;
}

/** The accounts a scan covers, and the organization's members for trust. */
export interface AccountSet {
  accounts: MonitoredAccount[];
  /** Every member of the organization (empty without `organization`). */
  organizationAccountIds: string[];
  /** Without `organization`: undefined. */
  organization?: { discovered: number; skipped: Record<string, number>; excluded: number };
}

/**
 * The monitored accounts: without `organization`, the config's; with it, the organization's ACTIVE accounts
 * in scope (named from Organizations; `accounts:` entries only add settings: name, role, trustedSource),
 * plus config accounts outside the organization. A config entry for a member that is not scanned (not
 * ACTIVE, excluded, outside `include`) does not bring it back.
 */
export function accountSet(config: Config, discovered?: DiscoveredOrganization): AccountSet {
  const configured = monitoredAccounts(config);
  if (!config.organization || !discovered) return { accounts: configured, organizationAccountIds: [] };
  const settings = new Map(configured.map((a) => [a.id, a]));
  const members = new Set(discovered.members.map((m) => m.id));
  const accounts: MonitoredAccount[] = discovered.active.map((a) => {
    const own = settings.get(a.id);
    const name = own?.name ?? a.name;
    return { id: a.id, ...(name ? { name } : {}), role: own ? own.role : roleOf(config, undefined) };
  });
  for (const a of configured) if (!members.has(a.id)) accounts.push(a);
  return {
    accounts,
    organizationAccountIds: [...members],
    organization: {
      discovered: discovered.active.length,
      skipped: { ...discovered.skipped },
      excluded: discovered.excluded,
    },
  };
}

/** `trust.organization`: on by default when `organization` is set. */
export function trustsOrganization(config: Config): boolean {
  return config.organization !== undefined && config.trust.organization !== false;
}

export function scanRequestFromConfig(config: Config, set: AccountSet = accountSet(config)): ScanRequest {
  const sandboxes = new Set(config.accounts.filter((a) => a.trustedSource === false).map((a) => a.id));
  return {
    accounts: set.accounts,
    regions: config.regions,
    kinds: config.kinds,
    blastRadius: config.scan.blastRadius,
    trust: makeTrustPolicy({
      trusted: config.trust.accounts.map((t) => ({ accountId: t.id, ...(t.note ? { note: t.note } : {}) })),
      trustMonitoredAccounts: config.trust.monitoredAccounts,
      // Accounts marked `trustedSource: false` (sandboxes) are monitored, but what they share is a finding.
      monitoredAccountIds: set.accounts.map((a) => a.id).filter((id) => !sandboxes.has(id)),
      organizationAccountIds: trustsOrganization(config)
        ? set.organizationAccountIds.filter((id) => !sandboxes.has(id))
        : [],
    }),
  };
}

export function awsSettingsFromConfig(config: Config, credentials?: AwsCredentialIdentity): AwsSettings {
  return {
    ...(config.aws.endpoint ? { endpoint: config.aws.endpoint } : {}),
    homeRegion: config.aws.homeRegion,
    maxAttempts: config.aws.maxAttempts,
    paceScale: config.aws.paceScale,
    roleSessionName: config.aws.roleSessionName,
    maxSockets: scanConcurrency(config.aws).max,
    ...(config.aws.workers ? { workers: config.aws.workers } : {}),
    ...(credentials ? { credentials } : {}),
  };
}
