/** `shareguard serve`'s settings from the environment; every malformed value is a setup error naming it. */
import { DEFAULT_LEASE_MS } from '../core/decision-runner.ts';
import type { Config } from '../config/schema.ts';
import { DEFAULT_START_RETRY_MS, type SlackSettings } from '../slack/app.ts';

/**
 * How often pending intents, stuck `removing` findings and the message outbox are reconciled
 * (RECONCILE_INTERVAL_MS): a store or Slack outage is finished by the next pass, not by a restart.
 */
export const DEFAULT_RECONCILE_INTERVAL_MS = 60_000;
/** Below Docker's 10 s between SIGTERM and SIGKILL. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 8_000;
/** Socket Mode: Slack's `hello` must arrive within this at start. */
export const DEFAULT_HELLO_TIMEOUT_MS = 30_000;

export class ServeSetupError extends Error {
  constructor(readonly missing: string[]) {
    super(`cannot start: ${missing.join('; ')}`);
    this.name = 'ServeSetupError';
  }
}

/** A whole number from the environment (`1e3`, `80.5`, `-1` are not), or a problem naming the variable. */
function intFromEnv(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number | undefined,
  max: number,
  problems: string[],
): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) > max) {
    problems.push(
      `${name} "${raw}" is not a whole number from 0 to ${max}${name === 'HEALTH_PORT' ? ' (or "off")' : ''}`,
    );
    return fallback;
  }
  return Number(raw);
}

/** Slack settings from the environment, with every missing or malformed piece named at once. */
export function slackSettingsFromEnv(env: NodeJS.ProcessEnv, config: Config): SlackSettings {
  const missing: string[] = [];
  if (!env.SLACK_BOT_TOKEN) missing.push('SLACK_BOT_TOKEN (the bot token, xoxb-…) is not set');
  else if (env.SLACK_BOT_TOKEN.startsWith('xapp-'))
    missing.push('SLACK_BOT_TOKEN is an app-level token (xapp-…): use the Bot User OAuth Token (xoxb-…)');
  if (!env.SLACK_APP_TOKEN && !env.SLACK_SIGNING_SECRET) {
    missing.push('set SLACK_APP_TOKEN (xapp-…, Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)');
  }
  if (env.SLACK_APP_TOKEN && !env.SLACK_APP_TOKEN.startsWith('xapp-'))
    missing.push(
      'SLACK_APP_TOKEN is not an app-level token (xapp-…): create one with connections:write under Basic Information → App-Level Tokens',
    );
  if (!config.slack.channel)
    missing.push('slack.channel (or --channel / SHAREGUARD_SLACK_CHANNEL) is not set');
  if (!config.slack.approvers.users.length && !config.slack.approvers.usergroups.length) {
    missing.push(
      'no approvers: set slack.approvers.users and/or .usergroups (or --approvers / SHAREGUARD_APPROVERS)',
    );
  }
  const port = intFromEnv(env, 'PORT', 3000, 65535, missing)!;
  const helloTimeoutMs = intFromEnv(
    env,
    'SOCKET_HELLO_TIMEOUT_MS',
    DEFAULT_HELLO_TIMEOUT_MS,
    600_000,
    missing,
  )!;
  const startRetryMs = intFromEnv(env, 'SLACK_START_RETRY_MS', DEFAULT_START_RETRY_MS, 3_600_000, missing)!;
  if (missing.length) throw new ServeSetupError(missing);
  return {
    botToken: env.SLACK_BOT_TOKEN!,
    ...(env.SLACK_APP_TOKEN ? { appToken: env.SLACK_APP_TOKEN } : {}),
    ...(env.SLACK_SIGNING_SECRET ? { signingSecret: env.SLACK_SIGNING_SECRET } : {}),
    ...(env.SLACK_API_URL ? { apiUrl: env.SLACK_API_URL } : {}),
    port,
    helloTimeoutMs,
    startRetryMs,
  };
}

