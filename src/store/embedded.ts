import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { StoreError } from './errors.ts';

/** The options of dynalite 4 we use (it ships no types). */
interface DynaliteOptions {
  path?: string;
  createTableMs?: number;
  updateTableMs?: number;
  deleteTableMs?: number;
}
type Dynalite = (options?: DynaliteOptions) => Server;

interface LevelLike {
  open(): Promise<void>;
  close(): Promise<void>;
}
type LevelCtor = new (path: string) => LevelLike;

export interface RunningDynalite {
  endpoint: string;
  /** Absolute data directory, when on disk. */
  path?: string;
  stop(): Promise<void>;
}

// createRequire rather than `import`: dynalite is CommonJS without types, and loading it lazily keeps
// a production (`dynamodb`) run from loading LevelDB's native module at all.
const requireHere = createRequire(import.meta.url);

/**
 * Starts dynalite in this process on 127.0.0.1 (random port): on disk under `dataDir`, or in memory.
 * The caller talks to it with the ordinary DynamoDB SDK over HTTP.
 */
export async function startDynalite(dataDir?: string): Promise<RunningDynalite> {
  const dynalite = requireHere('dynalite') as Dynalite;
  let path: string | undefined;
  if (dataDir !== undefined) {
    path = resolve(dataDir);
    await mkdir(path, { recursive: true });
    await assertNotLocked(path);
  }
  const server = dynalite({
    ...(path ? { path } : {}),
    createTableMs: 0,
    updateTableMs: 0,
    deleteTableMs: 0,
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', fail);
      done();
    });
  });
  const { port } = server.address() as AddressInfo;
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    ...(path ? { path } : {}),
    stop: () =>
      (stopped ??= new Promise<void>((done, fail) => {
        // dynalite's close stops the HTTP server, then closes LevelDB (flushing it to disk).
        server.close((err?: Error) => (err ? fail(err) : done()));
        // Sockets a client left open would hold close() up; the store destroys its client first anyway.
        server.closeAllConnections();
      })),
  };
}

/**
 * LevelDB allows one opener per directory. dynalite opens it lazily and, when it is locked, crashes the
 * process on the first request; so check first and say what is going on.
 */
async function assertNotLocked(path: string): Promise<void> {
  const fromDynalite = createRequire(requireHere.resolve('dynalite'));
  const { Level } = fromDynalite('level') as { Level: LevelCtor };
  const probe = new Level(path);
  try {
    await probe.open();
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code === 'LEVEL_LOCKED') {
      throw new StoreError(
        `the embedded store's data directory ${path} is in use by another shareguard process (or another store in this one); ` +
          'stop it, or give this one another store.dataDir',
        { cause: err },
      );
    }
    throw new StoreError(
      `cannot open the embedded store in ${path}: ${cause?.message ?? (err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  await probe.close();
}
