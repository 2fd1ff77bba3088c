import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startLocalSlackApi } from '../../src/testing/slack-api/index.ts';
import { sendSigned, slashCommandForm } from '../../src/testing/signed-request.ts';
import { DEMO_WORLD, shareguard, STACK } from './spawn.ts';

const SERVE = [
  'serve',
  '--world',
  DEMO_WORLD,
  '--channel',
  'C0SEC',
  '--approvers',
  'U0ALICE',
  '--store',
  'memory',
  '--no-schedule',
];

describe('shutdown within SHUTDOWN_GRACE_MS (issue 8 item 4)', () => {
  it('SIGTERM while a post waits out a 30 s Retry-After: the process exits within the grace period', async () => {
    const slack = await startLocalSlackApi();
    for (let i = 0; i < 5; i++)
      slack.failNext('chat.postMessage', 'ratelimited', { status: 429, retryAfter: 30 });
    const sg = shareguard(SERVE, {
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 'secret',
      SLACK_APP_TOKEN: '',
      SLACK_API_URL: slack.url,
      PORT: '0',
      SHUTDOWN_GRACE_MS: '1500',
    });
    try {
      const ready = JSON.parse(await sg.waitFor(/"shareguard is ready"/)) as { url: string };
      await sendSigned(
        `${ready.url}/slack/events`,
        'secret',
        slashCommandForm({
          text: '',
          userId: 'U0ALICE',
          channelId: 'C0SEC',
          teamId: 'T0LOCAL',
          responseUrl: slack.responseUrl(),
        }),
      );
      while (slack.callsOf('chat.postMessage').length === 0) await new Promise((r) => setTimeout(r, 50));
      sg.child.kill('SIGTERM');
      const exit = await sg.exited; // before the fix this waited out the Retry-After (and ~30 minutes of retries)
      expect(exit.signal).toBeNull();
      expect(exit.stderr).toMatch(/shutting down/);
      expect(exit.stderr).toMatch(/shutdown deadline passed|"stopped"/);
      expect(exit.stderr).not.toMatch(STACK);
    } finally {
      sg.child.kill('SIGKILL');
      await slack.close();
    }
  }, 30_000);

  it('SIGTERM before "ready" (Slack not answering auth.test) is handled, not the default kill', async () => {
    const sockets: Socket[] = [];
    const blackHole = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => blackHole.listen(0, '127.0.0.1', () => r()));
    const connected = new Promise<void>((r) => blackHole.once('connection', () => r()));
    const sg = shareguard(SERVE, {
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 'secret',
      SLACK_APP_TOKEN: '',
      SLACK_API_URL: `http://127.0.0.1:${(blackHole.address() as AddressInfo).port}`,
      PORT: '0',
      SHUTDOWN_GRACE_MS: '1000',
    });
    try {
      await connected;
      sg.child.kill('SIGTERM');
      const exit = await sg.exited;
      expect(exit.signal).toBeNull();
      expect(exit.stderr).toMatch(/shutting down/);
      expect(exit.stderr).not.toMatch(/shareguard is ready/);
    } finally {
      sg.child.kill('SIGKILL');
      for (const s of sockets) s.destroy();
      blackHole.close();
    }
  }, 30_000);
});
