import type { HomeView, ModalView } from '@slack/types';
import type { ChatPostMessageArguments, WebClient } from '@slack/web-api';
import type { FindingRecord } from '../domain/lifecycle.ts';
import type { MessageRef } from '../domain/message-ref.ts';
import { outboxKey, type OutboxEntry } from '../domain/intent.ts';
import { outboxEntries } from '../core/outbox.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/index.ts';
import {
  findingMessage,
  NO_REMEDIATION_VIEW,
  NO_UNFURL,
  ownerMessage,
  planScanPosts,
  verbatimBlocks,
  type RemediationView,
  type SlackMessage,
} from './messages/index.ts';
import { describeSlackError } from './listeners/failures.ts';
import type { RiskMessageOptions } from './messages/risk.ts';
import { isUnansweredRequest } from './app.ts';

export interface PublisherOptions {
  /** Owner-side role, guard mode, dry run per finding: what the buttons and confirm dialogs say. */
  view?: RemediationView;
  /**
   * Minimum gap between two `chat.postMessage` calls (Slack allows about one post per second per
   * channel, thread replies included, and does not promise to show bursts: docs/slack.md). Default 0.
   */
  postIntervalMs?: number;
  /**
   * The client for `chat.postMessage` (built with `postingClientOptions`: an unanswered post is not
   * retried blindly, D12). Default: `client`.
   */
  postClient?: WebClient;
  /** For tests: how to wait, and the clock the pace is measured on. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface PostOptions {
  /** Post as a reply in this message's thread. */
  threadTs?: string;
  /** A thread reply that is also shown in the channel (`reply_broadcast`). */
  broadcast?: boolean;
  /**
   * The findings the message shows: put in its metadata, so a post Slack carried out but answered
   * late is found in the channel and adopted instead of posted again (D12).
   */
  findingIds?: readonly string[];
}

/** Message metadata naming a post's findings (docs/slack.md "Posts answered late"). */
export const FINDING_EVENT = 'shareguard_finding';
/** Posts tried when Slack leaves them unanswered and the channel does not show them. */
const UNANSWERED_TRIES = 3;
/** How many of the newest messages are searched for an unanswered post (one page). */
const LOOKUP_LIMIT = 100;

export function findingMetadata(ids: readonly string[]) {
  // A string, not an array: the payload's values are scalars or objects (Slack's MessageMetadata type).
  return { event_type: FINDING_EVENT, event_payload: { finding_ids: [...ids].sort().join(',') } };
}

export interface PostFindingsResult {
  /** Messages planned (finding, group and overflow messages). */
  messages: number;
  /** Findings that got a message (and their buttons). */
  posted: number;
  /** Findings whose message Slack refused or that could not be sent: they stay "needs posting". */
  failed: number;
  /** Findings beyond the message budget, counted in the overflow message: they stay "needs posting". */
  overflow: number;
  /** Messages that were broadcast to the channel from the thread (critical findings). */
  broadcasts: number;
}

/** Errors after which every further post to the channel fails the same way: stop trying this round. */
const CHANNEL_ERRORS = new Set(['not_in_channel', 'channel_not_found', 'is_archived', 'invalid_auth']);

const MEMBERS_CACHE_MS = 5 * 60_000;

