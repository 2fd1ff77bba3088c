import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { SocketModeReceiver } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Config } from './config/schema.ts';
import { AwsClients } from './aws/clients.ts';
import { awsSettingsFromConfig } from './scan/from-config.ts';
import { openStore, StoreError, type Store } from './store/index.ts';
import { createLogger, type Logger } from './log.ts';
import type { CoreDeps } from './core/deps.ts';
import { resumeInterruptedBlocks } from './core/block-account.ts';
import { remediationView } from './remediate/registry.ts';
import { SCHEDULE, ScanJob } from './jobs/scan-job.ts';
import { postDigest } from './jobs/digest-job.ts';
import { startSchedules } from './jobs/scheduler.ts';
import { Approvers } from './slack/authorize.ts';
import { createSlackApp, verifyAppToken, verifyBotToken, type SlackSettings } from './slack/app.ts';
import { registerListeners } from './slack/listeners/index.ts';
import { describeSlackError, slackErrorCode } from './slack/listeners/failures.ts';
import { Publisher } from './slack/publisher.ts';
import { Limiter } from './scan/limiter.ts';
import type { SlackContext } from './slack/context.ts';
import { IntentRunner } from './slack/intent-runner.ts';
import { healthHandler, startHealthServer, type HealthState, type SocketState } from './health.ts';
import { StartupError } from './startup-error.ts';

export { StartupError };

/** Clicks carried out at once; the rest wait their turn after being acked (and written as intents). */
const DECISION_CONCURRENCY = 3;
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

export interface RunningServer {
  /** HTTP mode: the base URL (`/slack/events`, `/healthz`). */
  url?: string;
  /** `/healthz` on HEALTH_PORT, when set. */
  healthUrl?: string;
  ctx: SlackContext;
  /** One reconcile pass now (pending intents, stuck removals, the outbox); serve also runs it periodically. */
  reconcile(): ReturnType<IntentRunner['reconcile']>;
  health(): HealthState;
  /** Resolves when the background work started so far (scans, decisions) has finished. */
  idle(): Promise<void>;
  /** Background work not finished yet. */
  pendingCount(): number;
  stop(): Promise<void>;
}

/**
 * Says at start whether the bot can post to the channel (`conversations.info`, scopes channels:read /
 * groups:read). Not fatal: the bot may be invited later, and refusals reach users via response_url.
 */
async function checkChannel(client: WebClient, channel: string, log: Logger): Promise<void> {
  try {
    const res = await client.conversations.info({ channel });
    const name = res.channel?.name ? `#${res.channel.name}` : channel;
    if (res.channel?.is_member === false)
      log.warn(
        { channel, name },
        `shareguard is not a member of ${name}: invite @shareguard to ${name} (/invite @shareguard); posts fail with not_in_channel until then`,
      );
    else log.info({ channel, name }, `posting to ${name}; shareguard is a member`);
  } catch (err) {
    const code = slackErrorCode(err);
    log.warn(
      { channel, err: code ?? (err as Error).message },
      code === 'missing_scope'
        ? 'cannot check channel membership: add the channels:read and groups:read scopes (manifest.yml) and reinstall'
        : `cannot check channel membership: ${describeSlackError(err, channel)}`,
    );
  }
}

