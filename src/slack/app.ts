import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { App, HTTPReceiver, LogLevel, SocketModeReceiver } from '@slack/bolt';
import { WebClient, type RetryOptions } from '@slack/web-api';
import type { Logger } from '../log.ts';
import { recordSlackRetry } from '../metrics.ts';
import { StartupError } from '../startup-error.ts';
import { withoutCredentials } from '../redact.ts';
import { slackErrorCode } from './listeners/failures.ts';

type BoltApp = InstanceType<typeof App>;
type BoltLogger = NonNullable<ConstructorParameters<typeof App>[0]>['logger'];
type BoltLogLevel = (typeof LogLevel)[keyof typeof LogLevel];

/**
 * Every Web API call: a few quick retries, each request cut off after 10 s, no retry started after
 * 15 s (the WebClient's default policy retries for ~30 minutes, holding shutdown and queues up).
 * A 429 still waits its Retry-After before the retry. docs/slack.md "Retries".
 */
export const SLACK_RETRY: RetryOptions = {
  retries: 2,
  factor: 2,
  minTimeout: 500,
  maxTimeout: 3_000,
  maxRetryTime: 15_000,
};
export const SLACK_REQUEST_TIMEOUT_MS = 10_000;

const BOLT_LEVELS: Record<string, BoltLogLevel> = {
  trace: LogLevel.DEBUG,
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
  fatal: LogLevel.ERROR,
  silent: LogLevel.ERROR,
};

/** Bolt's level for our logger's: LOG_LEVEL=debug must reach Bolt (and the Socket Mode client). */
export function boltLevel(log: Logger): BoltLogLevel {
  return BOLT_LEVELS[log.level] ?? LogLevel.INFO;
}

/** Bolt's Logger interface over pino. pino's level (LOG_LEVEL) stays the one that decides. */
export function boltLogger(log: Logger): NonNullable<BoltLogger> {
  let current = log;
  const fmt = (msg: unknown[]) => msg.map((m) => (typeof m === 'string' ? m : JSON.stringify(m))).join(' ');
  return {
    debug: (...msg: unknown[]) => current.debug(fmt(msg)),
    info: (...msg: unknown[]) => current.info(fmt(msg)),
    warn: (...msg: unknown[]) => current.warn(fmt(msg)),
    error: (...msg: unknown[]) => current.error(fmt(msg)),
    // Bolt and the Socket Mode client call setLevel with their own default (INFO); obeying it would
    // silence LOG_LEVEL=debug, so the level is ours.
    setLevel: () => {},
    getLevel: () => boltLevel(current),
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
  /** Socket Mode: how long to wait for Slack's `hello` before giving up at start (default 30 s). */
  helloTimeoutMs?: number;
  /** How long transient Slack failures at start are retried (SLACK_START_RETRY_MS, default 2 min). */
  startRetryMs?: number;
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
  let u: URL;
  // A proxy password in the URL is never quoted back (docs/slack.md "Secrets in logs").
  const shown = withoutCredentials(url);
  try {
    u = new URL(url);
  } catch {
    throw new StartupError(
      'SLACK_API_URL',
      `SLACK_API_URL "${shown}" is not a URL: use https://slack.com/api/ or unset it`,
    );
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new StartupError(
      'SLACK_API_URL',
      `SLACK_API_URL "${shown}" is not an http(s) URL: use https://slack.com/api/ or unset it`,
    );
  // The WebClient cannot send a URL with credentials in it (fetch refuses to build the request):
  // say so at once rather than retrying a request that can never be made.
  if (u.username || u.password)
    throw new StartupError(
      'SLACK_API_URL',
      `SLACK_API_URL "${shown}" has credentials in it, which the Slack client cannot send: use a proxy that needs none in the URL (HTTPS_PROXY), or unset it`,
    );
  if (u.pathname === '' || u.pathname === '/') u.pathname = '/api/';
  else if (!u.pathname.endsWith('/')) u.pathname += '/';
  return u.toString();
}

/**
 * Each failed attempt that will be retried, counted by reason (src/metrics.ts). The WebClient wraps its
 * own "A rate limit was exceeded" (thrown after waiting out a 429's Retry-After) as a request error.
 */
function countRetry(
  err: Error & { retriesLeft?: number; code?: unknown; original?: { message?: unknown } },
): void {
  if (!err.retriesLeft) return;
  const original = typeof err.original?.message === 'string' ? err.original.message : '';
  recordSlackRetry(
    err.code === 'slack_webapi_http_error'
      ? 'http'
      : original.startsWith('A rate limit was exceeded')
        ? 'ratelimited'
        : 'network',
  );
}

/** WebClient options every client of ours uses. */
export function clientOptions(apiUrl: string | undefined) {
  const slackApiUrl = apiBase(apiUrl);
  return {
    ...(slackApiUrl ? { slackApiUrl } : {}),
    retryConfig: { ...SLACK_RETRY, onFailedAttempt: countRetry },
    timeout: SLACK_REQUEST_TIMEOUT_MS,
  };
}

/**
 * A request that failed without an answer (a timeout, a connection reset): Slack may have carried it
 * out. Not a 429 wait (the WebClient reports its own "A rate limit was exceeded" the same way).
 */
export function isUnansweredRequest(err: unknown): boolean {
  const e = err as { code?: unknown; original?: { message?: unknown } } | undefined;
  const original = typeof e?.original?.message === 'string' ? e.original.message : '';
  return e?.code === 'slack_webapi_request_error' && !original.startsWith('A rate limit was exceeded');
}

/**
 * For `chat.postMessage` only: the same policy, except that a request left unanswered is not sent
 * again blindly (a post Slack carried out but answered late would be doubled, D12). The publisher
 * looks for it in the channel first. docs/slack.md "Posts answered late".
 */
export function postingClientOptions(apiUrl: string | undefined) {
  const base = clientOptions(apiUrl);
  return {
    ...base,
    retryConfig: {
      ...SLACK_RETRY,
      onFailedAttempt: (err: Error & { retriesLeft?: number }) => {
        if (isUnansweredRequest(err)) throw err; // p-retry: a throw here stops the retries
        countRetry(err);
      },
    },
  };
}

/**
 * Slack's error codes that mean "try again later", not "this token or setting is wrong". Errors without
 * a Slack code (a 5xx after the WebClient's own retries, a 429 it gave up on, a network failure) are
 * transient too. docs/slack.md "Start".
 */
const TRANSIENT_CODES = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'ratelimited',
  'rate_limited',
]);

