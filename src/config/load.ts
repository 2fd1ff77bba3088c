import { readFile } from 'node:fs/promises';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { configSchema, type Config } from './schema.ts';
import { ConfigError, describeIssues } from './errors.ts';

/** Values given on the command line; each replaces the config's value. */
export interface ConfigOverrides {
  accounts?: string[];
  regions?: string[] | 'all';
  kinds?: string[];
  trust?: string[];
  /** false: owners that are monitored accounts are findings too. */
  trustMonitored?: boolean;
  endpoint?: string;
  channel?: string;
  approvers?: string[];
  store?: string;
  /** false: `--no-blast-radius`. */
  blastRadius?: boolean;
}

/**
 * Environment variables shareguard reads, and the config field each one sets.
 * The environment wins over the file; command-line flags win over both.
 */
export const ENVIRONMENT_VARIABLES: Record<string, string> = {
  SHAREGUARD_CONFIG: 'the configuration file (default ./shareguard.yml)',
  SHAREGUARD_CONFIG_YAML: 'the whole configuration as YAML text, instead of a file',
  SHAREGUARD_AWS_ENDPOINT: 'aws.endpoint',
  SHAREGUARD_HOME_REGION: 'aws.homeRegion',
  SHAREGUARD_REGIONS: 'regions (comma list, or "all")',
  SHAREGUARD_SLACK_CHANNEL: 'slack.channel',
  SHAREGUARD_APPROVERS: 'slack.approvers.users (comma list of user ids)',
  SHAREGUARD_APPROVER_GROUPS: 'slack.approvers.usergroups (comma list of user group ids)',
  SHAREGUARD_SLACK_READERS: 'slack.readers (channel | approvers | anyone)',
  SHAREGUARD_STORE: 'store.kind',
  SHAREGUARD_TABLE: 'store.tableName',
  SHAREGUARD_DYNAMODB_ENDPOINT: 'store.endpoint',
  SHAREGUARD_DATA_DIR: 'store.dataDir',
};

type Raw = Record<string, unknown>;

/**
 * The configuration given as text in `SHAREGUARD_CONFIG_YAML` (Fargate, Kubernetes: no file to mount)
 * goes by this name: the CLI passes it as the `file` (src/cli/args.ts `configPath`) and messages name it.
 */
export const CONFIG_YAML_SOURCE = '$SHAREGUARD_CONFIG_YAML';

async function readConfigSource(source: string, env: NodeJS.ProcessEnv): Promise<Raw> {
  if (source !== CONFIG_YAML_SOURCE) return readConfigFile(source);
  const text = env.SHAREGUARD_CONFIG_YAML;
  if (text === undefined || text.trim() === '')
    throw new ConfigError(source, ['SHAREGUARD_CONFIG_YAML is not set or empty']);
  return parseConfigText(text, source);
}

async function readConfigFile(path: string): Promise<Raw> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, [`cannot read the file: ${(err as Error).message}`]);
  }
  return parseConfigText(text, path);
}

function parseConfigText(text: string, path: string): Raw {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` (line ${err.linePos[0].line})` : '';
    throw new ConfigError(path, [`not valid YAML${where}: ${(err as Error).message.split('\n')[0]}`]);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new ConfigError(path, ['expected a YAML mapping at the top level']);
  return doc as Raw;
}

function section(raw: Raw, key: string): Raw {
  const current = raw[key];
  if (current && typeof current === 'object' && !Array.isArray(current)) return current as Raw;
  const fresh: Raw = {};
  raw[key] = fresh;
  return fresh;
}

const list = (s: string): string[] =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

function applyEnvironment(raw: Raw, env: NodeJS.ProcessEnv): void {
  const set = (name: string, apply: (value: string) => void): void => {
    const value = env[name];
    if (value !== undefined && value !== '') apply(value);
  };
  set('SHAREGUARD_AWS_ENDPOINT', (v) => (section(raw, 'aws').endpoint = v));
  set('SHAREGUARD_HOME_REGION', (v) => (section(raw, 'aws').homeRegion = v));
  set('SHAREGUARD_REGIONS', (v) => (raw.regions = v === 'all' ? 'all' : list(v)));
  set('SHAREGUARD_SLACK_CHANNEL', (v) => (section(raw, 'slack').channel = v));
  set('SHAREGUARD_APPROVERS', (v) => (section(section(raw, 'slack'), 'approvers').users = list(v)));
  set(
    'SHAREGUARD_APPROVER_GROUPS',
    (v) => (section(section(raw, 'slack'), 'approvers').usergroups = list(v)),
  );
  set('SHAREGUARD_SLACK_READERS', (v) => (section(raw, 'slack').readers = v));
  set('SHAREGUARD_STORE', (v) => (section(raw, 'store').kind = v));
  set('SHAREGUARD_TABLE', (v) => (section(raw, 'store').tableName = v));
  set('SHAREGUARD_DYNAMODB_ENDPOINT', (v) => (section(raw, 'store').endpoint = v));
  set('SHAREGUARD_DATA_DIR', (v) => (section(raw, 'store').dataDir = v));
}

