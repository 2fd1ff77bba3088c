import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
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

/** What the embedded server accepts: requests signed with this access key (and only this one). */
export interface LocalCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface RunningDynalite {
  endpoint: string;
  /** The only credentials the server accepts (random per start unless given). */
  credentials: LocalCredentials;
  /** Absolute data directory, when on disk. */
  path?: string;
  stop(): Promise<void>;
}

// createRequire rather than `import`: dynalite is CommonJS without types, and loading it lazily keeps
// a production (`dynamodb`) run from loading LevelDB's native module at all.
const requireHere = createRequire(import.meta.url);

/**
 * Starts dynalite in this process on 127.0.0.1 (random port): on disk under `dataDir`, or in memory.
 * The caller talks to it with the ordinary DynamoDB SDK over HTTP, signed with `credentials`.
 *
 * dynalite itself accepts any signed request, so any local process could plant a trust entry in it. The
 * server is therefore wrapped: a request whose SigV4 `Credential=` names another access key than this
 * start's random one is refused as DynamoDB refuses an unknown key (docs/store.md "The embedded store").
 */
export async function startDynalite(
  dataDir?: string,
  credentials: LocalCredentials = randomCredentials(),
): Promise<RunningDynalite> {
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
  onlyFor(server, credentials.accessKeyId);
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
    credentials,
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

function randomCredentials(): LocalCredentials {
  return {
    accessKeyId: `SGLOCAL${randomBytes(16).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(32).toString('base64url'),
  };
}

// `AWS4-HMAC-SHA256 Credential=<accessKeyId>/<date>/<region>/dynamodb/aws4_request, SignedHeaders=…`
const CREDENTIAL = /Credential=([^/,\s]+)\//;

/** Puts a check of the request's access key in front of dynalite's own request handler. */
function onlyFor(server: Server, accessKeyId: string): void {
  const expected = Buffer.from(accessKeyId);
  const handlers = server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const auth = req.headers.authorization;
    const given = Buffer.from((typeof auth === 'string' && CREDENTIAL.exec(auth)?.[1]) || '');
    if (given.length === expected.length && timingSafeEqual(given, expected)) {
      for (const h of handlers) h.call(server, req, res);
      return;
    }
    req.resume(); // drain the body so the connection can be reused or closed cleanly
    const body = JSON.stringify({
      __type: 'com.amazonaws.dynamodb.v20120810#UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    });
    res.writeHead(400, {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-requestid': 'shareguard-local',
    });
    res.end(body);
  });
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
