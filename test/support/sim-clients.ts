// SDK clients that talk to a running simulator as a given account: the base credentials (the
// world's homeAccount) or a role assumed in another account. maxAttempts 1 by default, so a
// provoked error surfaces at once.
import { EC2Client } from '@aws-sdk/client-ec2';
import { RDSClient } from '@aws-sdk/client-rds';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { SimHandle } from '../../src/testing/sim/index.ts';

export interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export function baseCreds(sim: SimHandle): Creds {
  return { accessKeyId: sim.accessKeyId, secretAccessKey: sim.secretAccessKey };
}

/** Credentials of a role of `account` (AssumeRole with the base credentials). */
export async function assume(
  sim: SimHandle,
  account: string,
  role = 'ShareGuardScan',
  sessionName = 'test',
): Promise<Creds> {
  const sts = new STSClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials: baseCreds(sim) });
  const out = await sts.send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/${role}`, RoleSessionName: sessionName }),
  );
  sts.destroy();
  const c = out.Credentials!;
  return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
}

export interface ClientOpts {
  region?: string;
  maxAttempts?: number;
}

export function ec2(sim: SimHandle, credentials: Creds, opts: ClientOpts = {}): EC2Client {
  return new EC2Client({
    endpoint: sim.endpoint,
    region: opts.region ?? 'us-east-1',
    credentials,
    maxAttempts: opts.maxAttempts ?? 1,
  });
}

export function rdsClient(sim: SimHandle, credentials: Creds, opts: ClientOpts = {}): RDSClient {
  return new RDSClient({
    endpoint: sim.endpoint,
    region: opts.region ?? 'us-east-1',
    credentials,
    maxAttempts: opts.maxAttempts ?? 1,
  });
}

export function sts(sim: SimHandle, credentials: Creds, region = 'us-east-1'): STSClient {
  return new STSClient({ endpoint: sim.endpoint, region, credentials, maxAttempts: 1 });
}
