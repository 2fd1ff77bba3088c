import { ENVIRONMENT_VARIABLES } from '../config/load.ts';
import { allowedAmisCommand } from './commands/allowed-amis.ts';
import { configCommand } from './commands/config.ts';
import { demoCommand } from './commands/demo.ts';
import { guardCommand } from './commands/guard.ts';
import { iamPolicyCommand } from './commands/iam-policy.ts';
import { remediateCommand } from './commands/remediate.ts';
import { scanCommand } from './commands/scan.ts';
import { serveCommand } from './commands/serve.ts';
import { simCommand } from './commands/sim.ts';
import { storeCommand } from './commands/store.ts';
import { runCommand } from './run.ts';
import { EXIT, USAGE, UsageError, type Command } from './usage.ts';

// A Map, not an object: `shareguard constructor` / `toString` must not find Object.prototype's.
const COMMANDS = new Map<string, Command>([
  ['scan', scanCommand],
  ['serve', serveCommand],
  ['store', storeCommand],
  ['config', configCommand],
  ['iam-policy', iamPolicyCommand],
  ['remediate', remediateCommand],
  ['allowed-amis', allowedAmisCommand],
  ['guard', guardCommand],
  ['sim', simCommand],
  ['demo', demoCommand],
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
  const run = COMMANDS.get(command);
  return runCommand(async () => {
    if (!run) throw new UsageError(`unknown command "${command}"`);
    return await run(rest, env);
  });
}
