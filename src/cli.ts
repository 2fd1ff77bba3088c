import { existsSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { AwsCredentialIdentity } from '@smithy/types';
import { ConfigError } from './config/errors.ts';
import { ENVIRONMENT_VARIABLES, loadConfig, type ConfigOverrides } from './config/load.ts';
import type { Config } from './config/schema.ts';
import { RESOURCE_KINDS } from './domain/finding.ts';
import { roleArn } from './aws/account.ts';
import { AwsClients } from './aws/clients.ts';
import { botIdentityPolicy, scannerRolePolicy } from './aws/iam-policy.ts';
import { awsSettingsFromConfig, monitoredAccounts, scanRequestFromConfig } from './scan/from-config.ts';
import { formatScanReport, scanExitCode, writeScanJson } from './scan/report.ts';
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
                   [--store embedded|memory|dynamodb] [--no-schedule]
  shareguard store init [--config FILE]       create the DynamoDB table
  shareguard config check [--config FILE]
  shareguard iam-policy [--config FILE] [--kinds LIST] [--scan-only] [--for scanner|bot]
  shareguard allowed-amis check|apply [--config FILE] [--world FILE]
                                              Allowed AMIs vs the trust list (guard.allowedAmis)
  shareguard guard print --format declarative [--config FILE]
                                              the Organizations declarative policy for Allowed AMIs
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
  const clients = new AwsClients(awsSettingsFromConfig(runtime.config, runtime.credentials));
  try {
    const showProgress = !values.json && process.stderr.isTTY;
    const scanned = await scan(scanRequestFromConfig(runtime.config), {
      clients,
      concurrency: runtime.config.aws.concurrency,
      ...(showProgress
        ? { onProgress: (p) => process.stderr.write(`\rScanning ${p.done}/${p.total} account-regions…`) }
        : {}),
    });
    if (showProgress) process.stderr.write('\r\x1b[K');
    // Most risky first everywhere; a CLI scan has no history, so no "owner never seen before".
    rankScan(scanned, runtime.config, { now: new Date().toISOString() });
    const result = minRisk ? filterMinRisk(scanned, minRisk) : scanned;
    if (values.json) await writeScanJson(result, process.stdout);
    else process.stdout.write(`${formatScanReport(result)}\n`);
    return failOn ? failOnExitCode(result, failOn) : scanExitCode(result);
  } finally {
    clients.destroy();
    await runtime.stop();
  }
}

const SERVE_OPTIONS = {
  ...SCAN_OPTIONS,
  channel: { type: 'string' },
  approvers: { type: 'string' },
  store: { type: 'string' },
  'no-schedule': { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

async function cmdServe(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parse(args, SERVE_OPTIONS);
  if (values.json) throw new UsageError('--json is for scan, not serve');
  const runtime = await loadRuntime(values, overridesFrom(values), env);
  const { startServer, ServeSetupError } = await import('./serve.ts');
  let server;
  try {
    server = await startServer({
      config: runtime.config,
      env,
      ...(runtime.credentials ? { credentials: runtime.credentials } : {}),
      ...(values['no-schedule'] ? { schedules: false } : {}),
    });
  } catch (err) {
    await runtime.stop();
    if (err instanceof ServeSetupError) {
      process.stderr.write(
        `shareguard serve: cannot start, missing settings:\n  - ${err.missing.join('\n  - ')}\n`,
      );
      return EXIT.usage;
    }
    throw err;
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.stop();
  await runtime.stop();
  return EXIT.ok;
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
  const target = values.for ?? 'scanner';
  if (target !== 'scanner' && target !== 'bot')
    throw new UsageError(`--for: expected "scanner" or "bot", got "${target}"`);
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
  const policy = scannerRolePolicy(kinds as (typeof RESOURCE_KINDS)[number][], {
    remediation: !values['scan-only'],
    blastRadius: config?.scan.blastRadius ?? true,
    allowedAmis: (config?.guard.allowedAmis ?? 'off') !== 'off',
  });
  process.stdout.write(`${JSON.stringify(policy, null, 2)}\n`);
  return EXIT.ok;
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

const COMMANDS: Record<string, (args: string[], env: NodeJS.ProcessEnv) => Promise<number>> = {
  'allowed-amis': cmdAllowedAmis,
  guard: cmdGuardDeclarative,
  scan: cmdScan,
  serve: cmdServe,
  store: cmdStore,
  config: cmdConfig,
  'iam-policy': cmdIamPolicy,
  sim: cmdSim,
  demo: cmdDemo,
};

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
  const run = COMMANDS[command];
  try {
    if (!run) throw new UsageError(`unknown command "${command}"`);
    return await run(rest, env);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`shareguard: ${err.message}\n\n${USAGE}\n`);
      return EXIT.usage;
    }
    if (err instanceof ConfigError || (err as Error).name === 'WorldError') {
      process.stderr.write(`shareguard: ${(err as Error).message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
}
