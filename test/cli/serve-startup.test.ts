import { createServer, type Server } from 'node:net';
import { createRequire } from 'node:module';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startLocalSlackApi,
  startLocalSocketMode,
  type LocalSlackApi,
  type LocalSocketMode,
} from '../../src/testing/slack-api/index.ts';
import { httpEnv, spawnServe, type ServeFlags } from '../helpers/serve-cli.ts';
import { STACK } from './spawn.ts';

let slack: LocalSlackApi;
let silentSocket: LocalSocketMode;
let silentSlack: LocalSlackApi;
beforeAll(async () => {
  slack = await startLocalSlackApi({ token: 'xoxb-good' });
  silentSocket = await startLocalSocketMode({ hello: false });
  silentSlack = await startLocalSlackApi({ methods: silentSocket.methods });
});
afterAll(async () => {
  await slack.close();
  await silentSlack.close();
  await silentSocket.close();
});

/** The lines a person reads: stderr minus the JSON log lines. */
const humanLines = (stderr: string) => stderr.split('\n').filter((l) => l.trim() && !l.startsWith('{'));

/**
 * Serve exits 2 with exactly the human lines given (a string is a whole line; a RegExp is for the one part that
 * comes from outside shareguard, e.g. Node's fetch error), one of them headed "shareguard serve", and no stack.
 */
async function failsWith(
  env: NodeJS.ProcessEnv,
  expected: (string | RegExp)[],
  flags: ServeFlags = {},
): Promise<string> {
  const r = await spawnServe({ flags, env }).exited;
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).not.toMatch(STACK);
  const lines = humanLines(r.stderr);
  expect(
    lines.filter((l) => l.startsWith('shareguard serve')),
    r.stderr,
  ).toHaveLength(1);
  expect(lines, r.stderr).toHaveLength(expected.length);
  expected.forEach((line, i) => {
    if (typeof line === 'string') expect(lines[i], r.stderr).toBe(line);
    else expect(lines[i], r.stderr).toMatch(line);
  });
  return r.stderr;
}

const CANNOT = 'shareguard serve: cannot start:';

const HTTP = (over: NodeJS.ProcessEnv = {}) => httpEnv(slack.url, over);

describe('serve fails to start with one line naming the setting and the fix, exit 2 (issue 8 item 9)', () => {
  it('PORT=1e3', () =>
    failsWith(HTTP({ PORT: '1e3' }), [CANNOT, '  - PORT "1e3" is not a whole number from 0 to 65535']));

  it('SLACK_API_URL=notaurl', () =>
    failsWith(HTTP({ SLACK_API_URL: 'notaurl' }), [
      `${CANNOT} SLACK_API_URL "notaurl" is not a URL: use https://slack.com/api/ or unset it`,
    ]));

  it('a bot token Slack refuses', () =>
    failsWith(HTTP({ SLACK_BOT_TOKEN: 'xoxb-wrong' }), [
      `${CANNOT} SLACK_BOT_TOKEN is not a valid token: copy it again from the app's settings (auth.test: invalid_auth)`,
    ]));

  it('a bot token given as SLACK_APP_TOKEN (not_allowed_token_type; retried forever before)', () =>
    failsWith({ ...HTTP({ SLACK_SIGNING_SECRET: '', SLACK_APP_TOKEN: 'xoxb-good' }) }, [
      CANNOT,
      '  - SLACK_APP_TOKEN is not an app-level token (xapp-…): create one with connections:write under Basic Information → App-Level Tokens',
    ]));

  it('an app token Slack refuses (invalid_auth at apps.connections.open)', async () => {
    const sm = await startLocalSocketMode({ appToken: 'xapp-right' });
    const api = await startLocalSlackApi({ methods: sm.methods });
    try {
      await failsWith(
        {
          SLACK_BOT_TOKEN: 'xoxb-1',
          SLACK_APP_TOKEN: 'xapp-wrong',
          SLACK_SIGNING_SECRET: '',
          SLACK_API_URL: api.url,
        },
        [
          `${CANNOT} SLACK_APP_TOKEN is not a valid token: copy it again from the app's settings (apps.connections.open: invalid_auth)`,
        ],
      );
    } finally {
      await api.close();
      await sm.close();
    }
  });

  it('Slack unreachable', () =>
    failsWith(
      // Network failures are retried at start (issue 21); 0 gives up after the first attempt.
      HTTP({ SLACK_API_URL: 'http://127.0.0.1:1', SLACK_START_RETRY_MS: '0' }),
      // The part in brackets is the Slack SDK's and Node's wording, not ours.
      [
        /^shareguard serve: cannot start: Slack is unreachable at http:\/\/127\.0\.0\.1:1 \(auth\.test: [^)]+\): check the network, proxy or SLACK_API_URL$/,
      ],
    ));

  it('Socket Mode without hello within SOCKET_HELLO_TIMEOUT_MS', () =>
    failsWith(
      {
        SLACK_BOT_TOKEN: 'xoxb-1',
        SLACK_APP_TOKEN: 'xapp-1',
        SLACK_SIGNING_SECRET: '',
        SLACK_API_URL: silentSlack.url,
        SOCKET_HELLO_TIMEOUT_MS: '500',
        HEALTH_PORT: '0', // the default health port (PORT, 3000) may be taken on this machine
      },
      [
        `${CANNOT} Socket Mode: no hello from Slack within 0.5 s: check that outbound WebSocket connections (wss://wss-primary.slack.com) are allowed and that the app has Socket Mode enabled`,
      ],
    ));

  it('PORT in use (EADDRINUSE)', async () => {
    const taken: Server = createServer();
    await new Promise<void>((r) => taken.listen(0, '0.0.0.0', () => r()));
    try {
      const port = (taken.address() as AddressInfo).port;
      await failsWith(HTTP({ PORT: String(port) }), [
        `${CANNOT} PORT ${port} is already in use: stop what listens there or set PORT to a free port`,
      ]);
    } finally {
      taken.close();
    }
  });

  it('a locked store.dataDir', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sg-locked-'));
    const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
    const { Level } = fromDynalite('level') as {
      Level: new (p: string) => { open(): Promise<void>; close(): Promise<void> };
    };
    const lock = new Level(dir);
    await lock.open();
    try {
      await failsWith(
        HTTP({ SHAREGUARD_DATA_DIR: dir }),
        [
          `${CANNOT} the embedded store's data directory ${dir} is in use by another shareguard process (or another store in this one); stop it, or give this one another store.dataDir`,
        ],
        { store: 'embedded' },
      );
    } finally {
      await lock.close();
    }
  });
});
