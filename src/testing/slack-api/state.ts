// What the local Slack workspace holds: channel messages (with their threads), ephemerals, the
// calls made and the response_url uses, plus the checks chat.postMessage applies to content.
import { blockProblems, LIMITS } from '../../slack/messages/limits.ts';
import {
  fail,
  type Answer,
  type ApiCall,
  type Args,
  type EphemeralMessage,
  type LocalSlackApiOptions,
  type LocalSlackEvent,
  type ResponseUrlUse,
  type StoredMessage,
} from './types.ts';

export type Content = { text?: string; blocks?: unknown[]; metadata?: StoredMessage['metadata'] };

export const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export class SlackState {
  readonly team: { id: string; name: string; domain: string };
  readonly bot: { userId: string; botId: string; name: string };
  readonly usergroups: Map<string, string[]>;
  readonly calls: ApiCall[] = [];
  private readonly messages = new Map<string, StoredMessage>(); // `${channel} ${ts}` → message, in insertion order
  readonly ephemerals: EphemeralMessage[] = [];
  readonly responses: ResponseUrlUse[] = [];
  private readonly validate: boolean;
  private lastMicros = 0;

  constructor(private readonly opts: LocalSlackApiOptions) {
    this.team = { domain: 'shareguard-local', ...(opts.team ?? { id: 'T0LOCAL', name: 'shareguard local' }) };
    this.bot = opts.bot ?? { userId: 'U0SHAREGUARD', botId: 'B0SHAREGUARD', name: 'shareguard' };
    this.validate = opts.validateBlocks ?? true;
    this.usergroups = new Map(Object.entries(opts.usergroups ?? {}).map(([k, v]) => [k, [...v]]));
  }

  emit(e: LocalSlackEvent): void {
    try {
      this.opts.onMessage?.(e);
    } catch {
      // An observer's bug must not turn into a Slack error.
    }
  }

  /** A message ts: microseconds since the epoch, strictly increasing. */
  nextTs(): string {
    this.lastMicros = Math.max(Date.now() * 1000, this.lastMicros + 1);
    return `${Math.floor(this.lastMicros / 1e6)}.${String(this.lastMicros % 1e6).padStart(6, '0')}`;
  }

  message(channel: string, ts: string): StoredMessage | undefined {
    return this.messages.get(`${channel} ${ts}`);
  }

  allMessages(): StoredMessage[] {
    return [...this.messages.values()];
  }

  /** A new message from the bot (chat.postMessage, a response_url's `in_channel`). */
  post(
    channel: string,
    c: Content,
    thread: Partial<Pick<StoredMessage, 'thread_ts' | 'reply_broadcast'>> = {},
  ) {
    const m: StoredMessage = {
      channel,
      ts: this.nextTs(),
      ...c,
      user: this.bot.userId,
      bot_id: this.bot.botId,
      updates: 0,
      ...thread,
    };
    this.messages.set(`${m.channel} ${m.ts}`, m);
    this.emit({ type: 'post', message: { ...m } });
    return m;
  }

  update(m: StoredMessage, c: Content): void {
    if (c.text !== undefined) m.text = c.text;
    if (c.blocks !== undefined) m.blocks = c.blocks;
    m.updates++;
    m.edited = { user: this.bot.userId, ts: this.nextTs() };
    this.emit({ type: 'update', message: { ...m } });
  }

  delete(m: StoredMessage): void {
    this.messages.delete(`${m.channel} ${m.ts}`);
    this.emit({ type: 'delete', message: { ...m } });
  }

  postEphemeral(channel: string, user: string | undefined, c: Content, via: EphemeralMessage['via']) {
    const e: EphemeralMessage = {
      channel,
      ...(user ? { user } : {}),
      ...c,
      message_ts: this.nextTs(),
      via,
      updates: 0,
    };
    this.ephemerals.push(e);
    this.emit({ type: 'ephemeral', ephemeral: { ...e } });
    return e;
  }

  /** Checks text/blocks like chat.postMessage does; returns an error answer or the parsed content. */
  content(args: Args, requireContent: boolean): { error: Answer } | Content {
    const text = typeof args['text'] === 'string' ? args['text'] : undefined;
    const blocks = args['blocks'];
    if (blocks !== undefined && !Array.isArray(blocks)) return { error: fail('invalid_blocks_format') };
    if (requireContent && !text && (!blocks || blocks.length === 0)) return { error: fail('no_text') };
    if (text && text.length > LIMITS.messageText) return { error: fail('msg_too_long') };
    if (blocks && this.validate) {
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
  }

  /** `channel_not_found` / `not_in_channel` as Slack answers them, when channels are configured. */
  channelCheck(channel: string | undefined): Answer | undefined {
    if (!channel) return fail('channel_not_found');
    if (this.opts.channels) {
      const c = this.opts.channels[channel];
      if (!c) return fail('channel_not_found');
      if (c.isMember === false) return fail('not_in_channel');
    }
    return undefined;
  }

  /** A message as the Web API returns it. */
  wire(m: StoredMessage, withMetadata = false): Record<string, unknown> {
    return {
      type: 'message',
      subtype: 'bot_message',
      text: m.text ?? '',
      user: m.user,
      bot_id: m.bot_id,
      ts: m.ts,
      team: this.team.id,
      ...(m.blocks ? { blocks: m.blocks } : {}),
      ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}),
      ...(m.reply_count ? { reply_count: m.reply_count } : {}),
      ...(m.reply_broadcast ? { subtype: 'thread_broadcast' } : {}),
      ...(m.edited ? { edited: m.edited } : {}),
      ...(withMetadata && m.metadata ? { metadata: m.metadata } : {}),
    };
  }
}
