/**
 * An HTTP proxy in front of the test store that holds every request `delayMs` before forwarding it: a
 * slow store, as opposed to a hung one (test/helpers/hanging-proxy.ts). `received` counts the requests
 * that reached it: a call that was never sent does not add one.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlowProxy {
  url: string;
  delayMs: number;
  /** Requests received (sent by a client), whether or not they were answered. */
  received: number;
  close(): Promise<void>;
}

export async function startSlowProxy(target: string, delayMs: number): Promise<SlowProxy> {
  const upstream = new URL(target);
  const proxy: SlowProxy = {
    url: '',
    delayMs,
    received: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    if (res.destroyed) return; // the client gave up (its deadline) while the request was held
    const out = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    out.end(body);
  };
  const server = createServer((req, res) => {
    proxy.received++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => setTimeout(() => forward(req, res, Buffer.concat(chunks)), proxy.delayMs));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