/** A post not sent because the process is shutting down. */
export class PublisherStoppedError extends Error {
  constructor() {
    super('shareguard is shutting down; the post will be retried after the restart');
    this.name = 'PublisherStoppedError';
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Posts findings to the channel and keeps their messages in step with the store. A message shows one
 * finding, or several of one owner (then its ref lists them all and is re-rendered from all of them).
 * A finding's message ref is stored only once Slack accepted the post: an open finding without one
 * "needs posting" and is offered again (issue 8 item 2).
 */
export class Publisher {
  private nextPostAt = 0;
  private stopping = false;
  private release: () => void = () => undefined;
  private readonly view: RemediationView;
  private readonly stopped = new Promise<void>((resolve) => (this.release = resolve));
  private readonly members = new Map<string, { at: number; members: ReadonlySet<string> }>();
  private readonly postIntervalMs: number;
  private readonly postClient: WebClient;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(
    private readonly client: WebClient,
    private readonly store: Store,
    private readonly channel: string,
    private readonly log: Logger,
    options: PublisherOptions = {},
  ) {
    this.postIntervalMs = options.postIntervalMs ?? 0;
    this.postClient = options.postClient ?? client;
    this.view = options.view ?? NO_REMEDIATION_VIEW;
    this.sleep = options.sleep ?? sleep;
    this.now = options.now ?? Date.now;
    this.view = options.view ?? NO_REMEDIATION_VIEW;
  }

  /** Waits for this post's slot: slots are reserved synchronously, so concurrent posters queue up in order. */
  private async pace(): Promise<void> {
    if (this.stopping) throw new PublisherStoppedError();
    if (this.postIntervalMs <= 0) return;
    const now = this.now();
    const at = Math.max(now, this.nextPostAt);
    this.nextPostAt = at + this.postIntervalMs;
    if (at > now) await Promise.race([this.sleep(at - now), this.stopped]);
    if (this.stopping) throw new PublisherStoppedError();
  }

  /**
   * On shutdown: posts waiting for their slot give up at once (their findings keep no message and are
   * offered again by the next scan), so a paced thread of findings never holds up the exit.
   */
  stop(): void {
    this.stopping = true;
    this.release();
  }

  async post(msg: SlackMessage, channel = this.channel, opts: PostOptions = {}): Promise<MessageRef> {
    await this.pace();
    // verbatim + no unfurls: URLs in attacker-written names stay text and are never fetched (docs/slack.md).
    const base = {
      channel,
      text: msg.text,
      blocks: verbatimBlocks(msg.blocks),
      ...NO_UNFURL,
      ...(opts.findingIds?.length ? { metadata: findingMetadata(opts.findingIds) } : {}),
    };
    const res = await this.postOnce(
      opts.threadTs ? { ...base, thread_ts: opts.threadTs, reply_broadcast: Boolean(opts.broadcast) } : base,
    ).catch((err: unknown) => {
      const code = slackErrorCode(err);
      if (code === 'not_in_channel' || code === 'channel_not_found')
        // Keeps Slack's `data` so callers still see the code (CHANNEL_ERRORS stops a posting round).
        throw Object.assign(new Error(`${code}: ${describeSlackError(err, channel)}`, { cause: err }), {
          data: (err as { data?: unknown }).data,
        });
      throw err;
    });
    if (!res.ts) throw new Error('chat.postMessage returned no ts');
    return { channel: res.channel ?? channel, ts: res.ts };
  }

  /**
   * One post, never doubled: when Slack leaves it unanswered (a timeout, a reset), a post carrying
   * metadata is looked for in the channel (or its thread) before it is sent again, and adopted when
   * found. A post without metadata is not retried (nothing to recognise it by).
   */
  private async postOnce(args: ChatPostMessageArguments): Promise<{ channel?: string; ts?: string }> {
    const key = args.metadata?.event_payload?.['finding_ids'];
    // Slack's ts are seconds; a minute back covers clock skew between us and Slack.
    const oldest = ((this.now() - 60_000) / 1000).toFixed(6);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.postClient.chat.postMessage(args);
      } catch (err) {
        if (typeof key !== 'string' || !isUnansweredRequest(err) || attempt >= UNANSWERED_TRIES) throw err;
        const found = await this.findPost(args.channel, args.thread_ts, key, oldest).catch((err2: Error) => {
          // Not knowing, a duplicate beats a finding without buttons (the store keeps the newer ref).
          this.log.warn({ err: err2.message }, 'looking for an unanswered post failed; posting again');
          return undefined;
        });
        this.log.warn(
          { err: (err as Error).message, adopted: found ?? null },
          found
            ? 'an unanswered post was carried out; adopted'
            : 'an unanswered post is not in the channel; posting again',
        );
        if (found) return { channel: args.channel, ts: found };
      }
    }
  }

  /** The ts of the bot's message carrying these findings' metadata, among the newest (bounded: one page). */
  private async findPost(
    channel: string,
    threadTs: string | undefined,
    key: string,
    oldest: string,
  ): Promise<string | undefined> {
    const q = { channel, oldest, limit: LOOKUP_LIMIT, include_all_metadata: true } as const;
    const res = threadTs
      ? await this.client.conversations.replies({ ...q, ts: threadTs })
      : await this.client.conversations.history(q);
    const hit = (res.messages ?? []).find((m) => {
      const payload = m.metadata?.event_payload as Record<string, unknown> | undefined; // the SDK types no keys
      return m.metadata?.event_type === FINDING_EVENT && payload?.['finding_ids'] === key;
    });
    return hit?.ts;
  }

  async update(ref: MessageRef, msg: SlackMessage): Promise<void> {
    await this.client.chat.update({
      channel: ref.channel,
      ts: ref.ts,
      text: msg.text,
      blocks: verbatimBlocks(msg.blocks),
    });
  }