/** How long `serve` keeps retrying a transient Slack failure at start (SLACK_START_RETRY_MS) before exiting 2. */
export const DEFAULT_START_RETRY_MS = 120_000;
const START_BACKOFF_MS = { first: 500, max: 15_000 };

export function isTransientSlackError(err: unknown): boolean {
  const code = slackErrorCode(err);
  return code === undefined || TRANSIENT_CODES.has(code);
}

/** A Slack failure at start, named after the setting to fix. */
function startupFailure(
  setting: string,
  what: string,
  err: unknown,
  apiUrl: string | undefined,
  retriedMs: number,
): StartupError {
  const code = slackErrorCode(err);
  const where = withoutCredentials(apiUrl ?? 'https://slack.com/api/');
  const retriedFor = retriedMs > 0 ? `; retried for ${Math.round(retriedMs / 1000)} s` : '';
  if (!code || TRANSIENT_CODES.has(code)) {
    return new StartupError(
      'SLACK_API_URL',
      `Slack is unreachable at ${where} (${what}: ${withoutCredentials(code ?? (err as Error).message)}${retriedFor}): check the network, proxy or SLACK_API_URL`,
    );
  }
  const hints: Record<string, string> = {
    invalid_auth: `${setting} is not a valid token: copy it again from the app's settings`,
    not_authed: `${setting} is empty: set it`,
    account_inactive: `${setting} belongs to a deactivated app or workspace: reinstall the app`,
    token_revoked: `${setting} was revoked: reinstall the app and copy the new token`,
    not_allowed_token_type:
      setting === 'SLACK_APP_TOKEN'
        ? 'SLACK_APP_TOKEN is not an app-level token: create one (xapp-…) with connections:write under Basic Information → App-Level Tokens'
        : 'SLACK_BOT_TOKEN is not a bot token: use the Bot User OAuth Token (xoxb-…)',
  };
  return new StartupError(setting, `${hints[code] ?? `${setting} was refused`} (${what}: ${code})`);
}

