import { loadConfig } from '../../config/load.ts';
import { configPath, parseWithPositionals } from '../args.ts';
import { UsageError } from '../usage.ts';

/** `shareguard store init`: the store's own subcommands (src/store/cli.ts). */
export async function storeCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseWithPositionals(args, {
    config: { type: 'string', short: 'c' },
    store: { type: 'string' },
  });
  if (positionals[0] !== 'init')
    throw new UsageError(
      positionals[0] === undefined
        ? 'expected a subcommand: init'
        : `unknown store subcommand "${positionals[0]}": expected init`,
    );
  const file = configPath(values.config, env);
  if (!file)
    throw new UsageError('store needs the config (store.tableName, store.endpoint): pass --config FILE');
  const config = await loadConfig({ file, env, overrides: values.store ? { store: values.store } : {} });
  const { runStoreCommand } = await import('../../store/index.ts');
  return runStoreCommand(positionals, config);
}
