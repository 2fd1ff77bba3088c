/**
 * A TCP proxy in front of a server that can be made to hang like a stuck store or network: while
 * `hang` is true it accepts connections and bytes but forwards nothing and answers nothing. `received`
 * counts the client writes that arrived while hanging (is anyone still trying?).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface HangingProxy {
  url: string;
  hang: boolean;
  /** Client writes (chunks) that arrived while hanging. */
  received: number;
  /** Connections opened so far. */
  connections: number;
  close(): Promise<void>;
}

export async function startHangingProxy(target: string): Promise<HangingProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const proxy: HangingProxy = {
    url: '',
    hang: false,
    received: 0,
    connections: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((client) => {
    proxy.connections++;
    const upstream = connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('data', (d) => {
      if (proxy.hang) proxy.received++;
      else upstream.write(d);
    });
    upstream.on('data', (d) => {
      if (!proxy.hang) client.write(d);
    });
    client.on('close', drop).on('error', drop);
    upstream.on('close', drop).on('error', drop);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
