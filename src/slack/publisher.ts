import type { WebClient } from '@slack/web-api';
import type { FindingRecord, MessageRef } from '../domain/lifecycle.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/index.ts';
import { findingMessage, ownerGroupMessage, planScanPosts, type SlackMessage } from './messages/index.ts';
import type { RiskMessageOptions } from './messages/risk.ts';

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
    options: RiskMessageOptions = {},
  ): Promise<{ messages: number; posted: number; overflow: number }> {
    const plan = planScanPosts(records, maxMessages, options);
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

  /** Re-renders the messages that show these findings (after a decision, or when they resolved). */
  async refresh(records: readonly FindingRecord[]): Promise<void> {
    const done = new Set<string>();
    for (const record of records) {
      const ref = record.message;
      if (!ref) continue;
      const key = `${ref.channel}|${ref.ts}`;
      if (done.has(key)) continue;
      done.add(key);
      try {
        await this.update(ref, await this.render(record, ref, records));
      } catch (err) {
        this.log.error(
          { err: (err as Error).message, findingId: record.finding.id },
          'updating a finding message failed',
        );
      }
    }
  }

  private async render(
    record: FindingRecord,
    ref: MessageRef,
    fresh: readonly FindingRecord[],
  ): Promise<SlackMessage> {
    if (!ref.findingIds || ref.findingIds.length <= 1) return findingMessage(record);
    const latest = new Map(fresh.map((r) => [r.finding.id, r]));
    const missing = ref.findingIds.filter((id) => !latest.has(id));
    if (missing.length) for (const [id, r] of await this.store.getFindings(missing)) latest.set(id, r);
    const group = ref.findingIds.flatMap((id) => {
      const r = latest.get(id);
      return r ? [r] : [];
    });
    return ownerGroupMessage(record.finding.ownerAccountId, group);
  }

  async ephemeral(channel: string, user: string, msg: SlackMessage): Promise<void> {
    try {
      await this.client.chat.postEphemeral({ channel, user, text: msg.text, blocks: msg.blocks });
    } catch (err) {
      this.log.warn({ err: (err as Error).message, user }, 'ephemeral message failed');
    }
  }
}
