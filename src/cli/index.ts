import { readFileSync } from 'node:fs';
import { ENVIRONMENT_VARIABLES } from '../config/load.ts';
import { COMMAND_HELP, wantsHelp } from './help.ts';
import { runCommand } from './run.ts';
import { EXIT, USAGE, UsageError, type Command } from './usage.ts';

/**
 * Each command's module is loaded when it runs: several bring the AWS SDK clients (≈ 90 MB), which a scan
 * run in worker threads must not load in this thread (test/scan/calling-thread-sdk.test.ts).
 * A Map, not an object: `shareguard constructor` / `toString` must not find Object.prototype's.
 */
const COMMANDS = new Map<string, () => Promise<Command>>([
  ['scan', async () => (await import('./commands/scan.ts')).scanCommand],
  ['serve', async () => (await import('./commands/serve.ts')).serveCommand],
  ['store', async () => (await import('./commands/store.ts')).storeCommand],
  ['config', async () => (await import('./commands/config.ts')).configCommand],
  ['iam-policy', async () => (await import('./commands/iam-policy.ts')).iamPolicyCommand],
  ['templates', async () => (await import('./commands/templates.ts')).templatesCommand],
  ['remediate', async () => (await import('./commands/remediate.ts')).remediateCommand],
  ['allowed-amis', async () => (await import('./commands/allowed-amis.ts')).allowedAmisCommand],
  ['guard', async () => (await import('./commands/guard.ts')).guardCommand],
  ['sim', async () => (await import('./commands/sim.ts')).simCommand],
  ['demo', async () => (await import('./commands/demo.ts')).demoCommand],
]);

/** The command words, for tests that walk every command. */
export const commandNames = (): string[] => [...COMMANDS.keys()];

/** `shareguard <version>` from package.json (next to src/ and dist/ alike). */
function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version?: unknown;
  };
  return typeof manifest.version === 'string' ? manifest.version : 'unknown';
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-V' || command === 'version') {
    process.stdout.write(`shareguard ${version()} (Node.js ${process.version})\n`);
    return EXIT.ok;
  }
  const load = command ? COMMANDS.get(command) : undefined;
  if (command && load && wantsHelp(rest)) {
    process.stdout.write(`${COMMAND_HELP[command] ?? USAGE}\n`);
    return EXIT.ok;
  }
  if (command === 'help' && rest[0] && COMMANDS.has(rest[0])) {
    process.stdout.write(`${COMMAND_HELP[rest[0]] ?? USAGE}\n`);
    return EXIT.ok;
  }
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(
      `${USAGE}\n\nEnvironment:\n${Object.entries(ENVIRONMENT_VARIABLES)
        .map(([k, v]) => `  ${k.padEnd(30)} ${v}`)
        .join('\n')}\n`,
    );
    return command ? EXIT.ok : EXIT.usage;
  }
  if (!load) return runCommand(() => Promise.reject(new UsageError(`unknown command "${command}"`)));
  return runCommand(async () => (await load())(rest, env), command);
}
