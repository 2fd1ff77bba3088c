// `shareguard sim --world FILE [--port N] [--host H]`: runs the simulator until SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { start } from './server.ts';
import { loadWorldFile, WorldError } from './world.ts';

const USAGE = 'usage: shareguard sim --world FILE [--port N] [--host 127.0.0.1]';

export interface SimCommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Resolves when the simulator should stop (default: SIGINT or SIGTERM). */
  until?: Promise<unknown>;
}

export async function runSimCommand(
  argv: string[],
  io: SimCommandIo = { out: (l) => console.log(l), err: (l) => console.error(l) },
): Promise<number> {
  let values: { world?: string; port?: string; host?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        world: { type: 'string', short: 'w' },
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    io.err(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (!values.world) {
    io.err(`--world is required\n${USAGE}`);
    return 2;
  }
  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      io.err(`--port: expected a port number, got ${values.port}\n${USAGE}`);
      return 2;
    }
  }
  let world;
  try {
    world = await loadWorldFile(values.world);
  } catch (err) {
    if (err instanceof WorldError) {
      io.err(err.message);
      return 2;
    }
    throw err;
  }
  let sim;
  try {
    sim = await start({ world, port, host: values.host });
  } catch (err) {
    io.err(`cannot start the simulator: ${(err as Error).message}`);
    return 1;
  }
  io.out(
    JSON.stringify({
      endpoint: sim.endpoint,
      accessKeyId: sim.accessKeyId,
      secretAccessKey: sim.secretAccessKey,
      homeAccount: sim.homeAccount,
    }),
  );
  const until =
    io.until ??
    new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
  await until;
  await sim.stop();
  return 0;
}
