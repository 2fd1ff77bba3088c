import { parse } from '../args.ts';

/** The simulator's own options (src/testing/sim/cli.ts), checked here so mistakes read like every command's. */
const SIM_OPTIONS = {
  world: { type: 'string', short: 'w' },
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
} as const;

/** `shareguard sim`: the AWS simulator standalone; loaded lazily, outside the product's import graph. */
export async function simCommand(args: string[]): Promise<number> {
  parse(args, SIM_OPTIONS);
  const { runSimCommand } = await import('../../testing/sim/cli.ts');
  return runSimCommand(args);
}
