/**
 * A TCP proxy that holds every chunk sent to the store `delayMs` before forwarding it (in order, per
 * connection): a slow store. Answers come back at once. Set `delayMs` while a test runs.
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface DelayProxy {
  url: string;
  delayMs: number;
  close(): Promise<void>;
}

export async function startDelayProxy(target: string): Promise<DelayProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const proxy: DelayProxy = { url: '', delayMs: 0, close: async () => {} };
  const server: Server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    let chain = Promise.resolve();
    client.on('data', (d) => {
      const ms = proxy.delayMs;
      chain = chain.then(() => (ms ? sleep(ms) : undefined)).then(() => void upstream.write(d));
    });
    upstream.on('data', (d) => client.write(d));
    const drop = () => {
      // What was already sent on is not lost: the upstream closes once the queue has drained.
      void chain.then(() => upstream.end());
      client.destroy();
      sockets.delete(client);
    };
    client.on('close', drop).on('error', drop);
    // The store closed its side (an idle keep-alive): the client must see it, not write into nothing.
    upstream.on('close', () => client.destroy()).on('error', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return proxy;
}
