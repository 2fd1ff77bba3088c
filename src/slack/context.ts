import type { CoreDeps } from '../core/deps.ts';
import type { ScanJob } from '../jobs/scan-job.ts';
import type { Approvers } from './authorize.ts';
import type { Publisher } from './publisher.ts';

/** What the listeners need: the core, and the Slack-side helpers built on it. */
export interface SlackContext {
  deps: CoreDeps;
  publisher: Publisher;
  approvers: Approvers;
  scanJob: ScanJob;
  /** Background work started after an ack; awaited on shutdown and by tests. */
  track(work: Promise<unknown>): void;
}
