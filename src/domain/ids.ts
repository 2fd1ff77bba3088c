/**
 * AWS identifiers as shareguard validates and takes them apart: account ids, region names, partitions
 * and ARNs. The one place for these patterns (docs/aws.md "Identifiers"); the `…_SOURCE` strings are for
 * patterns that embed one (a finding id, an SCP target).
 */

/** An AWS account id: exactly 12 digits, leading zeros included. */
export const ACCOUNT_ID_SOURCE = '\\d{12}';
export const ACCOUNT_ID_PATTERN = new RegExp(`^${ACCOUNT_ID_SOURCE}$`);

export function isAccountId(value: string): boolean {
  return ACCOUNT_ID_PATTERN.test(value);
}

/**
 * A region name in any partition: an area code of 2–4 letters, one or more words, a number —
 * `us-east-1`, `il-central-1`, `us-gov-west-1`, `cn-northwest-1`, `us-isob-east-1`, `eusc-de-east-1`.
 * The shape every partition's `regionRegex` in the AWS SDK shares (docs/aws.md "Identifiers"), not a list
 * of today's area codes, so a region AWS opens later is accepted without a release; a name that does not
 * exist fails at scan time as a failed target. The area is 2–4 letters for the European Sovereign Cloud
 * (`eusc-`); the number is 1–2 digits (`\d+` in the SDK, but none is longer and a bound keeps names short).
 */
export const REGION_SOURCE = '[a-z]{2,4}(?:-[a-z]+)+-\\d{1,2}';
export const REGION_PATTERN = new RegExp(`^${REGION_SOURCE}$`);

export function isRegion(value: string): boolean {
  return REGION_PATTERN.test(value);
}

/** Region prefixes outside the `aws` partition, the longer of two overlapping ones first (docs/aws.md). */
const PARTITION_BY_PREFIX: ReadonlyArray<readonly [prefix: string, partition: string]> = [
  ['us-gov-', 'aws-us-gov'],
  ['us-isob-', 'aws-iso-b'],
  ['us-isof-', 'aws-iso-f'],
  ['us-iso-', 'aws-iso'],
  ['eu-isoe-', 'aws-iso-e'],
  ['eusc-', 'aws-eusc'],
  ['cn-', 'aws-cn'],
];

/** The AWS partition a region belongs to, for building ARNs (`aws` for every commercial region). */
export function partitionOf(region: string): string {
  return PARTITION_BY_PREFIX.find(([prefix]) => region.startsWith(prefix))?.[1] ?? 'aws';
}

/** The parts of an ARN: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` (region and account may be empty). */
interface Arn {
  partition: string;
  service: string;
  region: string;
  account: string;
  /** Everything after the fifth colon, colons included (`snapshot:NAME`, `role/path/NAME`). */
  resource: string;
}

/**
 * Structural on purpose: the partition is `aws` or `aws-…`, the other parts are whatever AWS put there
 * (an ARN comes from AWS; the account is checked where it is used, `accountFromArn`).
 */
const ARN_PATTERN = /^arn:(aws(?:-[a-z]+)*):([^:]+):([^:]*):([^:]*):(.*)$/s;

/** An ARN taken apart, or undefined when the string is not one. */
function parseArn(value: string): Arn | undefined {
  const m = ARN_PATTERN.exec(value);
  if (!m) return undefined;
  const [, partition, service, region, account, resource] = m;
  return {
    partition: partition!,
    service: service!,
    region: region!,
    account: account!,
    resource: resource!,
  };
}

/** The 12-digit account id in an ARN, or undefined when it has none (`aws`-owned, EC2 images, not an ARN). */
export function accountFromArn(value: string): string | undefined {
  const account = parseArn(value)?.account;
  return account && isAccountId(account) ? account : undefined;
}
