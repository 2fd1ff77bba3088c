import { parse } from '../args.ts';

/** `shareguard demo`: loaded lazily, like the simulator and the local Slack stand-in it runs. */
export async function demoCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { runDemo, DEMO_OPTIONS } = await import('../../demo/demo.ts');
  parse(args, DEMO_OPTIONS);
  return runDemo(args, env);
}
