import { runSimCommand } from '../src/sim/cli.ts';
process.exitCode = await runSimCommand(process.argv.slice(2));
