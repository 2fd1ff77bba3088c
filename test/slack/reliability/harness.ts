/** A shareguard `serve` in-process against the local Slack API (HTTP or Socket Mode), the simulator and dynalite. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { resolveConfig } from '../../../src/config/load.ts';
import { startServer, type RunningServer } from '../../../src/serve.ts';
import {
  startLocalSlackApi,
  startLocalSocketMode,
  type LocalSlackApi,
  type LocalSocketMode,
} from '../../../src/testing/slack-api/index.ts';
import { start } from '../../../src/testing/sim/index.ts';
import type { World } from '../../helpers/world.ts';
import { ALICE, BOB, CAROL, CHANNEL, GROUP } from '../../helpers/e2e.ts';

export interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

/** A pino logger whose lines the test can read. */
export function capturingLogger(level = 'info'): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as LogLine);
      done();
    },
  });
  return { log: pino({ level }, stream), lines };
}

export interface Harness {
  sim: Awaited<ReturnType<typeof start>>;
  slack: LocalSlackApi;
  socket?: LocalSocketMode;
  server: RunningServer;
  lines: LogLine[];
  stop(): Promise<void>;
}

export async function startHarness(
  world: World,
  o: {
    socket?: boolean;
    slack?: Record<string, unknown>;
    env?: Record<string, string>;
    logLevel?: string;
    channels?: Parameters<typeof startLocalSlackApi>[0] extends infer T
      ? T extends { channels?: infer C }
        ? C
        : never
      : never;
  } = {},
): Promise<Harness> {
  const sim = await start({ world });
  const socket = o.socket ? await startLocalSocketMode() : undefined;
  const slack = await startLocalSlackApi({
    usergroups: { [GROUP]: [CAROL] },
    ...(socket ? { methods: socket.methods } : {}),
    ...(o.channels ? { channels: o.channels } : {}),
  });
  const dataDir = await mkdtemp(join(tmpdir(), 'sg-rel-'));
  const config = resolveConfig(
    {
      accounts: world.accounts.map((a) =>
        a.id === world.homeAccount ? { id: a.id, role: 'none' } : { id: a.id },
      ),
      aws: { endpoint: sim.endpoint, maxAttempts: 2 },
      slack: {
        channel: CHANNEL,
        approvers: { users: [ALICE, BOB], usergroups: [GROUP] },
        requireReason: false, // one-click decisions (the reason modal: test/slack/modals.e2e.test.ts)
        ...(o.slack ?? {}),
      },
      store: { kind: 'embedded', dataDir },
      schedule: { enabled: false },
    },
    { source: 'test' },
  );
  const { log, lines } = capturingLogger(o.logLevel ?? 'info');
  const server = await startServer({
    config,
    env: {
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_API_URL: slack.apiUrl,
      ...(socket
        ? { SLACK_APP_TOKEN: 'xapp-test', HEALTH_PORT: '0' } // the default (PORT, 3000) may be taken
        : { SLACK_SIGNING_SECRET: 'test-signing-secret', PORT: '0' }),
      ...(o.env ?? {}),
    },
    credentials: { accessKeyId: sim.accessKeyId, secretAccessKey: sim.secretAccessKey },
    log,
  });
  return {
    sim,
    slack,
    ...(socket ? { socket } : {}),
    server,
    lines,
    async stop() {
      await server.stop();
      await socket?.close();
      await slack.close();
      await sim.stop();
    },
  };
}
