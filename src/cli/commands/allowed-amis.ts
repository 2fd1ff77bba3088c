import { ALLOWED_AMIS_OPTIONS, overridesFrom, parse } from '../args.ts';
import { loadRuntime } from '../runtime.ts';
import { UsageError } from '../usage.ts';

/** `shareguard allowed-amis check|apply` (issue 9): Allowed AMIs vs the trust list. */
export async function allowedAmisCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'check' && sub !== 'apply')
    throw new UsageError(`allowed-amis: expected "check" or "apply", got ${sub ?? '(nothing)'}`);
  const { values } = parse(rest, ALLOWED_AMIS_OPTIONS);
  const runtime = await loadRuntime(values, overridesFrom(values), env);
  try {
    const { runAllowedAmis } = await import('../../allowed-amis/cli.ts');
    return await runAllowedAmis(sub, runtime.config, runtime.credentials, process.stdout);
  } finally {
    await runtime.stop();
  }
}
