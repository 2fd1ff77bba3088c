import { afterEach, describe, expect, it } from 'vitest';
import { ALICE, CHANNEL, startE2E, type E2E } from '../helpers/e2e.ts';
import { postDigest } from '../../src/jobs/digest-job.ts';
import { account, emptyWorld, image, snapshot } from '../helpers/world.ts';

const A = '111111111111';
const EVIL = '444444444444';

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.stop();
  e2e = undefined;
});

describe('daily digest', () => {
  it('posts open findings and the day’s decisions once a day, whichever replica runs it first', async () => {
    const world = emptyWorld([account(A, ['us-east-1'])]);
    world.images.push(
      image(1, 'us-east-1', EVIL, [{ userId: A }]),
      image(2, 'us-east-1', EVIL, [{ userId: A }]),
    );
    world.snapshots.push(snapshot(1, 'us-east-1', EVIL, [A]));
    e2e = await startE2E(world);
    await e2e.command('');
    await e2e.click('remove', `ami:${A}:us-east-1:ami-00000000000000001`);
    const { deps, publisher } = e2e.server.ctx;
    const before = e2e.slack.callsOf('chat.postMessage').length;

    expect(await postDigest(deps, publisher, 'replica-a')).toBe('posted');
    expect(await postDigest(deps, publisher, 'replica-b')).toBe('skipped');

    const posts = e2e.slack.callsOf('chat.postMessage');
    expect(posts).toHaveLength(before + 1);
    const digest = JSON.stringify(e2e.slack.messages(CHANNEL).at(-1));
    expect(digest).toMatch(/2 open/);
    expect(digest).toContain(ALICE);
  });
});
