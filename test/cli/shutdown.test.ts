import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startLocalSlackApi } from '../../src/testing/slack-api/index.ts';
import { httpEnv, spawnServe } from '../helpers/serve-cli.ts';
import { STACK } from './spawn.ts';

describe('shutdown within SHUTDOWN_GRACE_MS (issue 8 item 4)', () => {
  it('SIGTERM while a post waits out a 30 s Retry-After: the process exits within the grace period', async () => {
    const slack = await startLocalSlackApi();
    for (let i = 0; i < 5; i++)
      slack.failNext('chat.postMessage', 'ratelimited', { status: 429, retryAfter: 30 });
    const sg = spawnServe({
      env: httpEnv(slack.url, { SLACK_BOT_TOKEN: 'xoxb-1', SHUTDOWN_GRACE_MS: '1500' }),
    });
    try {
      await sg.command('', slack.responseUrl());
      while (slack.callsOf('chat.postMessage').length === 0) await new Promise((r) => setTimeout(r, 50));
      const exit = await sg.stop(); // before the fix this waited out the Retry-After (and ~30 minutes of retries)
      expect(exit.signal).toBeNull();
      expect(exit.stderr).toMatch(/shutting down/);
      expect(exit.stderr).toMatch(/shutdown deadline passed|"stopped"/);
      expect(exit.stderr).not.toMatch(STACK);
    } finally {
      await sg.kill(); // before the stand-in goes, should the test fail with serve still up
      await slack.close();
    }
  }, 30_000);

  it('SIGTERM before "ready" (Slack not answering auth.test) is handled, not the default kill', async () => {
    const sockets: Socket[] = [];
    const blackHole = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => blackHole.listen(0, '127.0.0.1', () => r()));
    const connected = new Promise<void>((r) => blackHole.once('connection', () => r()));
    const sg = spawnServe({
      env: httpEnv(`http://127.0.0.1:${(blackHole.address() as AddressInfo).port}`, {
        SLACK_BOT_TOKEN: 'xoxb-1',
        SHUTDOWN_GRACE_MS: '1000',
      }),
    });
    try {
      await connected;
      const exit = await sg.stop();
      expect(exit.signal).toBeNull();
      expect(exit.stderr).toMatch(/shutting down/);
      expect(exit.stderr).not.toMatch(/shareguard is ready/);
    } finally {
      await sg.kill();
      for (const s of sockets) s.destroy();
      blackHole.close();
    }
  }, 30_000);
});
