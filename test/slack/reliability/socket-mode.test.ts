import { afterEach, describe, expect, it } from 'vitest';
import { findingId } from '../../../src/domain/finding.ts';
import { account, emptyWorld, image } from '../../helpers/world.ts';
import { ALICE, CHANNEL, MALLORY, TEAM } from '../../helpers/e2e.ts';
import { startHarness, type Harness } from './harness.ts';

const A = '111111111111';
const EVIL = '444444444444';
const R = 'us-east-1';
const world = () => {
  const w = emptyWorld([account(A, [R])]);
  w.images.push(image(1, R, EVIL, [{ userId: A }], { name: 'backdoored' }));
  return w;
};
const AMI = findingId('ami', A, R, 'ami-00000000000000001');

const command = (h: Harness, text: string, user = ALICE) => ({
  token: 'unused',
  team_id: TEAM,
  team_domain: 'local',
  channel_id: CHANNEL,
  channel_name: 'security',
  user_id: user,
  user_name: user.toLowerCase(),
  command: '/shared-scan',
  text,
  api_app_id: 'A0SHAREGUARD',
  response_url: h.slack.responseUrl(undefined, { channel: CHANNEL, user }),
  trigger_id: 't.1',
});

const click = (h: Harness, actionId: string, value: string, user = ALICE) => ({
  type: 'block_actions',
  api_app_id: 'A0SHAREGUARD',
  team: { id: TEAM, domain: 'local' },
  user: { id: user, username: user.toLowerCase(), team_id: TEAM },
  channel: { id: CHANNEL, name: 'security' },
  container: { type: 'message', message_ts: '1.0', channel_id: CHANNEL },
  message: { ts: '1.0', type: 'message', text: '' },
  trigger_id: 't.2',
  response_url: h.slack.responseUrl(undefined, { channel: CHANNEL, user }),
  actions: [{ type: 'button', action_id: actionId, block_id: 'b', value, action_ts: '1' }],
});

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe('Socket Mode end to end (the real Bolt app, serve’s production path, a local Socket Mode stand-in)', () => {
  it('acks commands and clicks within 3 s, survives disconnect messages and an abrupt close', async () => {
    h = await startHarness(world(), { socket: true, env: { HEALTH_PORT: '0' } });
    const sm = h.socket!;
    expect(sm.connections()).toBe(1);
    expect(h.server.health()).toMatchObject({ mode: 'socket', socket: 'connected' });
    const health = await fetch(h.server.healthUrl!);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, socket: 'connected', store: 'ok' });

    // A slash command: acked (3 s is Slack's protocol limit), then the scan posts the finding.
    const scanAck = await sm.send('slash_commands', command(h, ''));
    expect(scanAck.ms).toBeLessThan(3000);
    await h.server.idle();
    expect((await h.server.ctx.deps.store.getFinding(AMI))?.state).toBe('open');

    // help answers in the ack payload.
    const help = await sm.send('slash_commands', command(h, 'help'));
    expect(JSON.stringify(help.payload)).toMatch(/untrust/);

    // A click by someone who may not decide: acked, refused through response_url, nothing changed.
    const refused = await sm.send('interactive', click(h, 'shareguard.remove', AMI, MALLORY));
    expect(refused.ms).toBeLessThan(3000);
    await h.server.idle();
    expect(JSON.stringify(h.slack.responses.at(-1)?.payload)).toMatch(/approver/);
    expect((await h.server.ctx.deps.store.getFinding(AMI))?.state).toBe('open');

    // An action and a shortcut nobody listens to are acked (and logged), not left to time out.
    const unknown = await sm.send('interactive', click(h, 'some.future.action', 'x'));
    expect(unknown.ms).toBeLessThan(3000);
    const shortcut = await sm.send('interactive', {
      type: 'shortcut',
      callback_id: 'future_shortcut',
      trigger_id: 't.3',
      team: { id: TEAM },
      user: { id: ALICE, username: 'alice', team_id: TEAM },
      api_app_id: 'A0SHAREGUARD',
      token: 'unused',
      action_ts: '1',
    });
    expect(shortcut.ms).toBeLessThan(3000);
    expect(h.lines.some((l) => l.msg === 'unhandled action acked')).toBe(true);
    expect(h.lines.some((l) => l.msg === 'unhandled shortcut acked')).toBe(true);

    // Slack's refresh: the client closes and reconnects (3.1 waits ~5 s first: docs/slack.md).
    for (const [i, reason] of (['refresh_requested', 'warning'] as const).entries()) {
      sm.disconnect(reason);
      await sm.waitForConnections(2 + i);
      await waitFor(() => h!.server.health().socket === 'connected');
      expect(
        h.lines.some((l) => l.msg === 'slack asked socket mode to disconnect' && l.reason === reason),
      ).toBe(true);
      const ack = await sm.send('interactive', click(h, 'shareguard.remove', AMI, ALICE));
      expect(ack.ms).toBeLessThan(3000);
      await h.server.idle();
    }
    expect((await h.server.ctx.deps.store.getFinding(AMI))?.state).toBe('removed');

    // A network failure: the connection is cut without a close frame; the client reconnects.
    sm.dropAll();
    await sm.waitForConnections(4);
    await waitFor(() => h!.server.health().socket === 'connected');
    const after = await sm.send('slash_commands', command(h, 'status'));
    expect(after.ms).toBeLessThan(3000);
    await h.server.idle();
    expect(h.slack.responses.at(-1)?.payload).toMatchObject({ text: 'shareguard status: 0 open findings' });
    expect(h.lines.filter((l) => l.msg === 'socket mode connected').length).toBeGreaterThanOrEqual(4);
    expect(h.lines.some((l) => l.msg === 'socket mode connection closed')).toBe(true);
  }, 60_000);

  it('LOG_LEVEL=debug reaches Bolt and the Socket Mode client', async () => {
    h = await startHarness(world(), { socket: true, logLevel: 'debug' });
    expect(h.lines.some((l) => l.level === 20 && l.component !== undefined)).toBe(true);
  });
});

async function waitFor(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 50));
}
