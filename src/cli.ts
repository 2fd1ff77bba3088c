import { existsSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { AwsCredentialIdentity } from '@smithy/types';
import { ConfigError } from './config/errors.ts';
import { ENVIRONMENT_VARIABLES, loadConfig, type ConfigOverrides } from './config/load.ts';
import type { Config } from './config/schema.ts';
import { RESOURCE_KINDS } from './domain/finding.ts';
import { roleArn } from './aws/account.ts';
import { guardRolePolicy } from './guard/iam-actions.ts';
import { awsSettingsFromConfig, monitoredAccounts, scanRequestFromConfig } from './scan/from-config.ts';
import { formatScanReport, scanExitCode, writeChunk, writeScanJson } from './scan/report.ts';
import { scan } from './scan/scan.ts';
import { filterMinRisk, rankScan } from './scan/rank.ts';
import { failOnExitCode } from './scan/risk-report.ts';
import { parseRiskLevel } from './domain/risk.ts';
import type { RiskLevel } from './domain/finding.ts';

export const EXIT = { ok: 0, findings: 1, usage: 2, partial: 3 } as const;

const USAGE = `shareguard — find AMIs and snapshots shared into your AWS accounts by owners you do not trust

Usage:
  shareguard scan [--config FILE] [--world FILE] [--accounts IDS] [--regions LIST|all]
                  [--kinds LIST] [--trust IDS] [--no-trust-monitored] [--endpoint URL] [--json]
                  [--min-risk LEVEL] [--fail-on LEVEL] [--no-blast-radius]
  shareguard serve [--config FILE] [--world FILE] [--accounts IDS] [--regions LIST|all]
                   [--kinds LIST] [--trust IDS] [--channel ID] [--approvers IDS]
                   [--store embedded|memory|dynamodb] [--no-schedule] [--dry-run]
  shareguard remediate --plan [--config FILE]  the removal ladder of every open finding (changes nothing)
  shareguard store init [--config FILE]       create the DynamoDB table
  shareguard config check [--config FILE]
  shareguard guard print [--config FILE] [--format iam|scp|declarative] [--account ID]
                                              the guard policies (deny blocked images/snapshots);
                                              declarative: the Organizations Allowed AMIs policy
  shareguard guard apply [--config FILE] [--world FILE] [--dry-run]
  shareguard allowed-amis check|apply [--config FILE] [--world FILE]
                                              Allowed AMIs vs the trust list (guard.allowedAmis)
  shareguard iam-policy [--config FILE] [--kinds LIST] [--scan-only]
                        [--for scanner|remediation|owner|guard|bot]
  shareguard sim --world FILE [--port N]      run the AWS simulator standalone
  shareguard demo [--yes-trust|--yes-remove]  the bundled demo organization, Slack side included
  shareguard help

serve reads SLACK_BOT_TOKEN always; SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET
with PORT (HTTP mode); SLACK_API_URL overrides the Slack Web API base URL.

The config file defaults to $SHAREGUARD_CONFIG, else ./shareguard.yml when present.
With --world, the simulator starts in-process on that world and no config file is needed.

Exit codes: 0 nothing untrusted and every target scanned; 1 untrusted findings;
            2 usage or configuration error; 3 no findings but some targets failed.
            With --fail-on LEVEL (critical, high, medium, low): 1 only for a finding at or above LEVEL.
            --min-risk LEVEL reports only findings at or above LEVEL.`;

class UsageError extends Error {}

const SCAN_OPTIONS = {
  config: { type: 'string', short: 'c' },
  world: { type: 'string' },
  accounts: { type: 'string' },
  regions: { type: 'string' },
  kinds: { type: 'string' },
  trust: { type: 'string' },
  'no-trust-monitored': { type: 'boolean' },
  endpoint: { type: 'string' },
  json: { type: 'boolean' },
  // issue 9
  'min-risk': { type: 'string' },
  'fail-on': { type: 'string' },
  'no-blast-radius': { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

function riskFlag(name: string, value: string | undefined): RiskLevel | undefined {
  if (value === undefined) return undefined;
  const level = parseRiskLevel(value);
  if (!level) throw new UsageError(`--${name}: expected critical, high, medium or low, got "${value}"`);
  return level;
}

function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

const commaList = (v: string | undefined): string[] | undefined =>
  v === undefined
    ? undefined
    : v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

function overridesFrom(values: {
  accounts?: string | undefined;
  regions?: string | undefined;
  kinds?: string | undefined;
  trust?: string | undefined;
  endpoint?: string | undefined;
  channel?: string | undefined;
  approvers?: string | undefined;
  store?: string | undefined;
  'no-trust-monitored'?: boolean | undefined;
  'no-blast-radius'?: boolean | undefined;
}): ConfigOverrides {
  const o: ConfigOverrides = {};
  const accounts = commaList(values.accounts);
  if (accounts) o.accounts = accounts;
  if (values.regions !== undefined)
    o.regions = values.regions === 'all' ? 'all' : (commaList(values.regions) ?? []);
  const kinds = commaList(values.kinds);
  if (kinds) o.kinds = kinds;
  const trust = commaList(values.trust);
  if (trust) o.trust = trust;
  if (values['no-trust-monitored']) o.trustMonitored = false;
  if (values.endpoint) o.endpoint = values.endpoint;
  if (values.channel) o.channel = values.channel;
  const approvers = commaList(values.approvers);
  if (approvers) o.approvers = approvers;
  if (values.store) o.store = values.store;
  if (values['no-blast-radius']) o.blastRadius = false;
  return o;
}

function configPath(explicit: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (explicit) return explicit;
  if (env.SHAREGUARD_CONFIG) return env.SHAREGUARD_CONFIG;
  return existsSync('shareguard.yml') ? 'shareguard.yml' : undefined;
}

/** A running simulator for `--world`; loaded lazily so production runs never load the simulator. */
export interface WorldSession {
  endpoint: string;
  credentials: AwsCredentialIdentity;
  baseConfig: Record<string, unknown>;
  stop(): Promise<void>;
}

export async function startWorld(file: string): Promise<WorldSession> {
  const [{ start }, { loadWorldFile }] = await Promise.all([
    import('./sim/index.ts'),
    import('./sim/world.ts'),
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
        'no configuration: pass --config FILE (or --world FILE to scan a simulated organization)',
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

async function cmdScan(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parse(args, SCAN_OPTIONS);
  const minRisk = riskFlag('min-risk', values['min-risk']);
  const failOn = riskFlag('fail-on', values['fail-on']);
  const runtime = await loadRuntime(values, overridesFrom(values), env);
  try {
    const showProgress = !values.json && process.stderr.isTTY;
    // Settings, not clients: a scan in worker threads never loads the SDK clients in this thread
    // (test/scan/calling-thread-sdk.test.ts). Nothing this file imports statically may load them.
    const scanned = await scan(scanRequestFromConfig(runtime.config), {
      settings: awsSettingsFromConfig(runtime.config, runtime.credentials),
      concurrency: runtime.config.aws.concurrency,
      ...(showProgress
        ? { onProgress: (p) => process.stderr.write(`\rScanning ${p.done}/${p.total} account-regions…`) }
        : {}),
    });
    if (showProgress) process.stderr.write('\r\x1b[K');
    // Most risky first everywhere; a CLI scan has no history, so no "owner never seen before".
    rankScan(scanned, runtime.config, { now: new Date().toISOString() });
    const result = minRisk ? filterMinRisk(scanned, minRisk) : scanned;
    await writeOutput(() =>
      values.json
        ? writeScanJson(result, process.stdout)
        : writeChunk(process.stdout, `${formatScanReport(result)}\n`),
    );
    return failOn ? failOnExitCode(result, failOn) : scanExitCode(result);
  } finally {
    await runtime.stop();
  }
}

/**
 * Writes to stdout, tolerating a reader that went away (`scan | head`): EPIPE ends the output
 * quietly instead of crashing with a stack trace; the exit code still reports the scan.
 */
async function writeOutput(write: () => Promise<void>): Promise<void> {
  const isEpipe = (err: unknown) => (err as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';
  const onError = (err: Error) => {
    if (!isEpipe(err)) throw err;
  };
  process.stdout.on('error', onError);
  try {
    await write();
  } catch (err) {
    if (!isEpipe(err)) throw err;
  }
}

const SERVE_OPTIONS = {
  ...SCAN_OPTIONS,
  channel: { type: 'string' },
  approvers: { type: 'string' },
  store: { type: 'string' },
  'no-schedule': { type: 'boolean' },
  'dry-run': { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

async function cmdServe(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parse(args, SERVE_OPTIONS);
  if (values.json) throw new UsageError('--json is for scan, not serve');
  const { startServer, ServeSetupError, StartupError, Shutdown, processSettingsFromEnv } =
    await import('./serve.ts');
  const { createLogger } = await import('./log.ts');
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

async function cmdStore(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = (() => {
    try {
      return parseArgs({
        args,
        options: { config: { type: 'string', short: 'c' }, store: { type: 'string' } },
        strict: true,
        allowPositionals: true,
      });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  })();
  const file = configPath(values.config, env);
  if (!file)
    throw new UsageError('store needs the config (store.tableName, store.endpoint): pass --config FILE');
  const config = await loadConfig({ file, env, overrides: values.store ? { store: values.store } : {} });
  const { runStoreCommand } = await import('./store/index.ts');
  return runStoreCommand(positionals, config);
}

async function cmdConfig(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'check') throw new UsageError(`unknown config subcommand ${sub ?? '(none)'}: expected "check"`);
  const { values } = parse(rest, { config: { type: 'string', short: 'c' } });
  const file = configPath(values.config, env);
  if (!file) throw new UsageError('no configuration file: pass --config FILE');
  const config = await loadConfig({ file, env });
  const regions = config.regions === 'all' ? 'all enabled regions' : config.regions.join(', ');
  process.stdout.write(
    `${file}: OK — ${config.accounts.length} account(s), ${regions}, kinds ${config.kinds.join(', ')}, ` +
      `${config.trust.accounts.length} trusted owner(s)${config.trust.monitoredAccounts ? ' + the monitored accounts' : ''}\n`,
  );
  return EXIT.ok;
}

async function cmdIamPolicy(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parse(args, {
    config: { type: 'string', short: 'c' },
    kinds: { type: 'string' },
    'scan-only': { type: 'boolean' },
    for: { type: 'string' },
  });
  // Loaded here: the kinds' modules bring the SDK clients, which `scan` must not load in this thread.
  const { botIdentityPolicy, guardActionsPolicy, ownerRolePolicy, scannerRolePolicy } =
    await import('./aws/iam-policy.ts');
  const target = values.for ?? 'scanner';
  const TARGETS = ['scanner', 'remediation', 'owner', 'guard', 'bot'];
  if (!TARGETS.includes(target))
    throw new UsageError(`--for: expected one of ${TARGETS.join(', ')}, got "${target}"`);
  const file = configPath(values.config, env);
  const config = file
    ? await loadConfig({ file, env, overrides: overridesFrom({ kinds: values.kinds }) })
    : undefined;
  if (target === 'bot') {
    if (!config) throw new UsageError('--for bot needs the config (the monitored accounts and their roles)');
    const arns = monitoredAccounts(config).flatMap((a) => (a.role ? [roleArn(a.id, a.role.name)] : []));
    process.stdout.write(`${JSON.stringify(botIdentityPolicy(arns), null, 2)}\n`);
    return EXIT.ok;
  }
  const kinds = config?.kinds ?? commaList(values.kinds) ?? [...RESOURCE_KINDS];
  const unknown = kinds.filter((k) => !(RESOURCE_KINDS as readonly string[]).includes(k));
  if (unknown.length)
    throw new UsageError(
      `--kinds: unknown kind ${unknown.join(', ')}; expected ${RESOURCE_KINDS.join(', ')}`,
    );
  const typed = kinds as (typeof RESOURCE_KINDS)[number][];
  // scanner: listing (+ the recipient-side rungs unless --scan-only); remediation: the same, in full;
  // owner: the owner-side rungs (sandbox accounts' roles); guard: what the guard calls.
  const policy =
    target === 'owner'
      ? ownerRolePolicy(typed)
      : target === 'guard'
        ? config && config.guard.mode !== 'off'
          ? guardRolePolicy(config)
          : guardActionsPolicy(typed)
        : scannerRolePolicy(typed, {
            remediation: target === 'remediation' || !values['scan-only'],
            blastRadius: config?.scan.blastRadius ?? true,
            allowedAmis: (config?.guard.allowedAmis ?? 'off') !== 'off',
          });
  process.stdout.write(`${JSON.stringify(policy, null, 2)}\n`);
  return EXIT.ok;
}

async function cmdRemediate(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parse(args, { config: { type: 'string', short: 'c' }, plan: { type: 'boolean' } });
  if (!values.plan) throw new UsageError('remediate: only --plan exists (Remove is decided in Slack)');
  const file = configPath(values.config, env);
  if (!file)
    throw new UsageError('remediate --plan needs the config (store and accounts): pass --config FILE');
  const config = await loadConfig({ file, env });
  const [{ openStore }, { formatRemediationPlan }] = await Promise.all([
    import('./store/index.ts'),
    import('./remediate/plan-report.ts'),
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

async function cmdGuard(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  // `guard print --format declarative` is the Allowed AMIs declarative policy (src/allowed-amis).
  if (args[0] === 'print' && args.includes('declarative')) return cmdGuardDeclarative(args, env);
  const [sub, ...rest] = args;
  const { values } = parse(rest, {
    config: { type: 'string', short: 'c' },
    world: { type: 'string' },
    store: { type: 'string' },
    format: { type: 'string' },
    account: { type: 'string' },
    'dry-run': { type: 'boolean' },
  });
  const { runGuardCommand, GuardUsageError } = await import('./guard/cli.ts');
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

async function cmdSim(args: string[]): Promise<number> {
  const { runSimCommand } = await import('./sim/cli.ts');
  return runSimCommand(args);
}

async function cmdDemo(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { runDemo } = await import('./demo/demo.ts');
  return runDemo(args, env);
}

// --- issue 9: Allowed AMIs -------------------------------------------------------------------
const ALLOWED_AMIS_OPTIONS = {
  config: { type: 'string', short: 'c' },
  world: { type: 'string' },
  accounts: { type: 'string' },
  regions: { type: 'string' },
  endpoint: { type: 'string' },
  store: { type: 'string' },
  format: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

async function cmdAllowedAmis(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'check' && sub !== 'apply')
    throw new UsageError(`allowed-amis: expected "check" or "apply", got ${sub ?? '(nothing)'}`);
  const { values } = parse(rest, ALLOWED_AMIS_OPTIONS);
  const runtime = await loadRuntime(values, overridesFrom(values), env);
  try {
    const { runAllowedAmis } = await import('./allowed-amis/cli.ts');
    return await runAllowedAmis(sub, runtime.config, runtime.credentials, process.stdout);
  } finally {
    await runtime.stop();
  }
}

/**
 * `guard print --format declarative` (issue 9). The guard's own `guard` command (src/guard) owns the
 * other formats: when both are merged, its `print` calls printDeclarativePolicy for this format.
 */
async function cmdGuardDeclarative(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [sub, ...rest] = args;
  const { values } = parse(rest, ALLOWED_AMIS_OPTIONS);
  if (sub !== 'print' || values.format !== 'declarative')
    throw new UsageError('guard: expected "print --format declarative"');
  const runtime = await loadRuntime(values, overridesFrom(values), env);
  try {
    const { printDeclarativePolicy } = await import('./allowed-amis/cli.ts');
    return await printDeclarativePolicy(runtime.config, runtime.credentials, process.stdout, process.stderr);
  } finally {
    await runtime.stop();
  }
}

// A Map, not an object: `shareguard constructor` / `toString` must not find Object.prototype's.
const COMMANDS = new Map<string, (args: string[], env: NodeJS.ProcessEnv) => Promise<number>>([
  ['scan', cmdScan],
  ['serve', cmdServe],
  ['store', cmdStore],
  ['config', cmdConfig],
  ['iam-policy', cmdIamPolicy],
  ['remediate', cmdRemediate],
  ['allowed-amis', cmdAllowedAmis],
  ['guard', cmdGuard],
  ['sim', cmdSim],
  ['demo', cmdDemo],
]);

/** node:util parseArgs errors (an unknown or malformed option), wherever a command parses its own. */
function isParseArgsError(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(
      `${USAGE}\n\nEnvironment:\n${Object.entries(ENVIRONMENT_VARIABLES)
        .map(([k, v]) => `  ${k.padEnd(30)} ${v}`)
        .join('\n')}\n`,
    );
    return command ? EXIT.ok : EXIT.usage;
  }
  const run = COMMANDS.get(command);
  try {
    if (!run) throw new UsageError(`unknown command "${command}"`);
    return await run(rest, env);
  } catch (err) {
    if (err instanceof UsageError || isParseArgsError(err)) {
      process.stderr.write(`shareguard: ${(err as Error).message}\n\n${USAGE}\n`);
      return EXIT.usage;
    }
    if (err instanceof ConfigError || (err as Error).name === 'WorldError') {
      process.stderr.write(`shareguard: ${(err as Error).message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
}
