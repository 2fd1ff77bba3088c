import type { AwsCredentialIdentity } from '@smithy/types';
import { loadConfig, type ConfigOverrides } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { startWorld } from '../runtime/world.ts';
import { configPath } from './args.ts';
import { UsageError } from './usage.ts';

export interface LoadedRuntime {
  config: Config;
  credentials?: AwsCredentialIdentity;
  stop(): Promise<void>;
}

/** Config from file/env/flags, with a simulator behind it when `--world` is given. */
export async function loadRuntime(
  values: { config?: string | undefined; world?: string | undefined; endpoint?: string | undefined },
  overrides: ConfigOverrides,
  env: NodeJS.ProcessEnv,
): Promise<LoadedRuntime> {
  const file = configPath(values.config, env);
  if (!values.world) {
    if (!file)
      throw new UsageError(
        'no configuration: pass --config FILE, set SHAREGUARD_CONFIG_YAML to its text, or --world FILE to scan a simulated organization',
      );
    return { config: await loadConfig({ file, env, overrides }), stop: async () => {} };
  }
  const world = await startWorld(values.world);
  try {
    const config = await loadConfig({
      ...(file ? { file } : { base: world.baseConfig }),
      env,
      overrides: { endpoint: world.endpoint, ...overrides },
    });
    return { config, credentials: world.credentials, stop: world.stop };
  } catch (err) {
    await world.stop();
    throw err;
  }
}
