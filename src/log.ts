import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs on stderr (stdout stays for command output); level from LOG_LEVEL. */
export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino(
    { name: options.name ?? 'shareguard', level: options.level ?? process.env.LOG_LEVEL ?? 'info' },
    pino.destination(2),
  );
}
