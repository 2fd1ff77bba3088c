import { pino, type Logger } from 'pino';
import { withoutCredentials } from './redact.ts';

export type { Logger };

/** Every string a log line carries, top-level fields and the message, without URL credentials. */
function scrub(value: unknown): unknown {
  return typeof value === 'string' ? withoutCredentials(value) : value;
}

/**
 * JSON logs on stderr (stdout stays for command output); level from LOG_LEVEL. URL credentials are
 * removed from every line (src/redact.ts): an SDK's debug output or an error message may quote
 * SLACK_API_URL or a store endpoint with a proxy password in it.
 */
export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino(
    {
      name: options.name ?? 'shareguard',
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      formatters: {
        log: (obj) => Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, scrub(v)])),
      },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map(scrub) as Parameters<typeof method>);
        },
      },
    },
    pino.destination(2),
  );
}
