import { loadConfig } from '../../config/load.ts';
import { configPath, parse } from '../args.ts';
import { EXIT, UsageError } from '../usage.ts';

/** `shareguard config check`: loads and validates the config, one line of what it holds. */
export async function configCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'check') throw new UsageError(`unknown config subcommand ${sub ?? '(none)'}: expected "check"`);
  const { values } = parse(rest, { config: { type: 'string', short: 'c' } });
  const file = configPath(values.config, env);
  if (!file) throw new UsageError('no configuration file: pass --config FILE');
  const config = await loadConfig({ file, env });
  const regions = config.regions === 'all' ? 'all enabled regions' : config.regions.join(', ');
  process.stdout.write(
    `${file}: OK — ${config.organization ? `the accounts of the organization (from ${config.organization.account}) + ` : ''}${config.accounts.length} account(s), ${regions}, kinds ${config.kinds.join(', ')}, ` +
      `${config.trust.accounts.length} trusted owner(s)${config.trust.monitoredAccounts ? ' + the monitored accounts' : ''}\n`,
  );
  return EXIT.ok;
}