  /**
   * Posts findings (highest risk first, grouped as `planScanPosts` decides) within the per-scan message
   * budget, paced; into `threadTs`'s thread when given (critical ones also broadcast). A finding's
   * message ref is stored only after its post succeeded.
   */
  async postFindings(
    records: readonly FindingRecord[],
    maxMessages: number,
    opts: { threadTs?: string } & RiskMessageOptions = {},
  ): Promise<PostFindingsResult> {
    const plan = planScanPosts(records, maxMessages, this.view, opts.notify ? { notify: opts.notify } : {});
    let posted = 0;
    let failed = 0;
    let broadcasts = 0;
    let channelError: string | undefined;
    for (const p of plan.posts) {
      if (channelError) {
        failed += p.findingIds.length;
        continue;
      }
      const broadcast = Boolean(opts.threadTs && p.critical);
      let ref: MessageRef;
      try {
        ref = await this.post(p, this.channel, { ...opts, broadcast, findingIds: p.findingIds });
      } catch (err) {
        failed += p.findingIds.length;
        const code = err instanceof PublisherStoppedError ? 'stopping' : slackErrorCode(err);
        if (code && (CHANNEL_ERRORS.has(code) || code === 'stopping')) channelError = code;
        // The findings stay stored, open and without a message: the next scan or `/shared-scan post` retries.
        this.log.error(
          { err: (err as Error).message, findings: p.findingIds.length },
          'posting a finding message failed; it will be offered again',
        );
        continue;
      }
      if (broadcast) broadcasts++;
      // An owner message is re-rendered from its findings; the owners index is a snapshot (no ids kept).
      const withIds: MessageRef =
        p.kind === 'owner'
          ? { ...ref, layout: 'owner', findingIds: p.findingIds }
          : p.kind === 'owners'
            ? { ...ref, layout: 'owners' }
            : ref;
      const posted0 = posted;
      for (const id of p.findingIds) {
        try {
          await this.store.setMessage(id, withIds);
          posted++;
        } catch (err) {
          // Posted but not recorded: it will be posted again (a duplicate beats a finding without buttons).
          failed++;
          this.log.error({ err: (err as Error).message, findingId: id }, 'recording a posted message failed');
        }
      }
      // The owners index is a snapshot, never re-rendered (its findings have their own owner messages).
      if (posted > posted0 && withIds.layout !== 'owners') await this.catchUp(p.findingIds, records, withIds);
    }
    return { messages: plan.posts.length, posted, failed, overflow: plan.overflowCount, broadcasts };
  }