/**
 * The health port (`/healthz`, `/metrics`), on by default in both modes: `HEALTH_PORT` when set to a
 * port; unset, Socket Mode listens on `PORT` (default 3000, the port the image exposes) and HTTP mode
 * serves both paths on `PORT` next to `/slack/events` (no second listener); `HEALTH_PORT=off` turns
 * the separate listener off. docs/operations.md.
 */
export interface HealthPortSetting {
  port: number;
  /** The variable a person changes when the port is taken. */
  setting: 'HEALTH_PORT' | 'PORT';
}

/** SHUTDOWN_GRACE_MS, the health port, STORE_TIMEOUT_MS and SCAN_LEASE_MS; malformed values are setup errors. */
export function processSettingsFromEnv(env: NodeJS.ProcessEnv): {
  graceMs: number;
  health?: HealthPortSetting;
  /** Deadline of one store call, retries included (docs/store.md "Timeouts"); the store's default when unset. */
  storeTimeoutMs?: number;
  /** The scan lease's expiry (docs/store.md "Leases"); the scan job's default when unset. */
  scanLeaseMs?: number;
} {
  const problems: string[] = [];
  const graceMs = intFromEnv(env, 'SHUTDOWN_GRACE_MS', DEFAULT_SHUTDOWN_GRACE_MS, 600_000, problems)!;
  const health = healthPortFromEnv(env, problems);
  const storeTimeoutMs = intFromEnv(env, 'STORE_TIMEOUT_MS', undefined, 600_000, problems);
  if (storeTimeoutMs === 0) problems.push('STORE_TIMEOUT_MS "0" must be at least 1 (milliseconds)');
  const scanLeaseMs = intFromEnv(env, 'SCAN_LEASE_MS', undefined, 3_600_000, problems);
  if (scanLeaseMs !== undefined && scanLeaseMs < 1_000)
    problems.push(`SCAN_LEASE_MS "${scanLeaseMs}" must be at least 1000 (milliseconds)`);
  if (problems.length) throw new ServeSetupError(problems);
  return {
    graceMs,
    ...(health ? { health } : {}),
    ...(storeTimeoutMs ? { storeTimeoutMs } : {}),
    ...(scanLeaseMs ? { scanLeaseMs } : {}),
  };
}

function healthPortFromEnv(env: NodeJS.ProcessEnv, problems: string[]): HealthPortSetting | undefined {
  const raw = env.HEALTH_PORT;
  if (raw === 'off') return undefined;
  if (raw === undefined || raw === '') {
    if (!env.SLACK_APP_TOKEN) return undefined; // HTTP mode: on PORT with the Slack endpoints
    return { port: intFromEnv(env, 'PORT', 3000, 65535, problems)!, setting: 'PORT' };
  }
  const port = intFromEnv(env, 'HEALTH_PORT', undefined, 65535, problems);
  return port === undefined ? undefined : { port, setting: 'HEALTH_PORT' };
}

export function reconcileIntervalFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env.RECONCILE_INTERVAL_MS;
  if (raw === undefined || raw === '') return DEFAULT_RECONCILE_INTERVAL_MS;
  if (!/^\d+$/.test(raw) || Number(raw) < 100)
    throw new ServeSetupError([
      `RECONCILE_INTERVAL_MS "${raw}" is not a whole number of milliseconds (100 or more)`,
    ]);
  return Number(raw);
}

/**
 * INTENT_LEASE_MS: how long a replica's claim on a decision intent holds without renewal (default
 * 30 s; renewed every third of it while the run lasts). After a crash, another replica (or the
 * restarted one) takes the intent over once it lapsed.
 */
export function intentLeaseFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env.INTENT_LEASE_MS;
  if (raw === undefined || raw === '') return DEFAULT_LEASE_MS;
  if (!/^\d+$/.test(raw) || Number(raw) < 300)
    throw new ServeSetupError([
      `INTENT_LEASE_MS "${raw}" is not a whole number of milliseconds (300 or more)`,
    ]);
  return Number(raw);
}