/** Builds everything `shareguard serve` runs: store, AWS clients, core, Bolt app, schedules. */
export async function startServer(options: {
  config: Config;
  env: NodeJS.ProcessEnv;
  credentials?: AwsCredentialIdentity;
  log?: Logger;
  schedules?: boolean;
  /** Tests: wraps the opened store (fault injection). */
  wrapStore?: (store: Store) => Store;
}): Promise<RunningServer> {
  const { config, env } = options;
  const log = options.log ?? createLogger();
  const slack = slackSettingsFromEnv(env, config);
  const processSettings = processSettingsFromEnv(env);
  const identity = await verifyBotToken(slack);
  await verifyAppToken(slack);
  let opened: Store;
  try {
    opened = await openStore(config.store, {
      fallbackRegion: config.aws.homeRegion,
      log: (m) => log.info(m),
    });
  } catch (err) {
    if (err instanceof StoreError)
      throw new StartupError(config.store.kind === 'embedded' ? 'store.dataDir' : 'store', err.message, {
        cause: err,
      });
    throw err;
  }
  const clients = new AwsClients(awsSettingsFromConfig(config, options.credentials));
  const store = options.wrapStore ? options.wrapStore(opened) : opened;
  const deps: CoreDeps = { config, store, clients, log };
  const pending = new Set<Promise<unknown>>();
  const state: HealthState = {
    mode: slack.appToken ? 'socket' : 'http',
    socket: slack.appToken ? 'connecting' : 'n/a',
    draining: false,
  };
  const health = healthHandler(() => ({ ...state }), store);
  let stopSchedules: (() => Promise<void>) | undefined;
  let healthServer: Server | undefined;
  let app: ReturnType<typeof createSlackApp>['app'] | undefined;
  try {
    const built = createSlackApp(slack, identity, log, health);
    app = built.app;
    if (slack.appToken) watchSocket(built.receiver as SocketModeReceiver, state, log);
    const publisher = new Publisher(app.client, store, config.slack.channel!, log, {
      postIntervalMs: config.slack.postIntervalMs,
      view: remediationView(config),
    });
    const decisions = new Limiter(DECISION_CONCURRENCY);
    const approvers = new Approvers(config.slack, app.client, log);
    const intents = new IntentRunner(deps, publisher, approvers, decisions);
    const ctx: SlackContext = {
      deps,
      publisher,
      intents,
      approvers,
      scanJob: new ScanJob(deps, publisher),
      decisions,
      track: (work) => {
        const p = work.catch((err: Error) =>
          log.error({ err: err.message, stack: err.stack }, 'background work failed'),
        );
        pending.add(p);
        void p.finally(() => pending.delete(p));
      },
    };
    registerListeners(app, ctx);
    app.error(async (err) => {
      log.error({ err: err.message }, 'slack listener error');
    });
    await checkChannel(app.client, config.slack.channel!, log);

    // Clicks acknowledged before a restart, removals it interrupted, messages it left stale. A store
    // failure here is not fatal: the periodic pass retries.
    const reconcile = async (why: string) => {
      try {
        const r = await intents.reconcile();
        if (r.intents || r.interrupted || r.refreshed || r.failedRefreshes)
          log.info({ ...r, why }, 'reconciled');
      } catch (err) {
        log.warn({ err: (err as Error).message, why }, 'reconcile failed; the next pass retries');
      }
    };
    await reconcile('start');
    const reconcileMs = reconcileIntervalFromEnv(env);
    const reconciler = setInterval(() => ctx.track(reconcile('periodic')), reconcileMs);
    reconciler.unref();
    const resumedBlocks = await resumeInterruptedBlocks(deps);
    if (resumedBlocks.length) await publisher.refresh(resumedBlocks);

    if (processSettings.healthPort !== undefined)
      healthServer = (await startHealthServer(processSettings.healthPort, health)).server;
    const url = slack.appToken ? undefined : await startHttp(app, slack.port);
    if (slack.appToken) await startSocket(app, built.receiver as SocketModeReceiver, slack, log);

    if (options.schedules ?? config.schedule.enabled) {
      const holder = `digest-${randomUUID()}`;
      stopSchedules = startSchedules(
        [
          { name: 'scan', expression: config.schedule.scan, run: () => ctx.scanJob.run({}, SCHEDULE) },
          {
            name: 'digest',
            expression: config.schedule.digest,
            run: () => postDigest(deps, publisher, holder),
          },
        ],
        config.schedule.timezone,
        log,
      );
    }
    const healthAddress = healthServer?.address() as AddressInfo | null | undefined;
    const healthUrl = healthAddress ? `http://127.0.0.1:${healthAddress.port}/healthz` : undefined;
    log.info(
      {
        mode: state.mode,
        ...(url ? { url } : {}),
        ...(healthUrl ? { health: healthUrl } : {}),
        channel: config.slack.channel,
        readers: config.slack.readers,
        accounts: config.accounts.length,
        store: store.info.kind,
        team: identity.teamId,
      },
      'shareguard is ready',
    );
    const idle = async () => {
      while (pending.size) await Promise.all([...pending]);
    };
    const running = app;
    let stopping: Promise<void> | undefined;
    return {
      ...(url ? { url } : {}),
      ...(healthUrl ? { healthUrl } : {}),
      ctx,
      health: () => ({ ...state }),
      idle,
      reconcile: () => intents.reconcile(),
      pendingCount: () => pending.size,
      stop: () =>
        (stopping ??= (async () => {
          // Stop taking work first (schedules, then Slack deliveries), then let what was acked finish.
          state.draining = true;
          clearInterval(reconciler);
          publisher.stop(); // paced posts waiting for a slot give up; the next scan offers them again
          await stopSchedules?.();
          await running.stop();
          await idle();
          await closeServer(healthServer);
          clients.destroy();
          await store.close();
        })()),
    };
  } catch (err) {
    await stopSchedules?.();
    await app?.stop().catch(() => {});
    await closeServer(healthServer);
    clients.destroy();
    await store.close();
    throw err;
  }
}

function reconcileIntervalFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env.RECONCILE_INTERVAL_MS;
  if (raw === undefined || raw === '') return DEFAULT_RECONCILE_INTERVAL_MS;
  if (!/^\d+$/.test(raw) || Number(raw) < 100)
    throw new ServeSetupError([
      `RECONCILE_INTERVAL_MS "${raw}" is not a whole number of milliseconds (100 or more)`,
    ]);
  return Number(raw);
}

