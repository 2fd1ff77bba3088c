import { ConfigError } from '../config/errors.ts';
import { EXIT, USAGE, UsageError } from './usage.ts';

/** node:util parseArgs errors (an unknown or malformed option), wherever a command parses its own. */
function isParseArgsError(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

/**
 * Runs one command, turning the errors a person can fix into a message and exit code 2: a bad command
 * line (with where to find the usage: the command's `--help`, or the whole usage text when no command
 * is named), a bad configuration or world file (the message alone). Anything else is a bug and
 * propagates. The demo runs its `scan` step through this too.
 */
export async function runCommand(run: () => Promise<number>, command?: string): Promise<number> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof UsageError || isParseArgsError(err)) {
      const message = (err as Error).message;
      process.stderr.write(
        command
          ? `shareguard ${command}: ${message}\nRun "shareguard ${command} --help" for its usage.\n`
          : `shareguard: ${message}\n\n${USAGE}\n`,
      );
      return EXIT.usage;
    }
    if (err instanceof ConfigError || (err as Error).name === 'WorldError') {
      process.stderr.write(`shareguard: ${(err as Error).message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
}
