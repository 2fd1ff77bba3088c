/** A guard test bed: the simulator with IAM/Organizations, a memory store, and CoreDeps on them. */
import { pino } from 'pino';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { EC2Client } from '@aws-sdk/client-ec2';
import { RDSClient } from '@aws-sdk/client-rds';
import { resolveConfig } from '../../src/config/load.ts';
import type { CoreDeps } from '../../src/core/deps.ts';
import { AwsClients } from '../../src/aws/clients.ts';
import { awsSettingsFromConfig } from '../../src/scan/from-config.ts';
import { openStore } from '../../src/store/index.ts';
import { startSim, type Sim } from '../helpers/scan.ts';
import type { World } from '../helpers/world.ts';

export const A = '111111111111';
export const B = '222222222222';
export const EVIL = '444444444444';
export const OTHER = '666666666666';
export const MGMT = '999999999999';
export const R = 'us-east-1';
export const ALICE = { userId: 'U0ALICE' };
export const WORKLOAD = 'WorkloadRole';

export interface Bed {
  sim: Sim;
  deps: CoreDeps;
  stop(): Promise<void>;
}

export async function startBed(world: World, config: Record<string, unknown>): Promise<Bed> {
  const sim = await startSim(world);
  const resolved = resolveConfig(
    {
      aws: { endpoint: sim.endpoint, maxAttempts: 2 },
      store: { kind: 'memory' },
      ...config,
    },
    { source: 'test' },
  );
  const deps: CoreDeps = {
    config: resolved,
    store: await openStore(resolved.store, { fallbackRegion: R }),
    clients: new AwsClients(
      awsSettingsFromConfig(resolved, { accessKeyId: sim.accessKeyId, secretAccessKey: sim.secretAccessKey }),
    ),
    log: pino({ level: 'silent' }),
  };
  return {
    sim,
    deps,
    stop: async () => {
      deps.clients.destroy();
      await deps.store.close();
      await sim.stop();
    },
  };
}

/** SDK clients acting as a workload role of a monitored account (what the guard must stop). */
export async function actAs(sim: Sim, accountId: string, role: string) {
  const sts = new STSClient({
    region: R,
    endpoint: sim.endpoint,
    credentials: { accessKeyId: sim.accessKeyId, secretAccessKey: sim.secretAccessKey },
    maxAttempts: 1,
  });
  const out = await sts.send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountId}:role/${role}`, RoleSessionName: 'workload' }),
  );
  sts.destroy();
  const c = out.Credentials!;
  const credentials = {
    accessKeyId: c.AccessKeyId!,
    secretAccessKey: c.SecretAccessKey!,
    sessionToken: c.SessionToken!,
  };
  const common = { region: R, endpoint: sim.endpoint, credentials, maxAttempts: 1 };
  const ec2 = new EC2Client(common);
  const rds = new RDSClient(common);
  return {
    ec2,
    rds,
    destroy: () => {
      ec2.destroy();
      rds.destroy();
    },
  };
}

/** The error code of a rejected promise, or `ok` when it succeeded. */
export async function outcomeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return (err as { Code?: string; name?: string }).Code ?? (err as Error).name;
  }
}