async function startHttp(app: NonNullable<ReturnType<typeof createSlackApp>['app']>, port: number) {
  let started: Server | undefined;
  try {
    started = (await app.start(port)) as Server | undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new StartupError(
        'PORT',
        `PORT ${port} is already in use: stop what listens there or set PORT to a free port`,
      );
    throw new StartupError('PORT', `cannot listen on PORT ${port}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const address =
    started && typeof started.address === 'function' ? (started.address() as AddressInfo | null) : null;
  return address ? `http://127.0.0.1:${address.port}` : undefined;
}

/** Connects Socket Mode; no `hello` within the timeout is a startup failure, not an endless wait. */
async function startSocket(
  app: NonNullable<ReturnType<typeof createSlackApp>['app']>,
  receiver: SocketModeReceiver,
  slack: SlackSettings,
  log: Logger,
): Promise<void> {
  const timeoutMs = slack.helloTimeoutMs ?? DEFAULT_HELLO_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const started = app.start();
  const timedOut = new Promise<'timeout'>(
    (resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)),
  );
  try {
    const outcome = await Promise.race([started.then(() => 'connected' as const), timedOut]);
    if (outcome === 'timeout') {
      started.catch(() => {});
      await receiver.client.disconnect().catch(() => {});
      throw new StartupError(
        'SLACK_APP_TOKEN',
        `Socket Mode: no hello from Slack within ${Math.round(timeoutMs / 1000)} s: check that outbound WebSocket connections (wss://wss-primary.slack.com) are allowed and that the app has Socket Mode enabled`,
      );
    }
  } catch (err) {
    if (err instanceof StartupError) throw err;
    log.debug({ err: (err as Error).message }, 'socket mode start failed');
    throw new StartupError('SLACK_APP_TOKEN', `Socket Mode could not connect: ${(err as Error).message}`, {
      cause: err,
    });
  } finally {
    clearTimeout(timer);
  }
}

/** Logs every Socket Mode connect, disconnect (with Slack's reason) and reconnect; keeps the health state. */
function watchSocket(receiver: SocketModeReceiver, state: HealthState, log: Logger): void {
  const client = receiver.client;
  const set = (s: SocketState) => (state.socket = s);
  client.on('connecting', () => set('connecting'));
  client.on('connected', () => {
    set('connected');
    log.info('socket mode connected');
  });
  client.on('reconnecting', () => {
    set('reconnecting');
    log.info('socket mode reconnecting');
  });
  client.on('disconnected', () => {
    set('disconnected');
    log.info('socket mode disconnected');
  });
  client.on('close', () => {
    if (state.socket === 'connected') set('reconnecting');
    log.info('socket mode connection closed');
  });
  client.on('ws_message', (data: unknown) => {
    try {
      const msg = JSON.parse(String(data)) as { type?: string; reason?: string };
      if (msg.type === 'disconnect')
        log.info({ reason: msg.reason }, 'slack asked socket mode to disconnect');
    } catch {
      // not JSON: the client logs it
    }
  });
}

function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * SIGTERM / SIGINT from the first moment of `serve` (before the server is ready): the first signal
 * starts a graceful stop and a deadline (SHUTDOWN_GRACE_MS, default 8 s, below Docker's 10 s); when
 * the deadline passes the process exits anyway, naming how much work was left.
 */
export class Shutdown {
  readonly requested: Promise<NodeJS.Signals>;
  private resolveRequested!: (s: NodeJS.Signals) => void;
  private timer: NodeJS.Timeout | undefined;
  private readonly onSignal = (signal: NodeJS.Signals) => this.begin(signal);
  signal: NodeJS.Signals | undefined;

  constructor(
    private readonly graceMs: number,
    private readonly log: Logger,
    private pending: () => number = () => 0,
    private readonly exit: (code: number) => void = (code) => process.exit(code),
  ) {
    this.requested = new Promise((resolve) => (this.resolveRequested = resolve));
    process.on('SIGTERM', this.onSignal);
    process.on('SIGINT', this.onSignal);
  }

  /** Work still running is counted in the deadline message. */
  setPending(count: () => number): void {
    this.pending = count;
  }

  private begin(signal: NodeJS.Signals): void {
    if (this.signal) {
      this.log.warn({ signal }, 'second signal: exiting now');
      this.exit(1);
      return;
    }
    this.signal = signal;
    this.log.info(
      { signal, graceMs: this.graceMs },
      'shutting down: no new work; finishing what was started',
    );
    this.timer = setTimeout(() => {
      this.log.error(
        { graceMs: this.graceMs, pending: this.pending() },
        'shutdown deadline passed: exiting with work unfinished (decisions already written are resumed at the next start)',
      );
      this.exit(1);
    }, this.graceMs);
    this.resolveRequested(signal);
  }

  /** The graceful stop finished; the deadline timer no longer holds the process. */
  done(): void {
    this.timer?.unref();
    process.off('SIGTERM', this.onSignal);
    process.off('SIGINT', this.onSignal);
  }
}
