// Shared fixtures: a small world with one resource per visibility rule; the SDK clients that
// talk to a running simulator as a given account are in test/support/sim-clients.ts.
import type { SimHandle } from '../../src/testing/sim/index.ts';

export const HOME = '000000000000';
export const A = '111111111111'; // the scanned account: in org O and OU1
export const B = '222222222222'; // refuses AssumeRole
export const C = '333333333333'; // in org O, owns images shared with A
export const OUTSIDER = '999999999999'; // owns most shared things; has no credentials
export const AMAZON = '137112412989';
export const ORG = 'arn:aws:organizations::999999999999:organization/o-abc123';
export const OU1 = 'arn:aws:organizations::999999999999:ou/o-abc123/ou-ab12-cdef3456';
export const OU2 = 'arn:aws:organizations::999999999999:ou/o-abc123/ou-ab12-99999999';

const T = '2024-05-01T00:00:00.000Z';

function image(id: string, owner: string, launchPermissions: object[], extra: object = {}) {
  return { id, region: 'us-east-1', owner, name: `name-${id}`, creationDate: T, launchPermissions, ...extra };
}

export function smallWorld(): Record<string, unknown> {
  return {
    homeAccount: HOME,
    accounts: [
      { id: HOME, name: 'security', regions: ['us-east-1'], assumeRole: 'allow' },
      {
        id: A,
        name: 'prod-app',
        regions: ['us-east-1', 'eu-west-1'],
        assumeRole: 'allow',
        organization: ORG,
        ous: [OU1],
        allowedAmis: { 'eu-west-1': { state: 'enabled', providers: ['amazon'] } },
      },
      { id: B, regions: ['us-east-1'], assumeRole: 'deny' },
      { id: C, regions: ['us-east-1'], assumeRole: 'allow', organization: ORG },
    ],
    images: [
      image('ami-own', A, []),
      image('ami-direct', OUTSIDER, [{ userId: A }]),
      image('ami-org', OUTSIDER, [{ organizationArn: ORG }]),
      image('ami-ou', OUTSIDER, [{ organizationalUnitArn: OU1 }]),
      image('ami-otherou', OUTSIDER, [{ organizationalUnitArn: OU2 }]),
      image('ami-public', OUTSIDER, [{ group: 'all' }]),
      image('ami-pubdirect', OUTSIDER, [{ group: 'all' }, { userId: A }]),
      image('ami-deprecated', OUTSIDER, [{ userId: A }], { deprecationTime: '2020-01-01T00:00:00.000Z' }),
      image('ami-future', OUTSIDER, [{ userId: A }], { deprecationTime: '2999-01-01T00:00:00.000Z' }),
      image('ami-disabled', A, [], { state: 'disabled' }),
      image('ami-xdisabled', OUTSIDER, [{ userId: A }], { state: 'disabled' }),
      image('ami-other', OUTSIDER, [{ userId: '444444444444' }]),
      image('ami-cowned', C, [{ userId: A }], {
        blockDeviceMappings: [{ deviceName: '/dev/xvda', snapshotId: 'snap-cowned' }],
      }),
      image('ami-amazon', AMAZON, [{ userId: A }], { ownerAlias: 'amazon' }),
      { ...image('ami-eu', OUTSIDER, [{ userId: A }]), region: 'eu-west-1' },
      {
        ...image('ami-euamazon', AMAZON, [{ group: 'all' }, { userId: A }], { ownerAlias: 'amazon' }),
        region: 'eu-west-1',
      },
    ],
    snapshots: [
      snapshot('snap-own', A, []),
      snapshot('snap-direct', OUTSIDER, [{ userId: A }]),
      snapshot('snap-public', OUTSIDER, [{ group: 'all' }]),
      snapshot('snap-other', OUTSIDER, [{ userId: '444444444444' }]),
      snapshot('snap-cowned', C, [{ userId: A }]),
      snapshot('snap-cfree', C, [{ userId: A }]),
    ],
    dbSnapshots: [
      rds('orders-2024-05-01', OUTSIDER, [A]),
      rds('mine-2024-05-01', A, []),
      rds('public-2024-05-01', OUTSIDER, ['all']),
      rds('cshared', C, [A, '444444444444']),
      rds('orders-2024-05-01', C, []), // same identifier, another owner
    ],
    dbClusterSnapshots: [
      rds('aurora-2024-05-01', OUTSIDER, [A], 'aurora-postgresql'),
      rds('caurora', C, [A], 'aurora-mysql'),
    ],
    instances: [
      { id: 'i-0001', account: A, region: 'us-east-1', imageId: 'ami-direct' },
      { id: 'i-0002', account: A, region: 'us-east-1', imageId: 'ami-own' },
      { id: 'i-0003', account: C, region: 'us-east-1', imageId: 'ami-direct' },
    ],
    volumes: [
      { id: 'vol-0001', account: A, region: 'us-east-1', snapshotId: 'snap-direct' },
      { id: 'vol-0002', account: A, region: 'us-east-1', snapshotId: 'snap-own' },
    ],
  };
}

function snapshot(id: string, owner: string, createVolumePermissions: object[]) {
  return {
    id,
    region: 'us-east-1',
    owner,
    description: `desc ${id}`,
    startTime: T,
    volumeSize: 8,
    encrypted: false,
    createVolumePermissions,
  };
}

function rds(id: string, owner: string, restore: string[], engine = 'postgres') {
  return { id, region: 'us-east-1', owner, engine, createTime: T, restore };
}

export { assume, baseCreds, ec2, rdsClient, sts, type Creds } from '../support/sim-clients.ts';

/** The error a promise rejects with (fails the test when it resolves). */
export async function failure(
  p: Promise<unknown>,
): Promise<{ name: string; message: string; status?: number }> {
  try {
    await p;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** A raw signed-looking Query request (for what the SDK cannot send, like unknown actions). */
export async function rawQuery(
  sim: SimHandle,
  body: string,
  opts: { service?: string; region?: string; accessKeyId?: string | null } = {},
): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (opts.accessKeyId !== null) {
    const key = opts.accessKeyId ?? sim.accessKeyId;
    headers.authorization =
      `AWS4-HMAC-SHA256 Credential=${key}/20240501/${opts.region ?? 'us-east-1'}/${opts.service ?? 'ec2'}/aws4_request, ` +
      'SignedHeaders=host;x-amz-date, Signature=0000';
  }
  const res = await fetch(sim.endpoint, { method: 'POST', headers, body });
  return { status: res.status, text: await res.text() };
}
