/**
 * The Slack side of the decision runner (core/decision-runner.ts implements the decisions; this is its
 * observer port): messages re-rendered from the outbox, the clicker's answer, the channel post of
 * Block / Unblock account and Unblock. It runs on its own pool and the runner never waits for it, so
 * a hung `chat.update` delays messages, never AWS decisions (D4).
 */
import type { DecisionObserver, RunOutcome } from '../core/decision-runner.ts';
import type { SetUpResult } from '../core/two-person.ts';
import type { DecisionIntent, OutboxEntry } from '../domain/intent.ts';
import type { FindingRecord } from '../domain/lifecycle.ts';
import type { Logger } from '../log.ts';
import { Limiter } from '../scan/limiter.ts';
import type { Publisher } from './publisher.ts';
import { refusalMessage, typedRefusalMessage, type SlackMessage } from './messages/index.ts';
import { ephemeral } from './listeners/commands/shared-scan.ts';
import { twoPersonRefusalText } from './listeners/views/two-person-refusals.ts';
import { recordDecision } from '../metrics.ts';
import { blockAccountMessage, unblockMessage } from './messages/guard.ts';

/** Slack renders at once, apart from the decisions' pool. */
const RENDERS_AT_ONCE = 4;

export class SlackDecisionObserver implements DecisionObserver {
  private readonly renders = new Limiter(RENDERS_AT_ONCE);

  constructor(
    private readonly publisher: Publisher,
    private readonly log: Logger,
    /** Background work (awaited on shutdown and by tests). */
    private readonly track: (work: Promise<unknown>) => void,
  ) {}

  /** "⏳ Removing…" as soon as the finding is claimed; the final render goes through the outbox anyway. */
  claimed(rec: FindingRecord): void {
    this.track(
      this.renders
        .run(() => this.publisher.refresh([rec]))
        .catch((err: Error) =>
          this.log.warn({ err: err.message, findingId: rec.finding.id }, 'claimed message not shown'),
        ),
    );
  }

  finished(intent: DecisionIntent, outcome: RunOutcome, queued: OutboxEntry[]): void {
    recordDecision(intent.action, outcome.status);
    this.track(
      this.renders.run(async () => {
        if (outcome.status === 'refused') await this.reply(intent, typedRefusalMessage(outcome.refusal));
        await this.publisher.flush(queued);
        // Block / Unblock account and Unblock tell the channel (the messages were refreshed just above).
        if (outcome.status === 'done' && outcome.block)
          await this.publisher.post(
            blockAccountMessage(outcome.block, intent.by, intent.extras?.reason, intent.extras?.confirmedBy),
          );
        if (outcome.status === 'done' && outcome.unblock)
          await this.publisher.post(unblockMessage(outcome.unblock, intent.by));
      }),
    );
  }

  requested(intent: DecisionIntent, result: SetUpResult, queued: OutboxEntry[]): void {
    this.track(
      this.renders.run(async () => {
        if (result.status === 'refused')
          await this.reply(intent, refusalMessage(twoPersonRefusalText(result.refusal)));
        await this.publisher.flush(queued);
      }),
    );
  }

  interrupted(intent: DecisionIntent): void {
    recordDecision(intent.action, 'interrupted');
  }

  drain(): Promise<{ refreshed: number; failed: number }> {
    return this.publisher.drainOutbox();
  }

  /** The clicker's answer: through the click's response_url (works without channel membership), else ephemeral. */
  private async reply(intent: DecisionIntent, msg: SlackMessage): Promise<void> {
    const url = intent.reply?.responseUrl;
    if (url) {
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ ...ephemeral(msg), replace_original: false }),
          signal: AbortSignal.timeout(10_000),
        });
        if (res.ok) return;
        this.log.warn({ status: res.status, intentId: intent.intentId }, 'response_url refused the answer');
      } catch (err) {
        this.log.warn({ err: (err as Error).message, intentId: intent.intentId }, 'response_url failed');
      }
    }
    if (intent.reply?.channel)
      await this.publisher.ephemeral(intent.reply.channel, intent.reply.userId ?? intent.by.userId, msg);
  }
}
