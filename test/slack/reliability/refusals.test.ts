import { afterEach, describe, expect, it } from 'vitest';
import { findingId } from '../../../src/domain/finding.ts';
import { ALICE, BOB, CHANNEL, startE2E, type E2E } from '../../helpers/e2e.ts';
import { account, emptyWorld, image } from '../../helpers/world.ts';
import { startHarness, type Harness } from './harness.ts';

const A = '111111111111';
const R = 'us-east-1';
const AMI = findingId('ami', A, R, 'ami-00000000000000001');
const world = () => {
  const w = emptyWorld([account(A, [R])]);
  w.images.push(image(1, R, '444444444444', [{ userId: A }], { name: 'backdoored' }));
  return w;
};

let e2e: E2E | undefined;
let h: Harness | undefined;
afterEach(async () => {
  await e2e?.stop();
  await h?.stop();
  e2e = undefined;
  h = undefined;
});

describe('refusals and errors read well (issue 8 item 8, Slack side)', () => {
  it('a second Remove is refused through response_url with a real mention and a Slack date', async () => {
    e2e = await startE2E(world());
    await e2e.command('');
    await e2e.click('remove', AMI, ALICE);
    const ephemeralsBefore = e2e.slack.callsOf('chat.postEphemeral').length;
    await e2e.click('remove', AMI, BOB);
    const last = e2e.slack.responses.at(-1)!;
    expect(last.effect).toBe('ephemeral');
    const text = JSON.stringify(last.payload);
    expect(text).toContain(`<@${ALICE}>`);
    expect(text).toMatch(/<!date\^\d+\^/);
    expect(text).not.toMatch(/&lt;@|&amp;lt;/);
    expect(e2e.slack.callsOf('chat.postEphemeral').length).toBe(ephemeralsBefore);
  });

  it('not_in_channel: serve says so at start, and a scan tells the user to invite @shareguard', async () => {
    h = await startHarness(world(), { channels: { [CHANNEL]: { name: 'security', isMember: false } } });
    expect(
      h.lines.some((l) => /not a member of #security: invite @shareguard to #security/.test(l.msg)),
    ).toBe(true);
    expect(h.slack.callsOf('conversations.info')).toHaveLength(1);
    const { sendSigned, slashCommandForm } = await import('../../../src/testing/signed-request.ts');
    await sendSigned(
      `${h.server.url}/slack/events`,
      'test-signing-secret',
      slashCommandForm({
        text: '',
        userId: ALICE,
        channelId: CHANNEL,
        teamId: 'T0LOCAL',
        responseUrl: h.slack.responseUrl(undefined, { channel: CHANNEL, user: ALICE }),
      }),
    );
    await h.server.idle();
    const text = JSON.stringify(h.slack.responses.at(-1)?.payload);
    expect(text).toMatch(/invite @shareguard to <#C0SECURITY>/);
  });

  it('a member channel is confirmed at start', async () => {
    h = await startHarness(world(), { channels: { [CHANNEL]: { name: 'security' } } });
    expect(h.lines.some((l) => /posting to #security; shareguard is a member/.test(l.msg))).toBe(true);
  });
});
