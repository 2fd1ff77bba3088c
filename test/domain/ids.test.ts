import { describe, expect, it } from 'vitest';
import { accountFromArn, isAccountId, isRegion, partitionOf } from '../../src/domain/ids.ts';

/** Every region of every partition in the AWS SDK's partition table (@aws-sdk/core, Dec 2026), with its partition. */
const REAL_REGIONS: ReadonlyArray<readonly [region: string, partition: string]> = [
  ...[
    'af-south-1',
    'ap-east-1',
    'ap-east-2',
    'ap-northeast-1',
    'ap-northeast-2',
    'ap-northeast-3',
    'ap-south-1',
    'ap-south-2',
    'ap-southeast-1',
    'ap-southeast-2',
    'ap-southeast-3',
    'ap-southeast-4',
    'ap-southeast-5',
    'ap-southeast-6',
    'ap-southeast-7',
    'ca-central-1',
    'ca-west-1',
    'eu-central-1',
    'eu-central-2',
    'eu-north-1',
    'eu-south-1',
    'eu-south-2',
    'eu-west-1',
    'eu-west-2',
    'eu-west-3',
    'il-central-1',
    'me-central-1',
    'me-south-1',
    'me-west-1',
    'mx-central-1',
    'sa-east-1',
    'sa-west-1',
    'us-east-1',
    'us-east-2',
    'us-west-1',
    'us-west-2',
  ].map((r) => [r, 'aws'] as const),
  ['cn-north-1', 'aws-cn'],
  ['cn-northwest-1', 'aws-cn'],
  ['us-gov-east-1', 'aws-us-gov'],
  ['us-gov-west-1', 'aws-us-gov'],
  ['us-iso-east-1', 'aws-iso'],
  ['us-iso-west-1', 'aws-iso'],
  ['us-isob-east-1', 'aws-iso-b'],
  ['us-isob-west-1', 'aws-iso-b'],
  ['us-isof-east-1', 'aws-iso-f'],
  ['us-isof-south-1', 'aws-iso-f'],
  ['eu-isoe-west-1', 'aws-iso-e'],
  ['eusc-de-east-1', 'aws-eusc'],
];

const NOT_REGIONS = [
  '',
  'all',
  'us-east', // no number
  'useast1',
  'us-1',
  'US-EAST-1', // region names are lower case
  'us_east_1',
  'us-east-1a', // an availability zone
  'use1-az1', // an AZ id
  'us-east-1 ',
  ' us-east-1',
  'us-east-1\n',
  'us--east-1',
  '-us-east-1',
  'us-east-1-',
  'us-east-100', // no region number has three digits
  'u-east-1', // area codes are 2–4 letters
  'useast-east-1',
  'aws-global', // the SDK's pseudo-regions are not regions to scan
  'aws-cn-global',
  'local',
  'us-east-1:evil',
  '*',
];

describe('isRegion', () => {
  it.each(REAL_REGIONS)('accepts %s', (region) => {
    expect(isRegion(region)).toBe(true);
  });

  it.each(NOT_REGIONS)('rejects %j', (value) => {
    expect(isRegion(value)).toBe(false);
  });
});

describe('partitionOf', () => {
  it.each(REAL_REGIONS)('%s is in %s', (region, partition) => {
    expect(partitionOf(region)).toBe(partition);
  });
});

describe('isAccountId', () => {
  it.each(['123456789012', '000000000000', '012345678901'])('accepts %s', (id) => {
    expect(isAccountId(id)).toBe(true);
  });
  it.each([
    '',
    '12345678901',
    '1234567890123',
    '12345678901a',
    ' 123456789012',
    '123456789012\n',
    '１２３４５６７８９０１２',
  ])('rejects %j', (id) => {
    expect(isAccountId(id)).toBe(false);
  });
});

describe('accountFromArn', () => {
  it.each([
    ['arn:aws:rds:us-east-1:444444444444:snapshot:customers-2024', '444444444444'],
    ['arn:aws:rds:us-east-1:444444444444:cluster-snapshot:a:b', '444444444444'],
    ['arn:aws-us-gov:rds:us-gov-west-1:444444444444:snapshot:x', '444444444444'],
    ['arn:aws-cn:rds:cn-north-1:444444444444:snapshot:x', '444444444444'],
    ['arn:aws-eusc:rds:eusc-de-east-1:444444444444:snapshot:x', '444444444444'],
    ['arn:aws:iam::111111111111:role/ops/ShareGuardScanner', '111111111111'],
  ])('%s → %s', (arn, account) => {
    expect(accountFromArn(arn)).toBe(account);
  });

  it.each([
    'arn:aws:ec2:us-east-1::image/ami-0123', // EC2 image ARNs have no account
    'arn:aws:iam::aws:policy/ReadOnlyAccess', // AWS-managed
    'arn:aws:rds:us-east-1:44444444444:snapshot:x', // 11 digits
    'arn:aws:rds:us-east-1:4444444444444:snapshot:x', // 13 digits
    'arn:evil:rds:us-east-1:444444444444:snapshot:x', // not a partition
    'nra:aws:rds:us-east-1:444444444444:snapshot:x',
    '444444444444',
    '',
  ])('none in %j', (value) => {
    expect(accountFromArn(value)).toBeUndefined();
  });
});
