/** A guard test bed: the simulator with IAM/Organizations, a memory store, and CoreDeps on them. */
import { EC2Client } from '@aws-sdk/client-ec2';
import { RDSClient } from '@aws-sdk/client-rds';
import type { Sim } from '../helpers/scan.ts';
import { startCoreBed, type CoreBed } from '../support/core-bed.ts';
import { assume } from '../support/sim-clients.ts';

export const A = '111111111111';
export const B = '222222222222';
export const EVIL = '444444444444';
export const OTHER = '666666666666';
export const MGMT = '999999999999';
export const R = 'us-east-1';
export const ALICE = { userId: 'U0ALICE' };
export const WORKLOAD = 'WorkloadRole';

/** The guard's bed is the shared core bed (test/support/core-bed.ts). */
export type Bed = CoreBed;
export const startBed = startCoreBed;

/** SDK clients acting as a workload role of a monitored account (what the guard must stop). */
export async function actAs(sim: Sim, accountId: string, role: string) {
  const credentials = await assume(sim, accountId, role, 'workload');
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
