import type { Logger } from '../log.ts';

/**
 * SIGTERM / SIGINT from the first moment of `serve` (before the server is ready): the first signal
 * starts a graceful stop and a deadline (SHUTDOWN_GRACE_MS, default 8 s, below Docker's 10 s); when
 * the deadline passes the process exits anyway, naming how much work was left.
 */
export class Shutdown {
  readonly requested: Promise<NodeJS.Signals>;
  private resolveRequested!: (s: NodeJS.Signals) => void;
  private timer: NodeJS.Timeout | undefined;
  private readonly onSignal = (signal: NodeJS.Signals) => this.begin(signal);
  signal: NodeJS.Signals | undefined;

  constructor(
    private readonly graceMs: number,
    private readonly log: Logger,
    private pending: () => number = () => 0,
    private readonly exit: (code: number) => void = (code) => process.exit(code),
  ) {
    this.requested = new Promise((resolve) => (this.resolveRequested = resolve));
    process.on('SIGTERM', this.onSignal);
    process.on('SIGINT', this.onSignal);
  }

  /** Work still running is counted in the deadline message. */
  setPending(count: () => number): void {
    this.pending = count;
  }

  private begin(signal: NodeJS.Signals): void {
    if (this.signal) {
      this.log.warn({ signal }, 'second signal: exiting now');
      this.exit(1);
      return;
    }
    this.signal = signal;
    this.log.info(
      { signal, graceMs: this.graceMs },
      'shutting down: no new work; finishing what was started',
    );
    this.timer = setTimeout(() => {
      this.log.error(
        { graceMs: this.graceMs, pending: this.pending() },
        'shutdown deadline passed: exiting with work unfinished (decisions already written are resumed at the next start)',
      );
      this.exit(1);
    }, this.graceMs);
    this.resolveRequested(signal);
  }

  /** The graceful stop finished; the deadline timer no longer holds the process. */
  done(): void {
    this.timer?.unref();
    process.off('SIGTERM', this.onSignal);
    process.off('SIGINT', this.onSignal);
  }
}
