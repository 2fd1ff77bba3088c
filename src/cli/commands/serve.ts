import type { ParseArgsConfig } from 'node:util';
import { overridesFrom, parse, SCAN_OPTIONS } from '../args.ts';
import { loadRuntime, type LoadedRuntime } from '../runtime.ts';
import { EXIT, UsageError } from '../usage.ts';

const SERVE_OPTIONS = {
  ...SCAN_OPTIONS,
  channel: { type: 'string' },
  approvers: { type: 'string' },
  store: { type: 'string' },
  'no-schedule': { type: 'boolean' },
  'dry-run': { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

/** `shareguard serve`: the Slack bot until a signal; the server is loaded lazily (scan never loads it). */
export async function serveCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parse(args, SERVE_OPTIONS);
  if (values.json) throw new UsageError('--json is for scan, not serve');
  const { startServer, ServeSetupError, StartupError, Shutdown, processSettingsFromEnv } =
    await import('../../serve.ts');
  const { createLogger } = await import('../../log.ts');
  const log = createLogger();
  let graceMs: number;
  try {
    graceMs = processSettingsFromEnv(env).graceMs;
  } catch (err) {
    if (err instanceof ServeSetupError) return setupFailed(err.missing);
    throw err;
  }
  // Signals are handled from here on, before anything slow (the simulator, Slack, the store) starts.
  const shutdown = new Shutdown(graceMs, log);
  const stopped = shutdown.requested.then(() => 'signal' as const);
  let runtime: LoadedRuntime | undefined;
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    const starting = (async () => {
      runtime = await loadRuntime(values, overridesFrom(values), env);
      // Every remediation rung runs as a plan: EC2 DryRun=true, nothing changes, messages say "would".
      if (values['dry-run']) runtime.config.remediation.dryRun = true;
      server = await startServer({
        config: runtime.config,
        env,
        log,
        ...(runtime.credentials ? { credentials: runtime.credentials } : {}),
        ...(values['no-schedule'] ? { schedules: false } : {}),
      });
      return 'ready' as const;
    })();
    const first = await Promise.race([starting, stopped]);
    if (first === 'signal') {
      // Stopped before ready: let the start finish or fail (the deadline bounds it), then clean up.
      await starting.catch(() => {});
    } else {
      shutdown.setPending(() => server!.pendingCount());
      await stopped;
    }
  } catch (err) {
    await runtime?.stop().catch(() => {});
    shutdown.done();
    if (err instanceof ServeSetupError) return setupFailed(err.missing);
    if (err instanceof StartupError) {
      process.stderr.write(`shareguard serve: cannot start: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
  await server?.stop();
  await runtime?.stop();
  log.info('stopped');
  shutdown.done();
  return EXIT.ok;
}

function setupFailed(missing: string[]): number {
  process.stderr.write(`shareguard serve: cannot start:\n  - ${missing.join('\n  - ')}\n`);
  return EXIT.usage;
}
