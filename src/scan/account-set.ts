import type { AwsClients } from '../aws/clients.ts';
import { discoverOrganization } from '../aws/organization.ts';
import type { Config } from '../config/schema.ts';
import { accountSet, organizationReader, type AccountSet } from './from-config.ts';

/**
 * The accounts this scan covers: the config's, and with `organization` the organization's as
 * Organizations lists them now (discovered at every scan). A discovery failure throws
 * (`OrganizationDiscoveryError`): the scan fails rather than scanning nothing.
 */
export async function resolveAccountSet(config: Config, clients: AwsClients): Promise<AccountSet> {
  const reader = organizationReader(config);
  if (!reader || !config.organization) return accountSet(config);
  return accountSet(config, await discoverOrganization(clients, reader, config.organization));
}
