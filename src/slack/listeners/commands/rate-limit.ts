/**
 * Scans started by users who are not approvers, per user in a sliding window: each scan posts into
 * the security channel, so ten empty scans from one curious member must not mean ten messages there.
 */
export class ScanRateLimit {
  private readonly starts = new Map<string, number[]>();
  private readonly windowMs: number;

  constructor(
    private readonly cfg: { scans: number; windowMinutes: number },
    private readonly now: () => number = Date.now,
  ) {
    this.windowMs = cfg.windowMinutes * 60_000;
  }

  /** Records a scan and returns undefined, or returns how many ms until the user may start one. */
  take(userId: string): number | undefined {
    const now = this.now();
    const recent = (this.starts.get(userId) ?? []).filter((t) => now - t < this.windowMs);
    if (recent.length >= this.cfg.scans) {
      this.starts.set(userId, recent);
      return recent.length ? recent[0]! + this.windowMs - now : this.windowMs;
    }
    recent.push(now);
    this.starts.set(userId, recent);
    return undefined;
  }

  describe(waitMs: number): string {
    const minutes = Math.max(1, Math.ceil(waitMs / 60_000));
    return (
      `you have started ${this.cfg.scans} scan${this.cfg.scans === 1 ? '' : 's'} in the last ` +
      `${this.cfg.windowMinutes} minutes, the limit for people who are not approvers ` +
      `(slack.scanRateLimit); try again in ${minutes} minute${minutes === 1 ? '' : 's'}, or ask an approver`
    );
  }
}
