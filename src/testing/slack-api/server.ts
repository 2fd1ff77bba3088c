/**
 * A local stand-in for Slack's Web API, for the demo (which prints what the bot posts, with no Slack)
 * and for tests. Point the Bolt App (or a WebClient) at it with `slackApiUrl: api.apiUrl`
 * (`${url}/api/`; the WebClient appends the method name to it). It answers the methods shareguard
 * uses like Slack does, refuses blocks that break Block Kit limits, serves `response_url`s, and
 * records every call.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { blockProblems, LIMITS } from '../../slack/messages/limits.ts';
import { threadReplies, topLevel } from './threads.ts';
import { viewsStandIn, type ViewsStandIn } from './views.ts';

export interface LocalSlackApiOptions {
  /** 0 (default): any free port. */
  port?: number;
  /** User group id → member user ids, for `usergroups.users.list`. */
  usergroups?: Record<string, string[]>;
  /** Called for every message posted, updated or deleted, every ephemeral and every response_url use. */
  onMessage?: (event: LocalSlackEvent) => void;
  /** Channels `conversations.info` knows; when given, posting elsewhere answers `channel_not_found`. */
  channels?: Record<string, { name: string; isPrivate?: boolean; isMember?: boolean; members?: string[] }>;
  /** When set, only this token is accepted (`invalid_auth` otherwise); by default any token is. */
  token?: string;
  team?: { id: string; name: string; domain?: string };
  bot?: { userId: string; botId: string; name: string };
  /** Refuse blocks that break Block Kit limits, like Slack (default true). */
  validateBlocks?: boolean;
  /** More methods (e.g. the Socket Mode stand-in's `apps.connections.open`); they see the caller's token. */
  methods?: Record<string, (args: Args, token: string | undefined) => Answer>;
}

export interface ApiCall {
  method: string;
  /** Arguments as Slack parsed them (`blocks` back to an array); the token is never recorded. */
  args: Record<string, unknown>;
  at: string;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  text?: string;
  blocks?: unknown[];
  thread_ts?: string;
  /** A thread reply also shown in the channel. */
  reply_broadcast?: boolean;
  /** On a thread's parent: how many replies it has. */
  reply_count?: number;
  user: string;
  bot_id: string;
  /** How many times it was updated (chat.update or a response_url with replace_original). */
  updates: number;
  edited?: { user: string; ts: string };
}

export interface EphemeralMessage {
  channel: string;
  user?: string;
  text?: string;
  blocks?: unknown[];
  message_ts: string;
  via: 'chat.postEphemeral' | 'response_url';
  updates: number;
}

export interface ResponseUrlUse {
  id: string;
  payload: Record<string, unknown>;
  at: string;
  /** What it did: replaced or deleted the original, posted in the channel, posted an ephemeral, or nothing known. */
  effect: 'replaced' | 'deleted' | 'posted' | 'ephemeral' | 'recorded';
}

export type LocalSlackEvent =
  | { type: 'post'; message: StoredMessage }
  | { type: 'update'; message: StoredMessage }
  | { type: 'delete'; message: StoredMessage }
  | { type: 'ephemeral'; ephemeral: EphemeralMessage }
  | { type: 'response'; response: ResponseUrlUse };

/** Where a response_url's interaction came from, so `replace_original` / `in_channel` have an effect. */
export interface ResponseOrigin {
  channel?: string;
  /** The message the button was on (a channel message or an ephemeral's `message_ts`). */
  ts?: string;
  user?: string;
}

export interface LocalSlackApi {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `${url}/api/`, for `slackApiUrl`. */
  apiUrl: string;
  calls: ApiCall[];
  /** The current state of each message of a channel (all channels when omitted), in posting order. */
  messages(channel?: string): StoredMessage[];
  message(channel: string, ts: string): StoredMessage | undefined;
  ephemerals: EphemeralMessage[];
  responses: ResponseUrlUse[];
  /** A response_url served here (`${url}/response/<id>`); `origin` ties it to a message. */
  responseUrl(id?: string, origin?: ResponseOrigin): string;
  /**
   * The next call of `method` answers `{ok:false,error}` (HTTP `status`, `Retry-After` for 429);
   * with `match`, the next call whose arguments it accepts (e.g. only thread replies).
   */
  failNext(
    method: string,
    error: string,
    opts?: { status?: number; retryAfter?: number; match?: (args: Record<string, unknown>) => boolean },
  ): void;
  /** Messages shown in the channel itself: top-level posts and broadcast thread replies. */
  topLevel(channel: string): StoredMessage[];
  /** The replies in a message's thread, oldest first (the parent not included). */
  replies(channel: string, threadTs: string): StoredMessage[];
  /** Modals and Home tabs: trigger ids for interactions, the views opened and published. */
  views: ViewsStandIn;
  /**
   * Chaos: every Web API call (not response_url posts) fails with probability `rate`, drawn from a
   * seeded generator so a run is repeatable; one of `errors` is picked the same way. `null` stops it.
   */
  failRandomly(
    chaos: {
      rate: number;
      seed: number;
      errors: Array<{ error: string; status?: number; retryAfter?: number }>;
      methods?: string[];
    } | null,
  ): void;
  /** Calls failed by `failRandomly` so far. */
  randomFailures(): number;
  setUsergroup(id: string, users: string[]): void;
  /** Calls of one method. */
  callsOf(method: string): ApiCall[];
  close(): Promise<void>;
}

