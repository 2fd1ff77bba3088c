/** `shareguard sim`: the AWS simulator standalone; loaded lazily, outside the product's import graph. */
export async function simCommand(args: string[]): Promise<number> {
  const { runSimCommand } = await import('../../testing/sim/cli.ts');
  return runSimCommand(args);
}
