// The local Slack Web API stand-in's public shapes (what tests and the demo read) and the answer
// every method returns.
import type { ViewsStandIn } from './views.ts';

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
  /** `metadata` given to chat.postMessage (returned by history with `include_all_metadata`). */
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
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
  /**
   * Calls of `method` get no answer until `release()` (then they are carried out and answered, like a
   * Slack that hung): a Slack outage; with `calls`, only that many of the next calls are held.
   * `waiting()` counts the calls held right now.
   */
  hang(method: string, calls?: number): { release(): void; waiting(): number };
  /**
   * The next call of `method` is carried out at once but answered only after `ms` (a client with a
   * shorter timeout gives up on it: a post Slack made, answered late).
   */
  answerLate(method: string, ms: number): void;
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

export type Args = Record<string, unknown>;
export type Answer = { status?: number; headers?: Record<string, string>; body: Record<string, unknown> };

export function ok(body: Record<string, unknown>): Answer {
  return { body: { ok: true, ...body } };
}

export function fail(error: string, extra: Record<string, unknown> = {}): Answer {
  return { body: { ok: false, error, ...extra } };
}
