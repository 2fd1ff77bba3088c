import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { Config } from './config/schema.ts';
import { AwsClients } from './aws/clients.ts';
import { awsSettingsFromConfig } from './scan/from-config.ts';
import { openStore } from './store/index.ts';
import { createLogger, type Logger } from './log.ts';
import type { CoreDeps } from './core/deps.ts';
import { resumeInterruptedRemovals } from './core/decisions.ts';
import { resumeInterruptedBlocks } from './core/block-account.ts';
import { remediationView } from './remediate/registry.ts';
import { SCHEDULE, ScanJob } from './jobs/scan-job.ts';
import { postDigest } from './jobs/digest-job.ts';
import { startSchedules } from './jobs/scheduler.ts';
import { Approvers } from './slack/authorize.ts';
import { createSlackApp, verifyBotToken, type SlackSettings } from './slack/app.ts';
import { registerListeners } from './slack/listeners/index.ts';
import { Publisher } from './slack/publisher.ts';
import { Limiter } from './scan/limiter.ts';
import type { SlackContext } from './slack/context.ts';

/** Clicks carried out at once; the rest wait their turn after being acked. */
const DECISION_CONCURRENCY = 3;

export class ServeSetupError extends Error {
  constructor(readonly missing: string[]) {
    super(`cannot start: ${missing.join('; ')}`);
    this.name = 'ServeSetupError';
  }
}

/** Slack settings from the environment, with every missing piece named at once. */
export function slackSettingsFromEnv(env: NodeJS.ProcessEnv, config: Config): SlackSettings {
  const missing: string[] = [];
  if (!env.SLACK_BOT_TOKEN) missing.push('SLACK_BOT_TOKEN (the bot token, xoxb-…) is not set');
  if (!env.SLACK_APP_TOKEN && !env.SLACK_SIGNING_SECRET) {
    missing.push('set SLACK_APP_TOKEN (xapp-…, Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)');
  }
  if (!config.slack.channel)
    missing.push('slack.channel (or --channel / SHAREGUARD_SLACK_CHANNEL) is not set');
  if (!config.slack.approvers.users.length && !config.slack.approvers.usergroups.length) {
    missing.push(
      'no approvers: set slack.approvers.users and/or .usergroups (or --approvers / SHAREGUARD_APPROVERS)',
    );
  }
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    missing.push(`PORT "${env.PORT}" is not a port number`);
  if (missing.length) throw new ServeSetupError(missing);
  return {
    botToken: env.SLACK_BOT_TOKEN!,
    ...(env.SLACK_APP_TOKEN ? { appToken: env.SLACK_APP_TOKEN } : {}),
    ...(env.SLACK_SIGNING_SECRET ? { signingSecret: env.SLACK_SIGNING_SECRET } : {}),
    ...(env.SLACK_API_URL ? { apiUrl: env.SLACK_API_URL } : {}),
    port,
  };
}

export interface RunningServer {
  /** HTTP mode: the base URL (`/slack/events`, `/healthz`). */
  url?: string;
  ctx: SlackContext;
  /** Resolves when the background work started so far (scans, decisions) has finished. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/** Builds everything `shareguard serve` runs: store, AWS clients, core, Bolt app, schedules. */
export async function startServer(options: {
  config: Config;
  env: NodeJS.ProcessEnv;
  credentials?: AwsCredentialIdentity;
  log?: Logger;
  schedules?: boolean;
}): Promise<RunningServer> {
  const { config, env } = options;
  const log = options.log ?? createLogger();
  const slack = slackSettingsFromEnv(env, config);
  const identity = await verifyBotToken(slack);
  const store = await openStore(config.store, {
    fallbackRegion: config.aws.homeRegion,
    log: (m) => log.info(m),
  });
  const clients = new AwsClients(awsSettingsFromConfig(config, options.credentials));
  const deps: CoreDeps = { config, store, clients, log };
  const pending = new Set<Promise<unknown>>();
  let stopSchedules: (() => Promise<void>) | undefined;
  try {
    const app = createSlackApp(slack, identity, log);
    const publisher = new Publisher(app.client, store, config.slack.channel!, log, {
      postIntervalMs: config.slack.postIntervalMs,
      view: remediationView(config),
    });
    const ctx: SlackContext = {
      deps,
      publisher,
      approvers: new Approvers(config.slack, app.client, log),
      scanJob: new ScanJob(deps, publisher),
      decisions: new Limiter(DECISION_CONCURRENCY),
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

    const resumed = await resumeInterruptedRemovals(deps);
    if (resumed.length) await publisher.refresh(resumed);
    const resumedBlocks = await resumeInterruptedBlocks(deps);
    if (resumedBlocks.length) await publisher.refresh(resumedBlocks);

    const started = (slack.appToken ? await app.start() : await app.start(slack.port)) as Server | undefined;
    const address =
      started && typeof started.address === 'function' ? (started.address() as AddressInfo | null) : null;
    const url = address ? `http://127.0.0.1:${address.port}` : undefined;

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
    log.info(
      {
        mode: slack.appToken ? 'socket' : 'http',
        ...(url ? { url } : {}),
        channel: config.slack.channel,
        accounts: config.accounts.length,
        store: store.info.kind,
        team: identity.teamId,
      },
      'shareguard is ready',
    );
    const idle = async () => {
      while (pending.size) await Promise.all([...pending]);
    };
    return {
      ...(url ? { url } : {}),
      ctx,
      idle,
      stop: async () => {
        await stopSchedules?.();
        await app.stop();
        await idle();
        clients.destroy();
        await store.close();
      },
    };
  } catch (err) {
    await stopSchedules?.();
    clients.destroy();
    await store.close();
    throw err;
  }
}