function applyOverrides(raw: Raw, o: ConfigOverrides): void {
  if (o.accounts) {
    // Keep what the file says about an account (name, role); add the rest with the default role.
    const known = new Map<string, Raw>();
    if (Array.isArray(raw.accounts))
      for (const a of raw.accounts as Raw[]) if (a && typeof a.id === 'string') known.set(a.id, a);
    raw.accounts = o.accounts.map((id) => known.get(id) ?? { id });
  }
  if (o.regions) raw.regions = o.regions;
  if (o.kinds) raw.kinds = o.kinds;
  if (o.trust) section(raw, 'trust').accounts = o.trust.map((id) => ({ id }));
  if (o.trustMonitored !== undefined) section(raw, 'trust').monitoredAccounts = o.trustMonitored;
  if (o.endpoint) section(raw, 'aws').endpoint = o.endpoint;
  if (o.channel) section(raw, 'slack').channel = o.channel;
  if (o.approvers) section(section(raw, 'slack'), 'approvers').users = o.approvers;
  if (o.store) section(raw, 'store').kind = o.store;
  if (o.blastRadius !== undefined) section(raw, 'scan').blastRadius = o.blastRadius;
}

/** Validates a raw config object after environment and overrides; throws ConfigError listing every problem. */
export function resolveConfig(
  raw: Raw,
  options: { source: string; env?: NodeJS.ProcessEnv; overrides?: ConfigOverrides },
): Config {
  const known = Object.keys(configSchema.shape);
  const keys = Object.keys(raw);
  if (keys.length && !keys.some((k) => known.includes(k))) {
    // Not a shareguard config at all (a wrong --config path): say so without echoing its content.
    const guesses = keys.flatMap((k) => {
      const near = closestKey(k, known);
      return near ? [`${JSON.stringify(k)} (did you mean ${near}?)`] : [];
    });
    throw new ConfigError(options.source, [
      `not a shareguard configuration: none of its top-level keys is a setting` +
        (guesses.length ? `: ${guesses.join(', ')}` : '') +
        ` (settings: ${known.join(', ')})`,
    ]);
  }
  const merged = structuredClone(raw);
  applyEnvironment(merged, options.env ?? {});
  applyOverrides(merged, options.overrides ?? {});
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) throw new ConfigError(options.source, describeIssues(parsed.error));
  const duplicates = findDuplicates(parsed.data.accounts.map((a) => a.id));
  if (duplicates.length) {
    throw new ConfigError(
      options.source,
      duplicates.map((id) => `accounts: account ${id} is listed more than once`),
    );
  }
  return parsed.data;
}

export async function loadConfig(options: {
  file?: string;
  base?: Raw;
  env?: NodeJS.ProcessEnv;
  overrides?: ConfigOverrides;
}): Promise<Config> {
  const raw = options.file
    ? await readConfigSource(options.file, options.env ?? {})
    : structuredClone(options.base ?? {});
  return resolveConfig(raw, {
    source: options.file ?? 'configuration',
    env: options.env ?? {},
    overrides: options.overrides ?? {},
  });
}

function findDuplicates(values: string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const v of values) (seen.has(v) ? dup : seen).add(v);
  return [...dup];
}

/** The known key within two edits of `key` (a typo such as `acounts`), if exactly one is closest. */
function closestKey(key: string, known: readonly string[]): string | undefined {
  const scored = known.map((k) => ({ k, d: editDistance(key.toLowerCase(), k.toLowerCase()) }));
  const best = Math.min(...scored.map((s) => s.d));
  const at = scored.filter((s) => s.d === best);
  return best <= 2 && at.length === 1 ? at[0]!.k : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}
