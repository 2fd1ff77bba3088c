// The /_sim/ test hooks (docs/simulator.md): the world as it is now, denials, the Recycle Bin,
// call counts and fault injection over HTTP, for clients that only have the endpoint.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallFilter } from './call-counts.ts';
import type { Fault, Faults } from './faults.ts';
import { readBody } from './protocol/body.ts';
import type { SimState } from './state.ts';

interface HookTarget {
  state: SimState;
  faults: Faults;
  calls(filter: CallFilter): number;
}

export async function simHook(
  sim: HookTarget,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const json = (status: number, value: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
  };
  try {
    if (url.pathname === '/_sim/state' && req.method === 'GET') return json(200, sim.state.toWorld());
    if (url.pathname === '/_sim/denials' && req.method === 'GET') return json(200, sim.state.denials);
    if (url.pathname === '/_sim/recycle-bin' && req.method === 'GET') {
      return json(
        200,
        sim.state.recycleBinEntries().map(({ kind, id, account, region, enteredMs, exitMs }) => ({
          kind,
          id,
          account,
          region,
          enteredMs,
          exitMs,
        })),
      );
    }
    if (url.pathname === '/_sim/calls' && req.method === 'GET') {
      const q = url.searchParams;
      return json(200, {
        count: sim.calls({
          action: q.get('action') ?? undefined,
          account: q.get('account') ?? undefined,
          region: q.get('region') ?? undefined,
        }),
      });
    }
    if (url.pathname === '/_sim/faults' && req.method === 'POST') {
      const fault = JSON.parse((await readBody(req)).toString('utf8')) as Fault;
      sim.faults.add(fault);
      return json(200, { ok: true });
    }
    if (url.pathname === '/_sim/faults' && req.method === 'GET') return json(200, sim.faults.pending());
    if (url.pathname === '/_sim/faults' && req.method === 'DELETE') {
      sim.faults.clear();
      return json(200, { ok: true });
    }
    return json(404, { error: `no such endpoint: ${req.method} ${url.pathname}` });
  } catch (err) {
    return json(400, { error: err instanceof Error ? err.message : String(err) });
  }
}
