import { AwsClients } from '../../src/aws/clients.ts';
import type { MonitoredAccount } from '../../src/aws/account.ts';
import { RESOURCE_KINDS, type ResourceKind } from '../../src/domain/finding.ts';
import { makeTrustPolicy } from '../../src/domain/trust.ts';
import { scan, type ScanResult } from '../../src/scan/scan.ts';
import { start } from '../../src/testing/sim/index.ts';
import type { World } from './world.ts';

export type Sim = Awaited<ReturnType<typeof start>>;

export async function startSim(world: World): Promise<Sim> {
  return start({ world });
}

export function clientsFor(sim: Sim, options: { maxAttempts?: number; paceScale?: number } = {}): AwsClients {
  return new AwsClients({
    endpoint: sim.endpoint,
    homeRegion: 'us-east-1',
    maxAttempts: options.maxAttempts ?? 6,
    paceScale: options.paceScale ?? 1,
    roleSessionName: 'shareguard-test',
    maxSockets: 32,
    credentials: { accessKeyId: sim.accessKeyId, secretAccessKey: sim.secretAccessKey },
  });
}

export function monitored(ids: string[], home = '000000000000'): MonitoredAccount[] {
  return ids.map((id) => ({ id, role: id === home ? null : { name: 'ShareGuardScanner' } }));
}

export async function scanWorld(
  sim: Sim,
  opts: {
    accounts: string[];
    regions?: 'all' | string[];
    kinds?: ResourceKind[];
    trusted?: string[];
    trustMonitored?: boolean;
    maxAttempts?: number;
    paceScale?: number;
    concurrency?: number;
  },
): Promise<ScanResult> {
  const clients = clientsFor(sim, opts);
  try {
    return await scan(
      {
        accounts: monitored(opts.accounts),
        regions: opts.regions ?? 'all',
        kinds: opts.kinds ?? [...RESOURCE_KINDS],
        trust: makeTrustPolicy({
          trusted: (opts.trusted ?? []).map((accountId) => ({ accountId })),
          trustMonitoredAccounts: opts.trustMonitored ?? true,
          monitoredAccountIds: opts.accounts,
        }),
      },
      { clients, concurrency: opts.concurrency ?? 16 },
    );
  } finally {
    clients.destroy();
  }
}