/**
 * One start-time Slack call, retried with backoff while Slack fails transiently (a Slack incident or a
 * proxy hiccup must not kill a deployment) for up to `startRetryMs`; a permanent refusal (a wrong
 * token) is a StartupError at once.
 */
async function atStart<T>(
  setting: string,
  what: string,
  settings: SlackSettings,
  log: Logger | undefined,
  call: () => Promise<T>,
): Promise<T> {
  const budget = settings.startRetryMs ?? DEFAULT_START_RETRY_MS;
  const started = Date.now();
  let delay = START_BACKOFF_MS.first;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const elapsed = Date.now() - started;
      if (!isTransientSlackError(err) || elapsed + delay > budget)
        throw startupFailure(setting, what, err, settings.apiUrl, attempt > 1 ? elapsed : 0);
      log?.warn(
        {
          call: what,
          err: withoutCredentials(slackErrorCode(err) ?? (err as Error).message),
          retryInMs: delay,
        },
        'Slack failed at start; retrying',
      );
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, START_BACKOFF_MS.max);
    }
  }
}

/**
 * Checks the bot token before Bolt does: Bolt's constructor calls auth.test itself and a failure there
 * is an unhandled rejection that kills the process. Here it becomes a clear error instead.
 */
export async function verifyBotToken(settings: SlackSettings, log?: Logger): Promise<SlackIdentity> {
  // The SDK's own logger would print its retries before our one-line startup error says what failed.
  const client = new WebClient(settings.botToken, {
    ...clientOptions(settings.apiUrl),
    logLevel: LogLevel.ERROR,
  });
  const res = await atStart('SLACK_BOT_TOKEN', 'auth.test', settings, log, () => client.auth.test());
  if (!res.user_id || !res.bot_id)
    throw new StartupError(
      'SLACK_BOT_TOKEN',
      'SLACK_BOT_TOKEN does not identify a bot user (auth.test): use the Bot User OAuth Token (xoxb-…)',
    );
  return { botUserId: res.user_id, botId: res.bot_id, teamId: res.team_id ?? '' };
}

/**
 * Socket Mode: one `apps.connections.open` with the app token before the Socket Mode client starts.
 * The client treats `not_allowed_token_type` (an xoxb- token given as SLACK_APP_TOKEN) as recoverable
 * and retries forever; here it is a startup error naming the setting.
 */
export async function verifyAppToken(settings: SlackSettings, log?: Logger): Promise<void> {
  if (!settings.appToken) return;
  const client = new WebClient(settings.appToken, {
    ...clientOptions(settings.apiUrl),
    logLevel: LogLevel.ERROR,
  });
  await atStart('SLACK_APP_TOKEN', 'apps.connections.open', settings, log, () =>
    client.apps.connections.open({}),
  );
}

/** Body sizes Bolt accepts (its default). */
const BODY_LIMIT = 4 * 1024 * 1024;

/**
 * HTTP mode: a signed body that is JSON `null` (or `payload=null`) makes Bolt 5.1's receiver throw
 * outside any handler (`body.ssl_check` of null) and the process dies. Such bodies are answered 400
 * before Bolt sees them; everything else reaches Bolt buffered, exactly as sent (it verifies signatures).
 */
export function guardRequestBodies(receiver: HTTPReceiver, signingSecret: string, log: Logger): void {
  const inner = receiver.requestListener;
  receiver.requestListener = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST') return inner(req, res);
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > BODY_LIMIT) tooLarge = true;
      else chunks.push(c);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (tooLarge) {
        res.writeHead(413).end();
        return;
      }
      // Bolt refuses a timestamp older than 5 minutes but not one from the future: a signed request
      // captured ahead of time would stay valid. Either direction is refused (docs/slack.md).
      if (timestampOutOfWindow(req)) {
        log.warn({ path: req.url }, 'request timestamp more than 5 minutes from now; refused');
        res.writeHead(401).end();
        return;
      }
      const raw = Buffer.concat(chunks);
      const text = raw.toString('utf8');
      if (!isObjectBody(text, req.headers['content-type'])) {
        // Unsigned, it is nobody's business what the body holds: 401 as Bolt would answer.
        const signed = hasValidSignature(signingSecret, req, text);
        log.warn({ path: req.url, signed }, 'request body is not an object; refused before Bolt');
        res.writeHead(signed ? 400 : 401).end();
        return;
      }
      // Bolt reuses an already-buffered request (`rawBody`) instead of reading the stream again.
      Object.assign(req, { rawBody: raw });
      try {
        inner(req, res);
      } catch (err) {
        log.warn({ err: (err as Error).message, path: req.url }, 'request refused');
        if (!res.headersSent) res.writeHead(404).end();
      }
    });
  };
}

