import type { AwsCredentialIdentity } from '@smithy/types';

/**
 * A running simulator for `--world` (the CLI) and for the demo. Its own module so the CLI and the demo
 * both use it without importing each other. The simulator is loaded lazily, so production runs never
 * load it.
 */
export interface WorldSession {
  endpoint: string;
  credentials: AwsCredentialIdentity;
  baseConfig: Record<string, unknown>;
  stop(): Promise<void>;
}

export async function startWorld(file: string): Promise<WorldSession> {
  const [{ start }, { loadWorldFile }] = await Promise.all([
    import('../testing/sim/index.ts'),
    import('../testing/sim/world.ts'),
  ]);
  const world = await loadWorldFile(file);
  const sim = await start({ world });
  return {
    endpoint: sim.endpoint,
    credentials: { accessKeyId: sim.accessKeyId, secretAccessKey: sim.secretAccessKey },
    // Every account of the world is monitored; the home account with its own credentials.
    baseConfig: {
      accounts: world.accounts.map((a) => ({
        id: a.id,
        ...(a.name ? { name: a.name } : {}),
        ...(a.id === world.homeAccount ? { role: 'none' } : {}),
      })),
    },
    stop: () => sim.stop(),
  };
}