type Args = Record<string, unknown>;
type Answer = { status?: number; headers?: Record<string, string>; body: Record<string, unknown> };

const JSON_ARGS = new Set(['blocks', 'attachments', 'metadata', 'users', 'view']);
const RESPONSE_URL_MAX_USES = 5;
const RESPONSE_URL_TTL_MS = 30 * 60 * 1000;
const BODY_MAX = 5 * 1024 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
  ) {
    super(error);
  }
}

export async function startLocalSlackApi(opts: LocalSlackApiOptions = {}): Promise<LocalSlackApi> {
  const team = { domain: 'shareguard-local', ...(opts.team ?? { id: 'T0LOCAL', name: 'shareguard local' }) };
  const bot = opts.bot ?? { userId: 'U0SHAREGUARD', botId: 'B0SHAREGUARD', name: 'shareguard' };
  const validate = opts.validateBlocks ?? true;
  const usergroups = new Map(Object.entries(opts.usergroups ?? {}).map(([k, v]) => [k, [...v]]));
  const calls: ApiCall[] = [];
  const messages = new Map<string, StoredMessage>(); // `${channel} ${ts}` → message, in insertion order
  const ephemerals: EphemeralMessage[] = [];
  const responses: ResponseUrlUse[] = [];
  const failures = new Map<
    string,
    Array<{ error: string; status?: number; retryAfter?: number; match?: (args: Args) => boolean }>
  >();
  const views = viewsStandIn({ teamId: team.id, appId: 'A0SHAREGUARD' });
  let chaos:
    | {
        rate: number;
        next: () => number;
        errors: Array<{ error: string; status?: number; retryAfter?: number }>;
        methods?: string[];
      }
    | undefined;
  let chaosFailures = 0;
  const responseUrls = new Map<string, { origin: ResponseOrigin; created: number; uses: number }>();
  let lastMicros = 0;
  let responseSeq = 0;
  let url = '';

  const emit = (e: LocalSlackEvent) => {
    try {
      opts.onMessage?.(e);
    } catch {
      // An observer's bug must not turn into a Slack error.
    }
  };
  const nextTs = (): string => {
    lastMicros = Math.max(Date.now() * 1000, lastMicros + 1);
    return `${Math.floor(lastMicros / 1e6)}.${String(lastMicros % 1e6).padStart(6, '0')}`;
  };
  const key = (channel: string, ts: string) => `${channel} ${ts}`;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

  /** Checks text/blocks like chat.postMessage does; returns an error answer or the parsed content. */
  const content = (
    args: Args,
    requireContent: boolean,
  ): { error: Answer } | { text?: string; blocks?: unknown[] } => {
    const text = typeof args['text'] === 'string' ? args['text'] : undefined;
    const blocks = args['blocks'];
    if (blocks !== undefined && !Array.isArray(blocks)) return { error: fail('invalid_blocks_format') };
    if (requireContent && !text && (!blocks || blocks.length === 0)) return { error: fail('no_text') };
    if (text && text.length > LIMITS.messageText) return { error: fail('msg_too_long') };
    if (blocks && validate) {
      const problems = blockProblems(blocks);
      if (problems.length) {
        const error = problems.some((p) => p.error === 'invalid_blocks')
          ? 'invalid_blocks'
          : 'msg_blocks_too_long';
        return {
          error: fail(error, {
            errors: problems.map((p) => `${p.message} [json-pointer:${p.pointer}]`),
            response_metadata: {
              messages: problems.map((p) => `[ERROR] ${p.message} [json-pointer:${p.pointer}]`),
            },
          }),
        };
      }
    }
    return { ...(text !== undefined ? { text } : {}), ...(blocks ? { blocks } : {}) };
  };

  const channelCheck = (channel: string | undefined): Answer | undefined => {
    if (!channel) return fail('channel_not_found');
    if (opts.channels) {
      const c = opts.channels[channel];
      if (!c) return fail('channel_not_found');
      if (c.isMember === false) return fail('not_in_channel');
    }
    return undefined;
  };

  const wire = (m: StoredMessage) => ({
    type: 'message',
    subtype: 'bot_message',
    text: m.text ?? '',
    user: m.user,
    bot_id: m.bot_id,
    ts: m.ts,
    team: team.id,
    ...(m.blocks ? { blocks: m.blocks } : {}),
    ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}),
    ...(m.reply_count ? { reply_count: m.reply_count } : {}),
    ...(m.reply_broadcast ? { subtype: 'thread_broadcast' } : {}),
    ...(m.edited ? { edited: m.edited } : {}),
  });

  const update = (m: StoredMessage, c: { text?: string; blocks?: unknown[] }) => {
    if (c.text !== undefined) m.text = c.text;
    if (c.blocks !== undefined) m.blocks = c.blocks;
    m.updates++;
    m.edited = { user: bot.userId, ts: nextTs() };
    emit({ type: 'update', message: { ...m } });
  };

  const methods: Record<string, (args: Args) => Answer> = {
    'api.test': (args) => ok({ args }),
    'auth.test': () =>
      ok({
        url: `https://${team.domain}.slack.com/`,
        team: team.name,
        user: bot.name,
        team_id: team.id,
        user_id: bot.userId,
        bot_id: bot.botId,
        is_enterprise_install: false,
      }),
    'chat.postMessage': (args) => {
      const channel = str(args['channel']);
      const bad = channelCheck(channel);
      if (bad) return bad;
      const c = content(args, true);
      if ('error' in c) return c.error;
      // A reply names its thread's parent (a reply's ts stands for its own parent, as in Slack).
      const asked = messages.get(key(channel!, str(args['thread_ts']) ?? ''));
      if (str(args['thread_ts']) && !asked) return fail('thread_not_found'); // stricter than Slack: catches bad refs
      const parent = asked?.thread_ts ? messages.get(key(channel!, asked.thread_ts)) : asked;
      const m: StoredMessage = {
        channel: channel!,
        ts: nextTs(),
        ...c,
        user: bot.userId,
        bot_id: bot.botId,
        updates: 0,
        ...(parent ? { thread_ts: parent.ts } : {}),
        ...(parent && (args['reply_broadcast'] === true || args['reply_broadcast'] === 'true')
          ? { reply_broadcast: true }
          : {}),
      };
      if (parent) {
        parent.thread_ts = parent.ts;
        parent.reply_count = (parent.reply_count ?? 0) + 1;
      }
      messages.set(key(m.channel, m.ts), m);
      emit({ type: 'post', message: { ...m } });
      return ok({ channel: m.channel, ts: m.ts, message: wire(m) });
    },
    'chat.update': (args) => {
      const channel = str(args['channel']);
      const ts = str(args['ts']);
      if (!channel) return fail('channel_not_found');
      const m = ts ? messages.get(key(channel, ts)) : undefined;
      if (!m) return fail('message_not_found');
      const c = content(args, false);
      if ('error' in c) return c.error;
      update(m, c);
      return ok({ channel, ts: m.ts, text: m.text ?? '', message: wire(m) });
    },
    'chat.delete': (args) => {
      const channel = str(args['channel']);
      const ts = str(args['ts']);
      const m = channel && ts ? messages.get(key(channel, ts)) : undefined;
      if (!m) return fail('message_not_found');
      messages.delete(key(m.channel, m.ts));
      emit({ type: 'delete', message: { ...m } });
      return ok({ channel: m.channel, ts: m.ts });
    },
    'chat.postEphemeral': (args) => {
      const channel = str(args['channel']);
      const bad = channelCheck(channel);
      if (bad) return bad;
      const user = str(args['user']);
      if (!user) return fail('user_not_in_channel');
      const c = content(args, true);
      if ('error' in c) return c.error;
      const e: EphemeralMessage = {
        channel: channel!,
        user,
        ...c,
        message_ts: nextTs(),
        via: 'chat.postEphemeral',
        updates: 0,
      };
      ephemerals.push(e);
      emit({ type: 'ephemeral', ephemeral: { ...e } });
      return ok({ message_ts: e.message_ts });
    },
    'chat.getPermalink': (args) => {
      const channel = str(args['channel']);
      const ts = str(args['message_ts']);
      const m = channel && ts ? messages.get(key(channel, ts)) : undefined;
      if (!m) return fail('message_not_found');
      return ok({
        channel,
        permalink: `https://${team.domain}.slack.com/archives/${channel}/p${m.ts.replace('.', '')}`,
      });
    },
    'conversations.replies': (args) => {
      const channel = str(args['channel']);
      const ts = str(args['ts']);
      const m = channel && ts ? messages.get(key(channel, ts)) : undefined;
      if (!m) return fail('thread_not_found');
      const parent = m.thread_ts ? messages.get(key(m.channel, m.thread_ts)) : m;
      const all = [parent ?? m, ...threadReplies([...messages.values()], m.channel, (parent ?? m).ts)];
      return ok({ messages: all.map(wire), has_more: false });
    },
    'conversations.members': (args) => {
      const id = str(args['channel']);
      if (!id) return fail('channel_not_found');
      const known = opts.channels?.[id];
      if (opts.channels && !known) return fail('channel_not_found');
      return ok({ members: [...(known?.members ?? [])], response_metadata: { next_cursor: '' } });
    },
    'usergroups.users.list': (args) => {
      const id = str(args['usergroup']);
      const users = id ? usergroups.get(id) : undefined;
      if (!users) return fail('no_such_subteam');
      return ok({ users: [...users] });
    },
    'conversations.info': (args) => {
      const id = str(args['channel']);
      if (!id) return fail('channel_not_found');
      const known = opts.channels?.[id];
      if (opts.channels && !known) return fail('channel_not_found');
      return ok({
        channel: {
          id,
          name: known?.name ?? id.toLowerCase(),
          is_channel: !(known?.isPrivate ?? id.startsWith('G')),
          is_private: known?.isPrivate ?? id.startsWith('G'),
          is_member: known?.isMember ?? true,
          is_archived: false,
        },
      });
    },
  };

  Object.assign(methods, views.methods);

  const callMethod = (method: string, args: Args, token: string | undefined): Answer => {
    const { token: _token, ...recorded } = args;
    calls.push({ method, args: recorded, at: new Date().toISOString() });
    const queue = failures.get(method) ?? [];
    const at = queue.findIndex((f) => !f.match || f.match(recorded));
    let queued:
      { error: string; status?: number; retryAfter?: number; match?: (args: Args) => boolean } | undefined =
      at >= 0 ? queue.splice(at, 1)[0] : undefined;
    if (!queued && chaos && (!chaos.methods || chaos.methods.includes(method)) && chaos.next() < chaos.rate) {
      queued = chaos.errors[Math.floor(chaos.next() * chaos.errors.length)];
      chaosFailures++;
    }
    if (queued) {
      const headers: Record<string, string> =
        queued.retryAfter !== undefined ? { 'Retry-After': String(queued.retryAfter) } : {};
      return { status: queued.status ?? 200, headers, body: { ok: false, error: queued.error } };
    }
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

  const respondVia = (id: string, payload: Args): Answer => {
    let entry = responseUrls.get(id);
    if (!entry) {
      entry = { origin: {}, created: Date.now(), uses: 0 };
      responseUrls.set(id, entry);
    }
    if (Date.now() - entry.created > RESPONSE_URL_TTL_MS) throw new HttpError(404, 'expired_url');
    if (entry.uses >= RESPONSE_URL_MAX_USES) throw new HttpError(404, 'used_url');
    const c = content(payload, payload['delete_original'] !== true);
    if ('error' in c) return { ...c.error, status: 400 };
    entry.uses++;
    const { origin } = entry;
    let effect: ResponseUrlUse['effect'] = 'recorded';
    const original = origin.channel && origin.ts ? messages.get(key(origin.channel, origin.ts)) : undefined;
    const originalEphemeral = origin.ts ? ephemerals.find((e) => e.message_ts === origin.ts) : undefined;
    if (payload['delete_original'] === true) {
      if (original) {
        messages.delete(key(original.channel, original.ts));
        emit({ type: 'delete', message: { ...original } });
        effect = 'deleted';
      } else if (originalEphemeral) {
        ephemerals.splice(ephemerals.indexOf(originalEphemeral), 1);
        effect = 'deleted';
      }
    } else if (payload['replace_original'] === true) {
      if (original) {
        update(original, c);
        effect = 'replaced';
      } else if (originalEphemeral) {
        Object.assign(originalEphemeral, c);
        originalEphemeral.updates++;
        emit({ type: 'ephemeral', ephemeral: { ...originalEphemeral } });
        effect = 'replaced';
      }
    } else if (payload['response_type'] === 'in_channel' && origin.channel) {
      const m: StoredMessage = {
        channel: origin.channel,
        ts: nextTs(),
        ...c,
        user: bot.userId,
        bot_id: bot.botId,
        updates: 0,
      };
      messages.set(key(m.channel, m.ts), m);
      emit({ type: 'post', message: { ...m } });
      effect = 'posted';
    } else if (origin.channel) {
      const e: EphemeralMessage = {
        channel: origin.channel,
        ...(origin.user ? { user: origin.user } : {}),
        ...c,
        message_ts: nextTs(),
        via: 'response_url',
        updates: 0,
      };
      ephemerals.push(e);
      emit({ type: 'ephemeral', ephemeral: { ...e } });
      effect = 'ephemeral';
    }
    const use: ResponseUrlUse = { id, payload, at: new Date().toISOString(), effect };
    responses.push(use);
    emit({ type: 'response', response: use });
    return ok({});
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      const error = err instanceof HttpError ? err.error : 'internal_error';
      send(res, { status, body: { ok: false, error } });
    });
  });

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
      return send(res, callMethod(api[1]!, args, token));
    }
    if (response) {
      // Bolt's respond() posts JSON; legacy clients post a form field `payload` holding JSON.
      const payload = typeof args['payload'] === 'string' ? parseJsonObject(args['payload']) : args;
      return send(res, respondVia(response[1]!, payload));
    }
    throw new HttpError(404, 'not_found');
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    apiUrl: `${url}/api/`,
    calls,
    messages: (channel) =>
      [...messages.values()].filter((m) => channel === undefined || m.channel === channel),
    message: (channel, ts) => messages.get(key(channel, ts)),
    topLevel: (channel) => topLevel([...messages.values()], channel),
    replies: (channel, ts) => threadReplies([...messages.values()], channel, ts),
    views,
    ephemerals,
    responses,
    responseUrl(id, origin = {}) {
      const rid = id ?? `r${++responseSeq}`;
      responseUrls.set(rid, { origin, created: Date.now(), uses: 0 });
      return `${url}/response/${encodeURIComponent(rid)}`;
    },
    failRandomly(c) {
      chaos = c
        ? {
            rate: c.rate,
            next: mulberry32(c.seed),
            errors: c.errors,
            ...(c.methods ? { methods: c.methods } : {}),
          }
        : undefined;
    },
    randomFailures: () => chaosFailures,
    failNext(method, error, o = {}) {
      const list = failures.get(method) ?? [];
      list.push({ error, ...o });
      failures.set(method, list);
    },
    setUsergroup(id, users) {
      usergroups.set(id, [...users]);
    },
    callsOf: (method) => calls.filter((c) => c.method === method),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function ok(body: Record<string, unknown>): Answer {
  return { body: { ok: true, ...body } };
}