/** Slack's replay window: a request timestamp more than this many seconds from now, either way, is refused. */
const SIGNATURE_WINDOW_S = 300;

/** A timestamp header that is present and more than 5 minutes before or after now. */
function timestampOutOfWindow(req: IncomingMessage): boolean {
  const raw = req.headers['x-slack-request-timestamp'];
  if (typeof raw !== 'string' || raw === '') return false; // missing or malformed: Bolt answers 401
  const ts = Number(raw);
  return Number.isFinite(ts) && Math.abs(Date.now() / 1000 - ts) > SIGNATURE_WINDOW_S;
}

/** Slack's v0 signature over this body, fresh (5 minutes either way) (docs/slack.md). */
function hasValidSignature(secret: string, req: IncomingMessage, body: string): boolean {
  const ts = Number(req.headers['x-slack-request-timestamp']);
  const sig = req.headers['x-slack-signature'];
  if (!Number.isInteger(ts) || typeof sig !== 'string') return false;
  if (Math.abs(Date.now() / 1000 - ts) > SIGNATURE_WINDOW_S) return false;
  const expected = Buffer.from(`v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`);
  const given = Buffer.from(sig);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** What Bolt's body parser will make of this body is an object (or the body is not JSON at all: Bolt answers that). */
function isObjectBody(text: string, contentType: string | undefined): boolean {
  let json: string;
  if (contentType === 'application/x-www-form-urlencoded') {
    const payload = new URLSearchParams(text).get('payload');
    if (payload === null) return true;
    json = payload;
  } else json = text;
  try {
    const v: unknown = JSON.parse(json);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return true; // Bolt answers malformed JSON with 400 itself
  }
}

export interface HealthRoute {
  (req: IncomingMessage, res: ServerResponse): void;
}

/** The bot's client for `chat.postMessage` (postingClientOptions: unanswered posts are looked for, not resent). */
export function postingClient(settings: SlackSettings, log: Logger): WebClient {
  return new WebClient(settings.botToken, {
    ...postingClientOptions(settings.apiUrl),
    logger: boltLogger(log.child({ component: 'slack-post' })),
    logLevel: boltLevel(log),
  });
}

/** The Bolt app, Socket Mode or HTTP (`/slack/events`, and `/healthz`, `/metrics` when given). */
export function createSlackApp(
  settings: SlackSettings,
  identity: SlackIdentity,
  log: Logger,
  health?: HealthRoute,
  metrics?: HealthRoute,
): { app: BoltApp; receiver: HTTPReceiver | SocketModeReceiver } {
  const options = clientOptions(settings.apiUrl);
  const logger = boltLogger(log.child({ component: 'bolt' }));
  const logLevel = boltLevel(log);
  const common = {
    token: settings.botToken,
    botId: identity.botId,
    botUserId: identity.botUserId,
    logger,
    logLevel,
    clientOptions: options,
  };
  if (settings.appToken) {
    const receiver = new SocketModeReceiver({
      appToken: settings.appToken,
      logger,
      logLevel,
      // The Socket Mode client's own WebClient (apps.connections.open) takes its options from here.
      installerOptions: { clientOptions: options },
    });
    return { app: new App({ ...common, receiver }), receiver };
  }
  const receiver = new HTTPReceiver({
    signingSecret: settings.signingSecret!,
    logger,
    logLevel,
    customRoutes: [
      ...(health ? [{ path: '/healthz', method: ['GET'], handler: health }] : []),
      ...(metrics ? [{ path: '/metrics', method: ['GET'], handler: metrics }] : []),
    ],
  });
  guardRequestBodies(receiver, settings.signingSecret!, log);
  return { app: new App({ ...common, receiver }), receiver };
}

export type { BoltApp };
