import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../log.ts';

export interface Schedule {
  name: string;
  expression: string;
  run: () => Promise<unknown>;
}

/** Cron schedules (node-cron, no overlap); each job's own lease decides which replica runs it. */
export function startSchedules(
  schedules: readonly Schedule[],
  timezone: string,
  log: Logger,
): () => Promise<void> {
  const tasks: ScheduledTask[] = schedules.map((s) =>
    cron.schedule(
      s.expression,
      async () => {
        try {
          await s.run();
        } catch (err) {
          log.error({ job: s.name, err: (err as Error).message }, 'scheduled job failed');
        }
      },
      { name: s.name, timezone, noOverlap: true },
    ),
  );
  return async () => {
    for (const t of tasks) await t.stop();
  };
}
