/** `shareguard serve`'s settings from the environment; every malformed value is a setup error naming it. */
import { DEFAULT_LEASE_MS } from '../core/decision-runner.ts';
import type { Config } from '../config/schema.ts';
import type { SlackSettings } from '../slack/app.ts';

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
    problems.push(`${name} "${raw}" is not a whole number from 0 to ${max}`);
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
  if (missing.length) throw new ServeSetupError(missing);
  return {
    botToken: env.SLACK_BOT_TOKEN!,
    ...(env.SLACK_APP_TOKEN ? { appToken: env.SLACK_APP_TOKEN } : {}),
    ...(env.SLACK_SIGNING_SECRET ? { signingSecret: env.SLACK_SIGNING_SECRET } : {}),
    ...(env.SLACK_API_URL ? { apiUrl: env.SLACK_API_URL } : {}),
    port,
    helloTimeoutMs,
  };
}

/** SHUTDOWN_GRACE_MS and HEALTH_PORT; malformed values are setup errors. */
export function processSettingsFromEnv(env: NodeJS.ProcessEnv): { graceMs: number; healthPort?: number } {
  const problems: string[] = [];
  const graceMs = intFromEnv(env, 'SHUTDOWN_GRACE_MS', DEFAULT_SHUTDOWN_GRACE_MS, 600_000, problems)!;
  const healthPort = intFromEnv(env, 'HEALTH_PORT', undefined, 65535, problems);
  if (problems.length) throw new ServeSetupError(problems);
  return { graceMs, ...(healthPort !== undefined ? { healthPort } : {}) };
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
