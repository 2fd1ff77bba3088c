import type { AwsCredentialIdentity } from '@smithy/types';
import type { Config } from '../config/schema.ts';
import type { MonitoredAccount } from '../aws/account.ts';
import type { AwsSettings } from '../aws/clients.ts';
import { makeTrustPolicy } from '../domain/trust.ts';
import type { ScanRequest } from './scan.ts';
import { scanConcurrency } from './adaptive.ts';

export function monitoredAccounts(config: Config): MonitoredAccount[] {
  return config.accounts.map((a) => {
    const role =
      a.role === 'none'
        ? null
        : typeof a.role === 'object'
          ? { name: a.role.name, ...(a.role.externalId ? { externalId: a.role.externalId } : {}) }
          : { name: a.role ?? config.aws.defaultRole };
    return { id: a.id, ...(a.name ? { name: a.name } : {}), role };
  });
}

export function scanRequestFromConfig(config: Config): ScanRequest {
  const accounts = monitoredAccounts(config);
  return {
    accounts,
    regions: config.regions,
    kinds: config.kinds,
    blastRadius: config.scan.blastRadius,
    trust: makeTrustPolicy({
      trusted: config.trust.accounts.map((t) => ({ accountId: t.id, ...(t.note ? { note: t.note } : {}) })),
      trustMonitoredAccounts: config.trust.monitoredAccounts,
      // Accounts marked `trustedSource: false` (sandboxes) are monitored, but what they share is a finding.
      monitoredAccountIds: config.accounts.filter((a) => a.trustedSource !== false).map((a) => a.id),
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
