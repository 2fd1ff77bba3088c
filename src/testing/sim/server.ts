// The HTTP front of the simulator: AWS Query requests in, XML out, plus a few /_sim/ hooks.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ActionDef, Ctx } from './actions/common.ts';
import { EC2_ACTIONS } from './actions/ec2/index.ts';
import { AUTOSCALING_ACTIONS } from './actions/autoscaling.ts';
import { IAM_ACTIONS } from './actions/iam.ts';
import { IMAGEBUILDER_ACTIONS } from './actions/imagebuilder.ts';
import {
  ORGANIZATIONS_ACTIONS,
  ORGANIZATIONS_TARGET_PREFIX,
  type JsonInput,
} from './actions/organizations.ts';
import { RDS_ACTIONS } from './actions/rds.ts';
import { RDS_USE_ACTIONS } from './actions/rds-restore.ts';
import { STS_ACTIONS } from './actions/sts.ts';
import { CallCounts, type CallFilter } from './call-counts.ts';
import { BASE_ACCESS_KEY_ID, BASE_SECRET_ACCESS_KEY, caller } from './caller.ts';
import { Faults, type Fault } from './faults.ts';
import { simHook } from './hooks.ts';
import { readBody } from './protocol/body.ts';
import { credentialScope } from './protocol/auth.ts';
import { Latency, type LatencyKey } from './latency.ts';
import { defaultStatus, errorXml, jsonErrorBody, SimError, XMLNS, type Service } from './protocol/errors.ts';
import { Params } from './protocol/form.ts';
import { SimState } from './state.ts';
import { Throttle } from './throttle.ts';
import { parseWorld } from './world.ts';

const ACTIONS: Record<Service, Record<string, ActionDef>> = {
  ec2: EC2_ACTIONS,
  rds: { ...RDS_ACTIONS, ...RDS_USE_ACTIONS },
  sts: STS_ACTIONS,
  iam: IAM_ACTIONS,
  organizations: {}, // JSON protocol: ORGANIZATIONS_ACTIONS
  autoscaling: AUTOSCALING_ACTIONS,
  imagebuilder: {}, // REST-JSON: IMAGEBUILDER_ACTIONS
};

// Global services: not checked against the account's regions.
const GLOBAL: ReadonlySet<Service> = new Set(['sts', 'iam', 'organizations']);
const QUERY_SERVICES: ReadonlySet<string> = new Set(['ec2', 'rds', 'sts', 'iam', 'autoscaling']);

const VERSION_SERVICE: Record<string, Service> = {
  '2016-11-15': 'ec2',
  '2014-10-31': 'rds',
  '2011-06-15': 'sts',
  '2010-05-08': 'iam',
  '2011-01-01': 'autoscaling',
};

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

export type { CallFilter } from './call-counts.ts';

class Simulator {
  readonly faults = new Faults();
  readonly throttle: Throttle;
  private readonly counts = new CallCounts();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly latency: Latency;

  constructor(readonly state: SimState) {
    this.throttle = new Throttle(state.throttle?.scale, state.throttle?.per);
    this.latency = new Latency(state.latencyMs, state.latency);
  }

  calls(filter: CallFilter = {}): number {
    return this.counts.total(filter);
  }

  private count(action: string, account: string, region: string): void {
    this.counts.count(action, account, region);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    if (url.pathname.startsWith('/_sim/')) return simHook(this, req, res, url);
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
      const scope = credentialScope(req.headers, url.searchParams);
      const op = target.slice(ORGANIZATIONS_TARGET_PREFIX.length);
      this.send(
        res,
        requestId,
        { contentType: 'application/x-amz-json-1.1', ...jsonOutcome },
        {
          region: scope?.region,
          service: 'organizations',
          action: op,
        },
      );
      return;
    }
    const restScope = credentialScope(req.headers, url.searchParams);
    if (restScope?.service === 'imagebuilder') {
      let restOutcome: Outcome;
      try {
        restOutcome = this.dispatchRest(req.method ?? 'GET', url, restScope, body);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        restOutcome = restError(new SimError('ServiceException', `Internal error: ${message}`, 500));
      }
      // REST: the operation is the path's first segment (/ListImageRecipes, /GetImageRecipe).
      const op = url.pathname.split('/')[1] ?? '';
      this.send(res, requestId, restOutcome, {
        region: restScope.region,
        service: 'imagebuilder',
        action: op,
      });
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
    this.send(res, requestId, outcome, {
      region: scope?.region,
      service,
      action: params.get('Action') ?? '',
    });
  }

