/**
 * `serve` could not start because of one setting. The CLI prints the message as one line (no stack
 * trace) and exits 2; the message names the setting and what to do about it.
 */
export class StartupError extends Error {
  constructor(
    readonly setting: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StartupError';
  }
}
