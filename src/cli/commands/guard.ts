import { ALLOWED_AMIS_OPTIONS, overridesFrom, parse } from '../args.ts';
import { loadRuntime } from '../runtime.ts';
import { UsageError } from '../usage.ts';

/** `shareguard guard print|apply`: the guard's own subcommands (src/guard/cli.ts). */
export async function guardCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  // `guard print --format declarative` is the Allowed AMIs declarative policy (src/allowed-amis).
  if (args[0] === 'print' && args.includes('declarative')) return guardDeclarative(args, env);
  const [sub, ...rest] = args;
  const { values } = parse(rest, {
    config: { type: 'string', short: 'c' },
    world: { type: 'string' },
    store: { type: 'string' },
    format: { type: 'string' },
    account: { type: 'string' },
    'dry-run': { type: 'boolean' },
  });
  const { runGuardCommand, GuardUsageError } = await import('../../guard/cli.ts');
  const runtime = await loadRuntime(values, overridesFrom({ store: values.store }), env);
  try {
    return await runGuardCommand(
      sub,
      { format: values.format, account: values.account, dryRun: values['dry-run'] },
      runtime.config,
      runtime.credentials ? { credentials: runtime.credentials } : {},
    );
  } catch (err) {
    if (err instanceof GuardUsageError) throw new UsageError(err.message);
    throw err;
  } finally {
    await runtime.stop();
  }
}

/**
 * `guard print --format declarative` (issue 9). The guard's own `guard` command (src/guard) owns the
 * other formats: when both are merged, its `print` calls printDeclarativePolicy for this format.
 */
async function guardDeclarative(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [sub, ...rest] = args;
  const { values } = parse(rest, ALLOWED_AMIS_OPTIONS);
  if (sub !== 'print' || values.format !== 'declarative')
    throw new UsageError('guard: expected "print --format declarative"');
  const runtime = await loadRuntime(values, overridesFrom(values), env);
  try {
    const { printDeclarativePolicy } = await import('../../allowed-amis/cli.ts');
    return await printDeclarativePolicy(runtime.config, runtime.credentials, process.stdout, process.stderr);
  } finally {
    await runtime.stop();
  }
}
