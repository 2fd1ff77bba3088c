import { afterEach, describe, expect, it } from 'vitest';
import { sendSigned, slashCommandForm } from '../../src/testing/signed-request.ts';
import { ALICE, CHANNEL, GROUP, MALLORY, SECRET, TEAM, startE2E, type E2E } from '../helpers/e2e.ts';
import { account, emptyWorld, image } from '../helpers/world.ts';

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.stop();
  e2e = undefined;
});

const A = '111111111111';

describe('help that helps', () => {
  it('`/shared-scan help` names the approvers (users and groups) and the channel', async () => {
    e2e = await startE2E(emptyWorld([account(A, ['us-east-1'])]));
    const res = await e2e.command('help', MALLORY);
    const body = JSON.stringify(JSON.parse(res.body));
    expect(body).toContain(`<#${CHANNEL}>`);
    expect(body).toContain(`<@${ALICE}>`);
    expect(body).toContain('<@U0BOB>');
    expect(body).toContain(`members of <!subteam^${GROUP}>`);
    expect(body).toMatch(/one message per scan, its findings .* in that message's thread/);
    expect(body).toContain('/shared-scan post');
  });

  it('a bare `/shared-scan` in a DM explains where findings go and scans nothing', async () => {
    const world = emptyWorld([account(A, ['us-east-1'])]);
    world.images.push(image(1, 'us-east-1', '444444444444', [{ userId: A }]));
    e2e = await startE2E(world);
    const dm = (text: string) =>
      sendSigned(
        e2e!.events,
        SECRET,
        slashCommandForm({
          text,
          userId: ALICE,
          channelId: 'D0ALICE',
          teamId: TEAM,
          responseUrl: e2e!.slack.responseUrl(undefined, { channel: 'D0ALICE', user: ALICE }),
        }),
      );
    const res = await dm('');
    await e2e.server.idle();
    const body = JSON.stringify(JSON.parse(res.body));
    expect(body).toContain(`<#${CHANNEL}>`);
    expect(body).toMatch(/\/shared-scan scan/);
    expect(body).toMatch(/Who may decide/);
    expect(e2e.slack.callsOf('chat.postMessage')).toHaveLength(0);

    // Asking explicitly still scans, with results in the channel.
    await dm('scan');
    await e2e.server.idle();
    expect(e2e.slack.topLevel(CHANNEL)).toHaveLength(1);
  });
});
