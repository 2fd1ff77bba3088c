import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Store } from './store/index.ts';
import { StartupError } from './startup-error.ts';

/** Socket Mode connection state as the Socket Mode client reports it; `n/a` in HTTP mode. */
export type SocketState = 'connecting' | 'connected' | 'reconnecting' | 'disconnected' | 'n/a';

export interface HealthState {
  mode: 'socket' | 'http';
  socket: SocketState;
  /** Shutting down: no new work is taken. */
  draining: boolean;
}

const STORE_PROBE_MS = 2_000;

/** Whether Slack's Web API answers (serve/slack-connection.ts `slackProbe`); never rejects. */
export type SlackProbe = () => Promise<'ok' | 'unreachable'>;

/**
 * `GET /healthz`: 200 when the store answers, the Socket Mode connection is up (HTTP mode: always)
 * and the process is not shutting down; 503 otherwise. The body says which part is unhealthy:
 * `{"ok":false,"status":"unavailable","mode":"socket","socket":"reconnecting","store":"ok","slack":"ok","draining":false}`.
 * Slack's Web API failing makes it `"status":"degraded"` with `"slack":"unreachable"` but still 200:
 * decisions are recorded and carried out without Slack, and every replica sees the same outage, so
 * taking this one out of rotation would help nothing. A refresh leaves Socket Mode ~5 s without a
 * connection (docs/slack.md): readiness, not liveness.
 */
export function healthHandler(state: () => HealthState, store: Store, slack?: SlackProbe) {
  return (_req: IncomingMessage, res: ServerResponse): void => {
    void Promise.all([probeStore(store), slack ? slack() : Promise.resolve(undefined)]).then(
      ([storeOk, slackState]) => {
        const s = state();
        const socketOk = s.mode === 'http' || s.socket === 'connected';
        const ok = storeOk && socketOk && !s.draining;
        const status = !ok ? 'unavailable' : slackState === 'unreachable' ? 'degraded' : 'ok';
        const body = JSON.stringify({
          ok,
          status,
          ...s,
          store: storeOk ? 'ok' : 'unreachable',
          ...(slackState ? { slack: slackState } : {}),
        });
        res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(body);
      },
    );
  };
}

async function probeStore(store: Store): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      store.getMeta('health').then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), STORE_PROBE_MS))),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

type Route = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * A small server for `/healthz` and `/metrics` on the health port (src/serve/settings.ts: HEALTH_PORT,
 * or PORT in Socket Mode, which has no other HTTP port). `setting` names the variable in errors.
 */
export async function startHealthServer(
  port: number,
  handler: Route,
  metrics?: Route,
  setting = 'HEALTH_PORT',
): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method === 'GET' && path === '/healthz') return handler(req, res);
    if (req.method === 'GET' && path === '/metrics' && metrics) return metrics(req, res);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new StartupError(
              setting,
              `${setting} ${port} is already in use: pick a free port (HEALTH_PORT=off: no health port)`,
            )
          : new StartupError(setting, `cannot listen on ${setting} ${port}: ${err.message}`),
      ),
    );
    server.listen(port, () => resolve());
  });
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
