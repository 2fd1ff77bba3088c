/** `shareguard demo`: loaded lazily, like the simulator and the local Slack stand-in it runs. */
export async function demoCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { runDemo } = await import('../../demo/demo.ts');
  return runDemo(args, env);
}
