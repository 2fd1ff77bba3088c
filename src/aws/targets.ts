import { DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import type { MonitoredAccount } from './account.ts';
import type { AwsClients } from './clients.ts';

/**
 * The regions to scan in one account: the given list, or every region enabled for the account
 * (DescribeRegions answers only enabled ones unless AllRegions is asked for).
 */
export async function regionsFor(
  clients: AwsClients,
  account: MonitoredAccount,
  regions: 'all' | readonly string[],
): Promise<string[]> {
  // Fail fast and once per account when its role cannot be assumed.
  await clients.credentialsFor(account)();
  if (regions !== 'all') return [...regions];
  const out = await clients.ec2(account, clients.settings.homeRegion).send(new DescribeRegionsCommand({}));
  const names = (out.Regions ?? []).flatMap((r) => (r.RegionName ? [r.RegionName] : []));
  return [...new Set(names)].sort();
}