function fail(error: string, extra: Record<string, unknown> = {}): Answer {
  return { body: { ok: false, error, ...extra } };
}

function send(res: ServerResponse, a: Answer): void {
  const body = JSON.stringify(a.body);
  res.writeHead(a.status ?? 200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...a.headers,
  });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > BODY_MAX) {
        reject(new HttpError(413, 'request_too_large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJsonObject(s: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(s);
  } catch {
    throw new HttpError(400, 'invalid_json');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new HttpError(400, 'invalid_json');
  return v as Record<string, unknown>;
}

/** Form-encoded (what the WebClient sends, JSON-valued fields as strings), JSON, or query parameters. */
function parseArgs(raw: string, contentType: string | undefined, query: URLSearchParams): Args {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const args: Args = {};
  for (const [k, v] of query) args[k] = v;
  if (!raw) return args;
  if (type === 'application/json') return { ...args, ...parseJsonObject(raw) };
  if (type === 'application/x-www-form-urlencoded' || type === '') {
    for (const [k, v] of new URLSearchParams(raw)) {
      if (JSON_ARGS.has(k)) {
        try {
          args[k] = JSON.parse(v);
        } catch {
          args[k] = v; // left as a string: the method answers invalid_blocks_format
        }
      } else args[k] = v;
    }
    return args;
  }
  throw new HttpError(400, 'invalid_form_data');
}

/** A small seeded PRNG (mulberry32): repeatable chaos in tests. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
