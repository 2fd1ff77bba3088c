// The HTTP front of the simulator: AWS Query requests in, XML out, plus a few /_sim/ hooks.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { ActionDef, Ctx } from './actions/common.ts';
import { EC2_ACTIONS } from './actions/ec2/index.ts';
import { IAM_ACTIONS } from './actions/iam.ts';
import {
  ORGANIZATIONS_ACTIONS,
  ORGANIZATIONS_TARGET_PREFIX,
  type JsonInput,
} from './actions/organizations.ts';
import { RDS_ACTIONS } from './actions/rds.ts';
import { RDS_USE_ACTIONS } from './actions/rds-restore.ts';
import { STS_ACTIONS } from './actions/sts.ts';
import { Faults, type Fault } from './faults.ts';
import { credentialScope } from './protocol/auth.ts';
import { defaultStatus, errorXml, jsonErrorBody, SimError, XMLNS, type Service } from './protocol/errors.ts';
import { Params } from './protocol/form.ts';
import { SimState, type AccountRec, type Session } from './state.ts';
import { Throttle } from './throttle.ts';
import { parseWorld } from './world.ts';

export const BASE_ACCESS_KEY_ID = 'AKIASHAREGUARDSIM001';
export const BASE_SECRET_ACCESS_KEY = 'shareguard-simulator-secret-key-0000000000';

const MAX_BODY = 16 * 1024 * 1024;

const ACTIONS: Record<Service, Record<string, ActionDef>> = {
  ec2: EC2_ACTIONS,
  rds: { ...RDS_ACTIONS, ...RDS_USE_ACTIONS },
  sts: STS_ACTIONS,
  iam: IAM_ACTIONS,
  organizations: {}, // JSON protocol: ORGANIZATIONS_ACTIONS
};

// Global services: not checked against the account's regions.
const GLOBAL: ReadonlySet<Service> = new Set(['sts', 'iam', 'organizations']);
const QUERY_SERVICES: ReadonlySet<string> = new Set(['ec2', 'rds', 'sts', 'iam']);

const VERSION_SERVICE: Record<string, Service> = {
  '2016-11-15': 'ec2',
  '2014-10-31': 'rds',
  '2011-06-15': 'sts',
  '2010-05-08': 'iam',
};

export interface CallFilter {
  action?: string;
  account?: string;
  region?: string;
}

export interface SimHandle {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  /** Base credentials: they act as the world's homeAccount. */
  accessKeyId: string;
  secretAccessKey: string;
  homeAccount: string;
  /** Live view of the world (read it, do not mutate records directly). */
  state: SimState;
  faults: { add(f: Fault): void; clear(): void };
  /** Requests received (throttled and failed ones included), optionally narrowed. */
  calls(filter?: CallFilter): number;
  stop(): Promise<void>;
}

interface Outcome {
  status: number;
  body: string;
  contentType?: string;
}

type Caller =
  | { ok: true; account: AccountRec; session: Session | undefined; keyId: string }
  | { ok: false; error: SimError };

interface CallCount {
  action: string;
  account: string;
  region: string;
  n: number;
}

class Simulator {
  readonly faults = new Faults();
  readonly throttle: Throttle;
  private readonly counts = new Map<string, CallCount>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(readonly state: SimState) {
    this.throttle = new Throttle(state.throttle?.scale, state.throttle?.per);
  }

  calls(filter: CallFilter = {}): number {
    let n = 0;
    for (const c of this.counts.values()) {
      if (filter.action !== undefined && c.action !== filter.action) continue;
      if (filter.account !== undefined && c.account !== filter.account) continue;
      if (filter.region !== undefined && c.region !== filter.region) continue;
      n += c.n;
    }
    return n;
  }

  private count(action: string, account: string, region: string): void {
    const key = `${action}\u0000${account}\u0000${region}`;
    const c = this.counts.get(key);
    if (c) c.n++;
    else this.counts.set(key, { action, account, region, n: 1 });
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    if (url.pathname.startsWith('/_sim/')) return this.hook(req, res, url);
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (err) {
      res.writeHead(413, { 'content-type': 'text/plain' }).end((err as Error).message);
      return;
    }
    const requestId = randomUUID();
    const target = req.headers['x-amz-target'];
    if (typeof target === 'string' && target.startsWith(ORGANIZATIONS_TARGET_PREFIX)) {
      let jsonOutcome: Outcome;
      try {
        jsonOutcome = this.dispatchJson(
          target.slice(ORGANIZATIONS_TARGET_PREFIX.length),
          credentialScope(req.headers, url.searchParams),
          body,
        );
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        jsonOutcome = { status: 500, body: jsonErrorBody('ServiceException', `Internal error: ${message}`) };
      }
      this.send(res, requestId, { contentType: 'application/x-amz-json-1.1', ...jsonOutcome });
      return;
    }
    const search = new URLSearchParams(body.toString('utf8'));
    for (const [k, v] of url.searchParams) if (!k.startsWith('X-Amz-')) search.append(k, v);
    const params = new Params(search);
    const scope = credentialScope(req.headers, url.searchParams);
    const scoped = scope?.service;
    const known = scoped !== undefined && QUERY_SERVICES.has(scoped);
    // Without a usable scope, the API version tells which service the caller meant.
    const service: Service = known
      ? (scoped as Service)
      : (VERSION_SERVICE[params.get('Version') ?? ''] ?? 'sts');
    let outcome: Outcome;
    try {
      outcome = this.dispatch(service, scope && !known ? scoped : undefined, scope, params, requestId);
    } catch (err) {
      // A bug in an action must not take the simulator down: answer like AWS's own 500.
      const message = err instanceof Error ? err.message : String(err);
      outcome = {
        status: 500,
        body: errorXml(service, 'InternalError', `Internal error: ${message}`, requestId, 500),
      };
    }
    this.send(res, requestId, outcome);
  }

