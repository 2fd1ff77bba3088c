/** Answered too late to use before Slack's 3 s are up. */
export const LATE = Symbol('late');

/**
 * The value of `work` if it settles within `ms`, else LATE (the work goes on; its result is dropped).
 * For reads before an ack, which may be skipped: it stops the waiting, not the read. Store work that
 * must land or be known to have failed in time runs under `withStoreDeadline` (src/store/deadline.ts).
 */
export async function within<T>(work: Promise<T>, ms: number): Promise<T | typeof LATE> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof LATE>((resolve) => (timer = setTimeout(() => resolve(LATE), ms)));
  work.catch(() => {}); // a late failure is dropped with its result, not an unhandled rejection
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