  /**
   * A decision taken while this post was being planned or sent (from App Home, another replica) is
   * not in what was posted, and its own refresh found no message to update yet (D7): the message is
   * re-rendered from the latest stored records when any of them moved on since.
   */
  private async catchUp(ids: readonly string[], planned: readonly FindingRecord[], ref: MessageRef) {
    const before = new Map(planned.map((r) => [r.finding.id, r]));
    const moved = (r: FindingRecord) => {
      const b = before.get(r.finding.id);
      return (
        !b ||
        b.state !== r.state ||
        b.decision?.decisionId !== r.decision?.decisionId ||
        b.approval?.requestId !== r.approval?.requestId
      );
    };
    try {
      const latest = await this.store.getFindings([...ids]);
      const first = [...latest.values()].find(moved);
      if (!first) return;
      await this.flush([
        { key: outboxKey(ref), findingId: first.finding.id, ref, at: new Date().toISOString(), attempts: 0 },
      ]);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'checking a posted message against the store failed');
    }
  }

  /** Open findings that have no message (a failed post, or beyond an earlier scan's budget). */
  async needsPosting(): Promise<FindingRecord[]> {
    return (await this.store.listFindings({ states: ['open'] })).filter((r) => !r.message);
  }

  /**
   * Re-renders the messages that show these findings (after a decision, or when they resolved). A
   * message Slack would not update goes to the store's outbox and is re-rendered later from the store
   * (`drainOutbox`), not retried here.
   */
  async refresh(records: readonly FindingRecord[]): Promise<void> {
    await this.flush(outboxEntries(records), records);
  }

  /**
   * Updates these messages; each one that worked leaves the outbox, each one that failed stays in it.
   * Renders of one message run one at a time and read the store inside the turn: two decisions on one
   * owner's grouped message can never leave the older picture last (the chaos test found that race).
   */
  async flush(entries: readonly OutboxEntry[], _fresh: readonly FindingRecord[] = []): Promise<number> {
    let failed = 0;
    for (const e of entries) if (!(await this.inTurn(e.key, () => this.flushOne(e)))) failed++;
    return failed;
  }

  private readonly turns = new Map<string, Promise<unknown>>();

  private async inTurn<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.turns.get(key) ?? Promise.resolve();
    const mine = before.then(fn, fn);
    const tail = mine.catch(() => {});
    this.turns.set(key, tail);
    void tail.finally(() => {
      if (this.turns.get(key) === tail) this.turns.delete(key);
    });
    return mine;
  }

  private async flushOne(e: OutboxEntry): Promise<boolean> {
    {
      try {
        const record = await this.store.getFinding(e.findingId);
        // The owners index is not re-rendered: each owner's Review reads the store when opened.
        if (record && e.ref.layout !== 'owners')
          await this.update(e.ref, await this.render(record, e.ref, [record]));
      } catch (err) {
        const lastError = (err as Error).message;
        this.log.warn(
          { err: lastError, findingId: e.findingId, attempts: e.attempts + 1 },
          'message left for a later refresh',
        );
        await this.store
          .putOutbox({ ...e, attempts: e.attempts + 1, lastError: lastError.slice(0, 500) })
          .catch((err2: Error) =>
            this.log.error({ err: err2.message, findingId: e.findingId }, 'outbox write failed'),
          );
        return false;
      }
      await this.store
        .deleteOutbox(e.key)
        // Left behind, it only re-renders a message that is already right.
        .catch((err: Error) => this.log.warn({ err: err.message, key: e.key }, 'outbox delete failed'));
      return true;
    }
  }

  /** Re-renders every message in the outbox from the store (serve's reconciler). */
  async drainOutbox(): Promise<{ refreshed: number; failed: number }> {
    const entries = await this.store.listOutbox();
    const failed = await this.flush(entries);
    return { refreshed: entries.length - failed, failed };
  }

  private async render(
    record: FindingRecord,
    ref: MessageRef,
    fresh: readonly FindingRecord[],
  ): Promise<SlackMessage> {
    const ids = ref.findingIds ?? [record.finding.id];
    if (ref.layout !== 'owner' && ids.length <= 1) return findingMessage(record, this.view);
    const latest = new Map(fresh.map((r) => [r.finding.id, r]));
    const missing = ids.filter((id) => !latest.has(id));
    if (missing.length) for (const [id, r] of await this.store.getFindings(missing)) latest.set(id, r);
    const group = ids.flatMap((id) => {
      const r = latest.get(id);
      return r ? [r] : [];
    });
    return ownerMessage(record.finding.ownerAccountId, group, this.view);
  }

  /** Opens a modal for the user who clicked (`views.open`; the trigger lives 3 s and works once). */
  async openModal(triggerId: string, view: ModalView): Promise<string | undefined> {
    const res = await this.client.views.open({ trigger_id: triggerId, view });
    return res.view?.id;
  }

  /** Replaces an open modal's content (`views.update`): the reason form once the finding is read. */
  async updateModal(viewId: string, view: ModalView): Promise<void> {
    await this.client.views.update({ view_id: viewId, view });
  }

  /** Publishes a user's App Home tab (`views.publish`). */
  async publishHome(userId: string, view: HomeView): Promise<void> {
    await this.client.views.publish({
      user_id: userId,
      view: { ...view, blocks: verbatimBlocks(view.blocks) },
    });
  }

  /**
   * Whether a user is in the channel (`conversations.members`, paginated; scopes channels:read /
   * groups:read). Cached five minutes per channel: the App Home opens often.
   */
  async isChannelMember(channel: string, userId: string): Promise<boolean> {
    const hit = this.members.get(channel);
    let members = hit && this.now() - hit.at < MEMBERS_CACHE_MS ? hit.members : undefined;
    if (!members) {
      const all = new Set<string>();
      let cursor: string | undefined;
      do {
        const res = await this.client.conversations.members({
          channel,
          limit: 1000,
          ...(cursor ? { cursor } : {}),
        });
        for (const m of res.members ?? []) all.add(m);
        cursor = res.response_metadata?.next_cursor || undefined;
      } while (cursor);
      members = all;
      this.members.set(channel, { at: this.now(), members });
    }
    return members.has(userId);
  }

  async ephemeral(channel: string, user: string, msg: SlackMessage): Promise<void> {
    try {
      await this.client.chat.postEphemeral({
        channel,
        user,
        text: msg.text,
        blocks: verbatimBlocks(msg.blocks),
      });
    } catch (err) {
      this.log.warn({ err: (err as Error).message, user }, 'ephemeral message failed');
    }
  }
}

/** The Web API error code (`not_in_channel`) of a failed call, when Slack answered one. */
export function slackErrorCode(err: unknown): string | undefined {
  const data = (err as { data?: { error?: unknown } } | undefined)?.data;
  return typeof data?.error === 'string' ? data.error : undefined;
}
