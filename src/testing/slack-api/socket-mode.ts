/**
 * A local stand-in for Slack's Socket Mode, the way node-slack-sdk's own integration tests do it:
 * `apps.connections.open` (served by the local Web API, see `startLocalSlackApi({ methods })`) answers
 * a `ws://127.0.0.1:…` URL, and a `ws` server there speaks the protocol (docs/slack.md "Socket Mode"):
 * `hello` first, then envelopes `{envelope_id, type, payload, accepts_response_payload}` the app must
 * ack with `{envelope_id, payload?}`; `{type:"disconnect", reason}` before Slack cuts a connection.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface SocketModeAck {
  envelopeId: string;
  /** What the app sent back with the ack (a command's `ack(message)`). */
  payload?: Record<string, unknown>;
  /** Milliseconds from sending the envelope to its ack. */
  ms: number;
}

export interface LocalSocketModeOptions {
  /** Send `hello` on connect (default true); false makes a client wait for it forever. */
  hello?: boolean;
  /** Only this app token is accepted (`invalid_auth` otherwise); any `xapp-` token by default. */
  appToken?: string;
}

type Answer = { status?: number; body: Record<string, unknown> };

export interface LocalSocketMode {
  /** `ws://127.0.0.1:PORT/link` */
  url: string;
  /** The `apps.connections.open` handler to give `startLocalSlackApi({ methods })`. */
  methods: Record<string, (args: Record<string, unknown>, token: string | undefined) => Answer>;
  /** How many times `apps.connections.open` was called. */
  opened: number;
  /** Connections that are open now. */
  connections(): number;
  /** Resolves when `count` connections in total have been made (each sent `hello` when enabled). */
  waitForConnections(count: number): Promise<void>;
  /** Sends an envelope on the newest connection; resolves with its ack (rejects after `timeoutMs`, default 10 s). */
  send(
    type: 'slash_commands' | 'interactive' | 'events_api',
    payload: Record<string, unknown>,
    opts?: { timeoutMs?: number },
  ): Promise<SocketModeAck>;
  /** Slack's `disconnect` message on every open connection (`refresh_requested`, `warning`, `link_disabled`). */
  disconnect(reason: string): void;
  /** Cuts every connection without a close handshake (a network failure). */
  dropAll(): void;
  close(): Promise<void>;
}

export async function startLocalSocketMode(opts: LocalSocketModeOptions = {}): Promise<LocalSocketMode> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/link`;
  const sockets: WebSocket[] = [];
  const pendingAcks = new Map<string, (ack: Record<string, unknown>) => void>();
  let total = 0;
  const waiters: Array<{ count: number; resolve: () => void }> = [];

  wss.on('connection', (ws) => {
    sockets.push(ws);
    total++;
    ws.on('message', (data) => {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(String(data)) as Record<string, unknown>;
      } catch {
        return;
      }
      const id = typeof msg['envelope_id'] === 'string' ? msg['envelope_id'] : undefined;
      const done = id ? pendingAcks.get(id) : undefined;
      if (id && done) {
        pendingAcks.delete(id);
        done(msg);
      }
    });
    ws.on('close', () => sockets.splice(sockets.indexOf(ws), 1));
    ws.on('error', () => {});
    if (opts.hello ?? true) {
      ws.send(
        JSON.stringify({
          type: 'hello',
          num_connections: sockets.length,
          debug_info: { host: 'local-socket-mode', approximate_connection_time: 3600 },
          connection_info: { app_id: 'A0SHAREGUARD' },
        }),
      );
    }
    for (const w of [...waiters]) {
      if (total >= w.count) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });

  const sm: LocalSocketMode = {
    url,
    opened: 0,
    methods: {
      'apps.connections.open': (_args, token) => {
        sm.opened++;
        if (!token) return { body: { ok: false, error: 'not_authed' } };
        if (!token.startsWith('xapp-')) return { body: { ok: false, error: 'not_allowed_token_type' } };
        if (opts.appToken !== undefined && token !== opts.appToken)
          return { body: { ok: false, error: 'invalid_auth' } };
        return { body: { ok: true, url } };
      },
    },
    connections: () => sockets.length,
    waitForConnections: (count) =>
      total >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve })),
    send(type, payload, o = {}) {
      const ws = sockets.at(-1);
      if (!ws) return Promise.reject(new Error('no Socket Mode connection'));
      const envelopeId = randomUUID();
      const sentAt = performance.now();
      return new Promise<SocketModeAck>((resolve, reject) => {
        const timer = setTimeout(() => {
          pendingAcks.delete(envelopeId);
          reject(new Error(`no ack for ${type} envelope ${envelopeId}`));
        }, o.timeoutMs ?? 10_000);
        pendingAcks.set(envelopeId, (ack) => {
          clearTimeout(timer);
          const p = ack['payload'];
          resolve({
            envelopeId,
            ms: performance.now() - sentAt,
            ...(p && typeof p === 'object' ? { payload: p as Record<string, unknown> } : {}),
          });
        });
        ws.send(
          JSON.stringify({
            envelope_id: envelopeId,
            type,
            payload,
            accepts_response_payload: type !== 'events_api',
            retry_attempt: 0,
            retry_reason: '',
          }),
        );
      });
    },
    disconnect(reason) {
      for (const ws of sockets)
        ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'local-socket-mode' } }));
    },
    dropAll() {
      for (const ws of [...sockets]) ws.terminate();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of [...sockets]) ws.terminate();
        wss.close(() => resolve());
      }),
  };
  return sm;
}
