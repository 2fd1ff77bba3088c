/** Serve's Slack connection: HTTP or Socket Mode start, the socket's health, the channel check. */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { SocketModeReceiver } from '@slack/bolt';
import { LogLevel, WebClient } from '@slack/web-api';
import type { HealthState, SocketState } from '../health.ts';
import type { Logger } from '../log.ts';
import { apiBase, type createSlackApp, type SlackSettings } from '../slack/app.ts';
import type { SlackProbe } from '../health.ts';
import { describeSlackError, slackErrorCode } from '../slack/listeners/failures.ts';
import { StartupError } from '../startup-error.ts';
import { DEFAULT_HELLO_TIMEOUT_MS } from './settings.ts';

/**
 * Says at start whether the bot can post to the channel (`conversations.info`, scopes channels:read /
 * groups:read). Not fatal: the bot may be invited later, and refusals reach users via response_url.
 */
export async function checkChannel(client: WebClient, channel: string, log: Logger): Promise<void> {
  try {
    const res = await client.conversations.info({ channel });
    const name = res.channel?.name ? `#${res.channel.name}` : channel;
    // `channelName`, not `name`: pino's own `name` key (the logger's) would appear twice in the line.
    if (res.channel?.is_member === false)
      log.warn(
        { channel, channelName: name },
        `shareguard is not a member of ${name}: invite @shareguard to ${name} (/invite @shareguard); posts fail with not_in_channel until then`,
      );
    else log.info({ channel, channelName: name }, `posting to ${name}; shareguard is a member`);
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

export async function startHttp(app: NonNullable<ReturnType<typeof createSlackApp>['app']>, port: number) {
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
export async function startSocket(
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
        `Socket Mode: no hello from Slack within ${timeoutMs / 1000} s: check that outbound WebSocket connections (wss://wss-primary.slack.com) are allowed and that the app has Socket Mode enabled`,
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
export function watchSocket(receiver: SocketModeReceiver, state: HealthState, log: Logger): void {
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

/** How long a Slack probe result is reused, and how long one probe may take. */
const SLACK_PROBE = { cacheMs: 10_000, timeoutMs: 2_000 };

/**
 * `/healthz`'s view of Slack: one `auth.test` (no retries, 2 s) at most every 10 s, so frequent health
 * checks cost Slack nothing noticeable and a hanging Slack never holds the health answer up.
 */
export function slackProbe(settings: SlackSettings): SlackProbe {
  const slackApiUrl = apiBase(settings.apiUrl);
  const client = new WebClient(settings.botToken, {
    ...(slackApiUrl ? { slackApiUrl } : {}),
    retryConfig: { retries: 0 },
    timeout: SLACK_PROBE.timeoutMs,
    logLevel: LogLevel.ERROR,
  });
  let last: { at: number; result: Promise<'ok' | 'unreachable'> } | undefined;
  return () => {
    if (last && Date.now() - last.at < SLACK_PROBE.cacheMs) return last.result;
    const result = client.auth.test().then(
      () => 'ok' as const,
      () => 'unreachable' as const,
    );
    last = { at: Date.now(), result };
    return result;
  };
}

export function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
