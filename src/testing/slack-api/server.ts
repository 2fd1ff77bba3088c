/**
 * A local stand-in for Slack's Web API, for the demo (which prints what the bot posts, with no Slack)
 * and for tests. Point the Bolt App (or a WebClient) at it with `slackApiUrl: api.apiUrl`
 * (`${url}/api/`; the WebClient appends the method name to it). It answers the methods shareguard
 * uses like Slack does (methods.ts, views.ts), refuses blocks that break Block Kit limits, serves
 * `response_url`s (response-url.ts), and records every call (state.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Faults } from './faults.ts';
import { HttpError, parseArgs, parseJsonObject, readBody, send } from './http.ts';
import { webApiMethods } from './methods.ts';
import { ResponseUrls } from './response-url.ts';
import { SlackState, str } from './state.ts';
import { threadReplies, topLevel } from './threads.ts';
import { fail, type Answer, type Args, type LocalSlackApi, type LocalSlackApiOptions } from './types.ts';
import { viewsStandIn } from './views.ts';

export type * from './types.ts';
export { mulberry32 } from '../prng.ts';

export async function startLocalSlackApi(opts: LocalSlackApiOptions = {}): Promise<LocalSlackApi> {
  const s = new SlackState(opts);
  const faults = new Faults();
  const responseUrls = new ResponseUrls(s);
  const views = viewsStandIn({ teamId: s.team.id, appId: 'A0SHAREGUARD' });
  const methods = { ...webApiMethods(s, opts), ...views.methods };

  const callMethod = (method: string, args: Args, token: string | undefined): Answer => {
    const { token: _token, ...recorded } = args;
    s.calls.push({ method, args: recorded, at: new Date().toISOString() });
    const failure = faults.take(method, recorded);
    if (failure) return failure;
    const extra = opts.methods && Object.hasOwn(opts.methods, method) ? opts.methods[method] : undefined;
    if (extra) return extra(recorded, token);
    const handler = Object.hasOwn(methods, method) ? methods[method] : undefined;
    if (!handler) return fail('unknown_method');
    if (method !== 'api.test') {
      if (!token) return fail('not_authed');
      if (opts.token !== undefined && token !== opts.token) return fail('invalid_auth');
    }
    return handler(recorded);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const u = new URL(req.url ?? '/', 'http://localhost');
    const api = /^\/api\/([\w.]+)$/.exec(u.pathname);
    const response = /^\/response\/([\w.~-]+)$/.exec(u.pathname);
    if (req.method !== 'POST' && !(req.method === 'GET' && api))
      throw new HttpError(405, 'method_not_allowed');
    const raw = req.method === 'POST' ? await readBody(req) : '';
    let args: Args;
    try {
      args = parseArgs(raw, req.headers['content-type'], u.searchParams);
    } catch (err) {
      // The Web API answers malformed requests with HTTP 200 and ok:false, like any other error.
      if (api && err instanceof HttpError) return send(res, fail(err.error));
      throw err;
    }
    if (api) {
      const auth = req.headers['authorization'];
      const token = (auth?.startsWith('Bearer ') ? auth.slice(7) : undefined) ?? str(args['token']);
      await faults.held(api[1]!);
      const answer = callMethod(api[1]!, args, token);
      const late = faults.lateBy(api[1]!);
      if (late) await new Promise((resolve) => setTimeout(resolve, late));
      // The client may have given up meanwhile: the call was carried out all the same.
      if (!res.destroyed) send(res, answer);
      return;
    }
    if (response) {
      // Bolt's respond() posts JSON; legacy clients post a form field `payload` holding JSON.
      const payload = typeof args['payload'] === 'string' ? parseJsonObject(args['payload']) : args;
      return send(res, responseUrls.respond(response[1]!, payload));
    }
    throw new HttpError(404, 'not_found');
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      const error = err instanceof HttpError ? err.error : 'internal_error';
      send(res, { status, body: { ok: false, error } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    apiUrl: `${url}/api/`,
    calls: s.calls,
    messages: (channel) => s.allMessages().filter((m) => channel === undefined || m.channel === channel),
    message: (channel, ts) => s.message(channel, ts),
    topLevel: (channel) => topLevel(s.allMessages(), channel),
    replies: (channel, ts) => threadReplies(s.allMessages(), channel, ts),
    views,
    ephemerals: s.ephemerals,
    responses: s.responses,
    responseUrl(id, origin = {}) {
      return `${url}/response/${encodeURIComponent(responseUrls.create(id, origin))}`;
    },
    failRandomly: (c) => faults.failRandomly(c),
    randomFailures: () => faults.randomFailures(),
    failNext: (method, error, o = {}) => faults.failNext(method, error, o),
    hang: (method, calls) => faults.hang(method, calls),
    answerLate: (method, ms) => faults.answerLate(method, ms),
    setUsergroup(id, users) {
      s.usergroups.set(id, [...users]);
    },
    callsOf: (method) => s.calls.filter((c) => c.method === method),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