  private send(res: ServerResponse, requestId: string, outcome: Outcome, at: LatencyKey): void {
    const send = () => {
      if (res.destroyed) return;
      res.writeHead(outcome.status, {
        'content-type': outcome.contentType ?? 'text/xml;charset=UTF-8',
        'x-amzn-requestid': requestId,
      });
      res.end(outcome.body);
    };
    const delay = this.latency.delayMs(at);
    if (delay > 0) {
      const t = setTimeout(() => {
        this.timers.delete(t);
        send();
      }, delay);
      this.timers.add(t);
    } else send();
  }

  private dispatchJson(action: string, scope: ReturnType<typeof credentialScope>, body: Buffer): Outcome {
    const fail = (e: SimError): Outcome => ({
      status: e.status,
      body: jsonErrorBody(e.code, e.message, e.extra),
    });
    const region = scope?.region ?? 'us-east-1';
    const now = Date.now();
    const who = caller(this.state, 'organizations', scope, now);
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

  /** EC2 Image Builder: REST-JSON, the operation named by method and path (issue 23). */
  private dispatchRest(
    method: string,
    url: URL,
    scope: NonNullable<ReturnType<typeof credentialScope>>,
    body: Buffer,
  ): Outcome {
    const region = scope.region;
    const entry = Object.entries(IMAGEBUILDER_ACTIONS).find(
      ([, d]) => d.method === method && d.path === url.pathname,
    );
    const action = entry?.[0] ?? url.pathname.replace(/^\//, '');
    const who = caller(this.state, 'imagebuilder', scope, Date.now());
    this.count(action, who.ok ? who.account.id : '', region);
    if (!who.ok) return restError(who.error);
    if (!entry)
      return restError(
        new SimError(
          'InvalidRequestException',
          `The simulator does not implement ${method} ${url.pathname}.`,
        ),
      );
    if (!who.account.regions.has(region))
      return restError(
        new SimError(
          'UnrecognizedClientException',
          `Region ${region} is not enabled for account ${who.account.id}`,
          403,
        ),
      );
    const fault = this.faults.take(action, who.account.id, region);
    if (fault)
      return restError(
        new SimError(fault.code, fault.message ?? `Injected fault: ${fault.code}`, fault.status ?? 400),
      );
    let input: Record<string, unknown> = {};
    try {
      const text = body.toString('utf8');
      if (text) input = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return restError(new SimError('InvalidRequestException', 'The request body is not valid JSON.'));
    }
    const ctx: Ctx = {
      state: this.state,
      account: who.account,
      region,
      params: new Params(''),
      now: Date.now(),
      dryRun: false,
      accessKeyId: who.keyId,
      session: who.session,
      baseAccessKeyId: BASE_ACCESS_KEY_ID,
    };
    try {
      const query = new URLSearchParams();
      for (const [k, v] of url.searchParams) if (!k.startsWith('X-Amz-')) query.append(k, v);
      return {
        status: 200,
        body: JSON.stringify(entry[1].run(ctx, { query, body: input })),
        contentType: 'application/json',
      };
    } catch (err) {
      if (err instanceof SimError) return restError(err);
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
    const who = caller(this.state, service, scope, now);
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

  cancelTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

/** A REST-JSON error: the code in `x-amzn-errortype` (sent as the body's `__type` here) and the message. */
function restError(e: SimError): Outcome {
  return {
    status: e.status,
    body: JSON.stringify({ __type: e.code, message: e.message }),
    contentType: 'application/json',
  };
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