  private send(res: ServerResponse, requestId: string, outcome: Outcome): void {
    const send = () => {
      if (res.destroyed) return;
      res.writeHead(outcome.status, {
        'content-type': outcome.contentType ?? 'text/xml;charset=UTF-8',
        'x-amzn-requestid': requestId,
      });
      res.end(outcome.body);
    };
    const delay = this.state.latencyMs;
    if (delay > 0) {
      const t = setTimeout(() => {
        this.timers.delete(t);
        send();
      }, delay);
      this.timers.add(t);
    } else send();
  }

  /** Who is calling (the signature is not verified, see protocol/auth.ts). */
  private caller(service: Service, scope: ReturnType<typeof credentialScope>, now: number): Caller {
    const keyId = scope?.accessKeyId;
    const session = keyId === undefined ? undefined : this.state.sessions.get(keyId);
    const accountId = keyId === BASE_ACCESS_KEY_ID ? this.state.homeAccount : session?.account;
    const account = accountId === undefined ? undefined : this.state.accountRec(accountId);
    if (!account || keyId === undefined) {
      return {
        ok: false,
        error:
          service === 'ec2'
            ? new SimError('AuthFailure', 'AWS was not able to validate the provided access credentials', 401)
            : keyId === undefined
              ? new SimError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403)
              : new SimError(
                  service === 'organizations' ? 'UnrecognizedClientException' : 'InvalidClientTokenId',
                  'The security token included in the request is invalid.',
                  403,
                ),
      };
    }
    if (session && session.expiresMs <= now) {
      return {
        ok: false,
        error: new SimError('ExpiredToken', 'The security token included in the request is expired', 400),
      };
    }
    return { ok: true, account, session, keyId };
  }

  private dispatchJson(action: string, scope: ReturnType<typeof credentialScope>, body: Buffer): Outcome {
    const fail = (e: SimError): Outcome => ({
      status: e.status,
      body: jsonErrorBody(e.code, e.message, e.extra),
    });
    const region = scope?.region ?? 'us-east-1';
    const now = Date.now();
    const who = this.caller('organizations', scope, now);
    this.count(action, who.ok ? who.account.id : '', region);
    if (!who.ok) return fail(who.error);
    const def = ORGANIZATIONS_ACTIONS[action];
    if (!def) {
      return fail(new SimError('UnknownOperationException', `The simulator does not implement ${action}.`));
    }
    const fault = this.faults.take(action, who.account.id, region);
    if (fault) {
      return fail(
        new SimError(fault.code, fault.message ?? `Injected fault: ${fault.code}`, fault.status ?? 400),
      );
    }
    let input: JsonInput;
    try {
      const text = body.toString('utf8');
      input = (text ? JSON.parse(text) : {}) as JsonInput;
    } catch {
      return fail(new SimError('SerializationException', 'The request body is not valid JSON.'));
    }
    const ctx: Ctx = {
      state: this.state,
      account: who.account,
      region,
      params: new Params(''),
      now,
      dryRun: false,
      accessKeyId: who.keyId,
      session: who.session,
      baseAccessKeyId: BASE_ACCESS_KEY_ID,
    };
    try {
      return { status: 200, body: JSON.stringify(def.run(ctx, input)) };
    } catch (err) {
      if (err instanceof SimError) return fail(err);
      throw err;
    }
  }

  private dispatch(
    service: Service,
    unknownService: string | undefined,
    scope: ReturnType<typeof credentialScope>,
    params: Params,
    requestId: string,
  ): Outcome {
    const fail = (e: SimError): Outcome => ({
      status: e.status,
      body: errorXml(service, e.code, e.message, requestId, e.status),
    });
    const action = params.get('Action');
    const region = scope?.region ?? 'us-east-1';
    if (unknownService !== undefined) {
      this.count(action ?? '', '', region);
      return fail(
        new SimError('InvalidAction', `The simulator does not implement the service ${unknownService}.`),
      );
    }
    if (!action) {
      this.count('', '', region);
      return fail(new SimError('MissingAction', 'The request must contain the parameter Action.'));
    }

    const now = Date.now();
    const who = this.caller(service, scope, now);
    this.count(action, who.ok ? who.account.id : '', region);
    if (!who.ok) return fail(who.error);
    const { account, session, keyId } = who;

    const def = ACTIONS[service][action];
    if (!def) {
      return fail(
        new SimError(
          'InvalidAction',
          service === 'ec2'
            ? `The action ${action} is not valid for this web service.`
            : `Could not find operation ${action} for version ${params.get('Version') ?? ''}`,
        ),
      );
    }
    // STS and IAM are global; EC2 and RDS answer only in the account's (enabled) regions.
    if (!GLOBAL.has(service) && !account.regions.has(region)) {
      return fail(
        new SimError(
          'AuthFailure',
          `AWS was not able to validate the provided access credentials (region ${region} is not enabled for account ${account.id})`,
          401,
        ),
      );
    }

    const fault = this.faults.take(action, account.id, region);
    if (fault) {
      const status = fault.status ?? defaultStatus(service, fault.code);
      return fail(new SimError(fault.code, fault.message ?? `Injected fault: ${fault.code}`, status));
    }

    const category = def.category(params);
    if (!this.throttle.take(service, account.id, region, category, action)) {
      return fail(
        service === 'ec2'
          ? new SimError('RequestLimitExceeded', 'Request limit exceeded.', 503)
          : new SimError('Throttling', 'Rate exceeded', 400),
      );
    }

    const dryRun = service === 'ec2' && params.get('DryRun')?.toLowerCase() === 'true';
    const ctx: Ctx = {
      state: this.state,
      account,
      region,
      params,
      now,
      dryRun,
      accessKeyId: keyId,
      session,
      baseAccessKeyId: BASE_ACCESS_KEY_ID,
    };
    let inner: string;
    try {
      inner = def.run(ctx);
    } catch (err) {
      if (!(err instanceof SimError)) throw err;
      if (dryRun && err.authz) {
        return fail(
          new SimError('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403),
        );
      }
      return fail(err);
    }
    if (dryRun) {
      // Every EC2 handler gates DryRun itself before changing anything; this is a backstop.
      return fail(
        new SimError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412),
      );
    }
    const xmlns = XMLNS[service];
    if (service === 'ec2') {
      return {
        status: 200,
        body:
          `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${xmlns}">` +
          `<requestId>${requestId}</requestId>${inner}</${action}Response>`,
      };
    }
    return {
      status: 200,
      body:
        `<${action}Response xmlns="${xmlns}"><${action}Result>${inner}</${action}Result>` +
        `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
    };
  }

  private async hook(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    };
    try {
      if (url.pathname === '/_sim/state' && req.method === 'GET') return json(200, this.state.toWorld());
      if (url.pathname === '/_sim/denials' && req.method === 'GET') return json(200, this.state.denials);
      if (url.pathname === '/_sim/recycle-bin' && req.method === 'GET') {
        return json(
          200,
          this.state.recycleBinEntries().map(({ kind, id, account, region, enteredMs, exitMs }) => ({
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
          count: this.calls({
            action: q.get('action') ?? undefined,
            account: q.get('account') ?? undefined,
            region: q.get('region') ?? undefined,
          }),
        });
      }
      if (url.pathname === '/_sim/faults' && req.method === 'POST') {
        const fault = JSON.parse((await readBody(req)).toString('utf8')) as Fault;
        this.faults.add(fault);
        return json(200, { ok: true });
      }
      if (url.pathname === '/_sim/faults' && req.method === 'GET') return json(200, this.faults.pending());
      if (url.pathname === '/_sim/faults' && req.method === 'DELETE') {
        this.faults.clear();
        return json(200, { ok: true });
      }
      return json(404, { error: `no such endpoint: ${req.method} ${url.pathname}` });
    } catch (err) {
      return json(400, { error: err instanceof Error ? err.message : String(err) });
    }
  }

  cancelTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      try {
        resolve(/gzip/i.test(req.headers['content-encoding'] ?? '') ? gunzipSync(raw) : raw);
      } catch (err) {
        reject(err as Error);
      }
    });
    req.on('error', reject);
  });
}

/** Starts a simulator for a world (validated here: a bad world throws WorldError). */
export async function start(opts: { world: unknown; port?: number; host?: string }): Promise<SimHandle> {
  const world = parseWorld(opts.world);
  const state = new SimState(world);
  const sim = new Simulator(state);
  const server: Server = createServer((req, res) => {
    sim.handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(err instanceof Error ? err.message : String(err));
    });
  });
  // SDK agents keep connections alive; outlive their idle timeout so no request races a close.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://${shownHost}:${port}`,
    accessKeyId: BASE_ACCESS_KEY_ID,
    secretAccessKey: BASE_SECRET_ACCESS_KEY,
    homeAccount: state.homeAccount,
    state,
    faults: { add: (f) => sim.faults.add(f), clear: () => sim.faults.clear() },
    calls: (filter) => sim.calls(filter),
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        sim.cancelTimers();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
