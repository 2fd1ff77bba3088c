import { App, LogLevel } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import type { Logger } from '../log.ts';

type BoltApp = InstanceType<typeof App>;
type BoltLogger = NonNullable<ConstructorParameters<typeof App>[0]>['logger'];
type BoltLogLevel = (typeof LogLevel)[keyof typeof LogLevel];

/** Bolt's Logger interface over pino. */
function boltLogger(log: Logger): NonNullable<BoltLogger> {
  let current = log;
  const fmt = (msg: unknown[]) => msg.map((m) => (typeof m === 'string' ? m : JSON.stringify(m))).join(' ');
  const levels: Record<string, BoltLogLevel> = {
    debug: LogLevel.DEBUG,
    info: LogLevel.INFO,
    warn: LogLevel.WARN,
    error: LogLevel.ERROR,
  };
  return {
    debug: (...msg: unknown[]) => current.debug(fmt(msg)),
    info: (...msg: unknown[]) => current.info(fmt(msg)),
    warn: (...msg: unknown[]) => current.warn(fmt(msg)),
    error: (...msg: unknown[]) => current.error(fmt(msg)),
    setLevel: (level: BoltLogLevel) => {
      current.level = level;
    },
    getLevel: () => levels[current.level] ?? LogLevel.INFO,
    setName: (name: string) => {
      current = current.child({ component: name });
    },
  };
}

export interface SlackSettings {
  botToken: string;
  /** Socket Mode when set (no public endpoint). */
  appToken?: string;
  /** HTTP mode: requests are verified with it. */
  signingSecret?: string;
  /** Web API base URL (a proxy, or the local stand-in); Slack's own when absent. */
  apiUrl?: string;
  port: number;
}

export interface SlackIdentity {
  botUserId: string;
  botId: string;
  teamId: string;
}

/**
 * Web API base as the WebClient wants it (`…/api/`, method names appended). Slack's methods always live
 * under `/api/`, so a bare host (`http://127.0.0.1:8080`) gets it added; any other path is taken as is.
 */
export function apiBase(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const u = new URL(url);
  if (u.pathname === '' || u.pathname === '/') u.pathname = '/api/';
  else if (!u.pathname.endsWith('/')) u.pathname += '/';
  return u.toString();
}

/**
 * Checks the bot token before Bolt does: Bolt's constructor calls auth.test itself and a failure there
 * is an unhandled rejection that kills the process. Here it becomes a clear error instead.
 */
export async function verifyBotToken(settings: SlackSettings): Promise<SlackIdentity> {
  const slackApiUrl = apiBase(settings.apiUrl);
  const client = new WebClient(settings.botToken, {
    ...(slackApiUrl ? { slackApiUrl } : {}),
    retryConfig: { retries: 2 },
  });
  try {
    const res = await client.auth.test();
    if (!res.user_id || !res.bot_id)
      throw new Error('auth.test did not identify a bot user; is SLACK_BOT_TOKEN a bot token (xoxb-)?');
    return { botUserId: res.user_id, botId: res.bot_id, teamId: res.team_id ?? '' };
  } catch (err) {
    throw new Error(`Slack rejected SLACK_BOT_TOKEN (auth.test): ${(err as Error).message}`, { cause: err });
  }
}

/** The Bolt app: Socket Mode or HTTP (`/slack/events`, `/healthz`). */
export function createSlackApp(settings: SlackSettings, identity: SlackIdentity, log: Logger): BoltApp {
  const slackApiUrl = apiBase(settings.apiUrl);
  const common = {
    token: settings.botToken,
    botId: identity.botId,
    botUserId: identity.botUserId,
    logger: boltLogger(log.child({ component: 'bolt' })),
    logLevel: LogLevel.INFO,
    clientOptions: { ...(slackApiUrl ? { slackApiUrl } : {}) },
  };
  if (settings.appToken) {
    return new App({ ...common, appToken: settings.appToken, socketMode: true });
  }
  return new App({
    ...common,
    signingSecret: settings.signingSecret!,
    customRoutes: [
      {
        path: '/healthz',
        method: ['GET'],
        handler: (_req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('ok');
        },
      },
    ],
  });
}

export type { BoltApp };
