import type { WebClient } from '@slack/web-api';
import type { FindingRecord, MessageRef } from '../domain/lifecycle.ts';
import { outboxKey, type OutboxEntry } from '../domain/intent.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/index.ts';
import {
  findingMessage,
  NO_REMEDIATION_VIEW,
  ownerGroupMessage,
  planScanPosts,
  type RemediationView,
  type SlackMessage,
} from './messages/index.ts';

/**
 * Posts findings to the channel and keeps their messages in step with the store. A message shows one
 * finding, or several of one owner (then its ref lists them all and is re-rendered from all of them).
 */
export class Publisher {
  constructor(
    private readonly client: WebClient,
    private readonly store: Store,
    private readonly channel: string,
    private readonly log: Logger,
    /** Owner-side role, guard mode, dry run per finding: what the buttons and confirm dialogs say. */
    private readonly view: RemediationView = NO_REMEDIATION_VIEW,
  ) {}

  async post(msg: SlackMessage, channel = this.channel): Promise<MessageRef> {
    const res = await this.client.chat.postMessage({ channel, text: msg.text, blocks: msg.blocks });
    if (!res.ts) throw new Error('chat.postMessage returned no ts');
    return { channel: res.channel ?? channel, ts: res.ts };
  }

  async update(ref: MessageRef, msg: SlackMessage): Promise<void> {
    await this.client.chat.update({ channel: ref.channel, ts: ref.ts, text: msg.text, blocks: msg.blocks });
  }

  /** Posts a scan's new findings within the per-scan message budget; returns how many findings got a message. */
  async postFindings(
    records: readonly FindingRecord[],
    maxMessages: number,
  ): Promise<{ messages: number; posted: number; overflow: number }> {
    const plan = planScanPosts(records, maxMessages, this.view);
    let posted = 0;
    for (const p of plan.posts) {
      try {
        const ref = await this.post(p);
        const withIds: MessageRef = p.findingIds.length > 1 ? { ...ref, findingIds: p.findingIds } : ref;
        for (const id of p.findingIds) await this.store.setMessage(id, withIds);
        posted += p.findingIds.length;
      } catch (err) {
        // The findings stay stored and open; `/shared-scan status` lists them.
        this.log.error(
          { err: (err as Error).message, findings: p.findingIds.length },
          'posting a finding message failed',
        );
      }
    }
    return { messages: plan.posts.length, posted, overflow: plan.overflowCount };
  }

  /**
   * Re-renders the messages that show these findings (after a decision, or when they resolved). A
   * message Slack would not update goes to the store's outbox and is re-rendered later from the store
   * (`drainOutbox`), not retried here.
   */
  async refresh(records: readonly FindingRecord[]): Promise<void> {
    await this.flush(this.entries(records, 0), records);
  }

  /**
   * Write-ahead for a decision's messages: one outbox entry per message, written before the decision
   * is marked done, so a crash or a Slack outage after it still leaves "needs refresh" in the store.
   */
  async queueRefresh(records: readonly FindingRecord[]): Promise<OutboxEntry[]> {
    const entries = this.entries(records, 0);
    for (const e of entries) await this.store.putOutbox(e);
    return entries;
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
        if (record) await this.update(e.ref, await this.render(record, e.ref, [record]));
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

  private entries(records: readonly FindingRecord[], attempts: number): OutboxEntry[] {
    const out = new Map<string, OutboxEntry>();
    const at = new Date().toISOString();
    for (const r of records) {
      if (!r.message) continue;
      const key = outboxKey(r.message);
      if (!out.has(key)) out.set(key, { key, findingId: r.finding.id, ref: r.message, at, attempts });
    }
    return [...out.values()];
  }

  private async render(
    record: FindingRecord,
    ref: MessageRef,
    fresh: readonly FindingRecord[],
  ): Promise<SlackMessage> {
    if (!ref.findingIds || ref.findingIds.length <= 1) return findingMessage(record, this.view);
    const latest = new Map(fresh.map((r) => [r.finding.id, r]));
    const missing = ref.findingIds.filter((id) => !latest.has(id));
    if (missing.length) for (const [id, r] of await this.store.getFindings(missing)) latest.set(id, r);
    const group = ref.findingIds.flatMap((id) => {
      const r = latest.get(id);
      return r ? [r] : [];
    });
    return ownerGroupMessage(record.finding.ownerAccountId, group, 1, 1, this.view);
  }

  async ephemeral(channel: string, user: string, msg: SlackMessage): Promise<void> {
    try {
      await this.client.chat.postEphemeral({ channel, user, text: msg.text, blocks: msg.blocks });
    } catch (err) {
      this.log.warn({ err: (err as Error).message, user }, 'ephemeral message failed');
    }
  }
}
