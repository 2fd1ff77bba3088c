import { DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import type { MonitoredAccount } from './account.ts';
import type { AwsClients } from './clients.ts';
import { awsErrorCode } from './errors.ts';

/** Regions enabled by default in every account; tried in turn when the home region answers "not enabled". */
export const DEFAULT_REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-central-1',
  'eu-north-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-south-1',
  'ca-central-1',
  'sa-east-1',
] as const;

/** Errors that mean "this region is not enabled for the account" rather than a real failure. */
const REGION_NOT_ENABLED = new Set(['AuthFailure', 'OptInRequired', 'UnrecognizedClientException']);

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
  const home = clients.settings.homeRegion;
  const candidates = [home, ...DEFAULT_REGIONS.filter((r) => r !== home)];
  let lastError: unknown;
  for (const region of candidates) {
    try {
      const out = await clients.ec2(account, region).send(new DescribeRegionsCommand({}));
      const names = (out.Regions ?? []).flatMap((r) => (r.RegionName ? [r.RegionName] : []));
      return [...new Set(names)].sort();
    } catch (err) {
      if (!REGION_NOT_ENABLED.has(awsErrorCode(err) ?? '')) throw err;
      lastError = err;
    }
  }
  throw lastError;
}
