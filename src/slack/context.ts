import type { CoreDeps } from '../core/deps.ts';
import type { ScanJob } from '../jobs/scan-job.ts';
import type { Approvers } from './authorize.ts';
import type { Publisher } from './publisher.ts';
import type { Limiter } from '../scan/limiter.ts';
import type { DecisionRunner } from '../core/decision-runner.ts';

/** What the listeners need: the core, and the Slack-side helpers built on it. */
export interface SlackContext {
  deps: CoreDeps;
  publisher: Publisher;
  approvers: Approvers;
  scanJob: ScanJob;
  /**
   * Decision work after the ack runs a few at a time: a burst of clicks is acked first (Slack wants the
   * ack within 3 s), and the store and AWS see a steady stream instead of the whole burst at once.
   */
  decisions: Limiter;
  /** Records decision intents (before the ack) and carries them out from the store (core/decision-runner.ts). */
  intents: DecisionRunner;
  /** Background work started after an ack; awaited on shutdown and by tests. */
  track(work: Promise<unknown>): void;
}
