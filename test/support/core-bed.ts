/**
 * The test bed most core and guard tests stand on: the simulator started on a world, the
 * configuration resolved against it (memory store — dynalite over the real SDK — and SDK
 * `maxAttempts: 2` so provoked failures do not retry for long), and CoreDeps on both.
 */
import { pino } from 'pino';
import { afterEach } from 'vitest';
import { AwsClients } from '../../src/aws/clients.ts';
import { resolveConfig } from '../../src/config/load.ts';
import type { CoreDeps } from '../../src/core/deps.ts';
import { awsSettingsFromConfig } from '../../src/scan/from-config.ts';
import { openStore } from '../../src/store/index.ts';
import { startSim, type Sim } from '../helpers/scan.ts';
import type { World } from '../helpers/world.ts';

/** The bed's store credentials: the embedded store accepts only its own key (docs/store.md), and a second replica in a test needs it. */
export const BED_STORE_CREDENTIALS = { accessKeyId: 'core-bed', secretAccessKey: 'core-bed' };

export interface CoreBed {
  sim: Sim;
  deps: CoreDeps;
  stop(): Promise<void>;
}

/** `config` is merged over the bed's `aws` endpoint and memory store (accounts, regions, trust …). */
export async function startCoreBed(world: World, config: Record<string, unknown> = {}): Promise<CoreBed> {
  const sim = await startSim(world);
  const resolved = resolveConfig(
    { aws: { endpoint: sim.endpoint, maxAttempts: 2 }, store: { kind: 'memory' }, ...config },
    { source: 'test' },
  );
  const deps: CoreDeps = {
    config: resolved,
    store: await openStore(resolved.store, {
      fallbackRegion: 'us-east-1',
      localCredentials: BED_STORE_CREDENTIALS,
    }),
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

/**
 * Beds started through `start` are stopped after each test of the file that calls this (at
 * module level), so a failing test cannot leak a simulator or a store.
 */
export function coreBedsPerTest(): {
  start(world: World, config?: Record<string, unknown>): Promise<CoreBed>;
} {
  const running: CoreBed[] = [];
  afterEach(async () => {
    for (const bed of running.splice(0)) await bed.stop();
  });
  return {
    start: async (world, config) => {
      const bed = await startCoreBed(world, config);
      running.push(bed);
      return bed;
    },
  };
}
