import { ENVIRONMENT_VARIABLES } from '../config/load.ts';
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
  ['remediate', async () => (await import('./commands/remediate.ts')).remediateCommand],
  ['allowed-amis', async () => (await import('./commands/allowed-amis.ts')).allowedAmisCommand],
  ['guard', async () => (await import('./commands/guard.ts')).guardCommand],
  ['sim', async () => (await import('./commands/sim.ts')).simCommand],
  ['demo', async () => (await import('./commands/demo.ts')).demoCommand],
]);

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(
      `${USAGE}\n\nEnvironment:\n${Object.entries(ENVIRONMENT_VARIABLES)
        .map(([k, v]) => `  ${k.padEnd(30)} ${v}`)
        .join('\n')}\n`,
    );
    return command ? EXIT.ok : EXIT.usage;
  }
  const load = COMMANDS.get(command);
  return runCommand(async () => {
    if (!load) throw new UsageError(`unknown command "${command}"`);
    return await (
      await load()
    )(rest, env);
  });
}
