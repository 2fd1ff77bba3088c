import { existsSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CONFIG_YAML_SOURCE, type ConfigOverrides } from '../config/load.ts';
import { parseRiskLevel } from '../domain/risk.ts';
import type { RiskLevel } from '../domain/finding.ts';
import { UsageError } from './usage.ts';

/** Parsing and the flags more than one command shares. */

export const SCAN_OPTIONS = {
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

// --- issue 9: Allowed AMIs (`allowed-amis` and `guard print --format declarative`) ---------------
export const ALLOWED_AMIS_OPTIONS = {
  config: { type: 'string', short: 'c' },
  world: { type: 'string' },
  accounts: { type: 'string' },
  regions: { type: 'string' },
  endpoint: { type: 'string' },
  store: { type: 'string' },
  format: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

export function riskFlag(name: string, value: string | undefined): RiskLevel | undefined {
  if (value === undefined) return undefined;
  const level = parseRiskLevel(value);
  if (!level) throw new UsageError(`--${name}: expected critical, high, medium or low, got "${value}"`);
  return level;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Strict parsing; a mistake is a UsageError that names the command's valid options. */
export function parse<O extends Options>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false });
  } catch (err) {
    throw new UsageError(describeParseError(err, options));
  }
}

/** Like `parse`, with positionals (subcommands such as `store init`). */
export function parseWithPositionals<O extends Options>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError(describeParseError(err, options));
  }
}

/** `--config/-c, --world, …`: the options a command takes, for error messages. */
export function optionList(options: Options): string {
  return [
    ...Object.entries(options).map(([k, o]) => `--${k}${o.short ? `/-${o.short}` : ''}`),
    '--help/-h',
  ].join(', ');
}

/** node:util's parseArgs error in our words (its own text suggests `--` tricks and names nothing valid). */
function describeParseError(err: unknown, options: Options): string {
  const { code, message } = err as { code?: unknown; message: string };
  const quoted = /'([^']+)'/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
    return `unknown option ${quoted ?? message}; valid options: ${optionList(options)}`;
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL')
    return `unexpected argument ${JSON.stringify(quoted ?? message)}; valid options: ${optionList(options)}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const name = /--([\w-]+)/.exec(message)?.[1];
    const option = name ? options[name] : undefined;
    return option?.type === 'string'
      ? `--${name} needs a value`
      : name
        ? `--${name} takes no value`
        : message;
  }
  return message;
}

export const commaList = (v: string | undefined): string[] | undefined =>
  v === undefined
    ? undefined
    : v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

export function overridesFrom(values: {
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

/**
 * Where the configuration comes from: `--config FILE`, else `SHAREGUARD_CONFIG_YAML` (the text itself,
 * named by CONFIG_YAML_SOURCE) or `SHAREGUARD_CONFIG` (a path) — not both —, else ./shareguard.yml.
 */
export function configPath(explicit: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (explicit) return explicit;
  if (env.SHAREGUARD_CONFIG_YAML && env.SHAREGUARD_CONFIG)
    throw new UsageError(
      'both SHAREGUARD_CONFIG (a file) and SHAREGUARD_CONFIG_YAML (the text) are set: unset one',
    );
  if (env.SHAREGUARD_CONFIG_YAML) return CONFIG_YAML_SOURCE;
  if (env.SHAREGUARD_CONFIG) return env.SHAREGUARD_CONFIG;
  return existsSync('shareguard.yml') ? 'shareguard.yml' : undefined;
}
