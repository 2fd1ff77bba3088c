import { loadConfig } from '../../config/load.ts';
import { configPath, parse } from '../args.ts';
import { EXIT, UsageError } from '../usage.ts';

/** `shareguard remediate --plan`: the removal ladder of every open finding; changes nothing. */
export async function remediateCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parse(args, { config: { type: 'string', short: 'c' }, plan: { type: 'boolean' } });
  if (!values.plan) throw new UsageError('remediate: only --plan exists (Remove is decided in Slack)');
  const file = configPath(values.config, env);
  if (!file)
    throw new UsageError('remediate --plan needs the config (store and accounts): pass --config FILE');
  const config = await loadConfig({ file, env });
  const [{ openStore }, { formatRemediationPlan }] = await Promise.all([
    import('../../store/index.ts'),
    import('../../remediate/plan-report.ts'),
  ]);
  const store = await openStore(config.store, { fallbackRegion: config.aws.homeRegion });
  try {
    const open = await store.listFindings({ states: ['open'] });
    process.stdout.write(`${formatRemediationPlan(config, open)}\n`);
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
