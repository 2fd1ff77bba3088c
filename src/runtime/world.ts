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

/** What the base config reads from a world (src/testing is not imported here, not even for types). */
interface WorldAccounts {
  homeAccount: string;
  accounts: Array<{ id: string; name?: string | undefined; organization?: string | undefined }>;
  organizations?: Array<{ arn: string }> | undefined;
}

/**
 * Every account of the world is monitored; the home account with its own credentials. A world that
 * describes an organization (`organizations`, docs/simulator.md) is discovered from its management account
 * instead, the accounts outside it listed.
 */
function baseConfig(world: WorldAccounts): Record<string, unknown> {
  const entry = (a: WorldAccounts['accounts'][number]) => ({
    id: a.id,
    ...(a.name ? { name: a.name } : {}),
    ...(a.id === world.homeAccount ? { role: 'none' } : {}),
  });
  const org = world.organizations?.[0];
  if (!org) return { accounts: world.accounts.map(entry) };
  const management = /::(\d{12}):organization\//.exec(org.arn)![1]!;
  return {
    organization: { account: management, ...(management === world.homeAccount ? { role: 'none' } : {}) },
    accounts: world.accounts
      .filter((a) => a.organization !== org.arn || a.id === world.homeAccount)
      .map(entry),
  };
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
    baseConfig: baseConfig(world),
    stop: () => sim.stop(),
  };
}
