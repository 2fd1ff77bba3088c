import { afterEach, describe, expect, it } from 'vitest';
import { ALICE, CHANNEL, startE2E, type E2E } from '../helpers/e2e.ts';
import { postDigest, retryDueDigest } from '../../src/jobs/digest-job.ts';
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

    const posts = e2e.slack.callsOf('chat.postMessage').slice(before);
    // One top-level message; the lists are in its thread.
    expect(posts.filter((c) => !c.args['thread_ts'])).toHaveLength(1);
    const parent = e2e.slack.topLevel(CHANNEL).at(-1)!;
    expect(JSON.stringify(parent)).toMatch(/2 open/);
    const replies = e2e.slack.replies(CHANNEL, parent.ts);
    expect(replies.length).toBe(posts.length - 1);
    expect(replies.length).toBeGreaterThanOrEqual(2);
    const thread = JSON.stringify(replies);
    expect(thread).toMatch(/Waiting for a decision/);
    expect(thread).toContain('ami-00000000000000002');
    expect(thread).toContain(ALICE); // the decision
  });

  it('with slack.layout: flat, posts the digest as one message', async () => {
    const world = emptyWorld([account(A, ['us-east-1'])]);
    world.images.push(image(1, 'us-east-1', EVIL, [{ userId: A }]));
    e2e = await startE2E(world, { layout: 'flat' });
    await e2e.command('');
    const { deps, publisher } = e2e.server.ctx;
    const before = e2e.slack.callsOf('chat.postMessage').length;
    expect(await postDigest(deps, publisher, 'replica-a')).toBe('posted');
    const posts = e2e.slack.callsOf('chat.postMessage').slice(before);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.args['thread_ts']).toBeUndefined();
    expect(JSON.stringify(e2e.slack.messages(CHANNEL).at(-1))).toMatch(/1 open/);
  });

  it('a digest whose post failed is retried until posted: the day’s lease does not block it (D11)', async () => {
    const world = emptyWorld([account(A, ['us-east-1'])]);
    world.images.push(image(1, 'us-east-1', EVIL, [{ userId: A }]));
    e2e = await startE2E(world, { layout: 'flat' });
    await e2e.command('');
    const { deps, publisher } = e2e.server.ctx;
    e2e.slack.failNext('chat.postMessage', 'channel_not_found');
    await expect(postDigest(deps, publisher, 'replica-a')).rejects.toThrow();
    expect(await retryDueDigest(deps, publisher, 'replica-b')).toBe('posted'); // before the fix: skipped
    expect(JSON.stringify(e2e.slack.messages(CHANNEL).at(-1))).toMatch(/daily digest/);
    // Posted once: neither a scheduled run nor a retry posts it again that day.
    expect(await postDigest(deps, publisher, 'replica-a')).toBe('skipped');
    expect(await retryDueDigest(deps, publisher, 'replica-a')).toBe('none');
  });

  it('across a restart: the next process posts the digest the last one failed to (D11)', async () => {
    const world = emptyWorld([account(A, ['us-east-1'])]);
    world.images.push(image(1, 'us-east-1', EVIL, [{ userId: A }]));
    e2e = await startE2E(world, { layout: 'flat' });
    await e2e.command('');
    const { deps, publisher } = e2e.server.ctx;
    e2e.slack.failNext('chat.postMessage', 'channel_not_found');
    await expect(postDigest(deps, publisher, 'replica-a')).rejects.toThrow();
    const digests = () =>
      e2e!.slack.messages(CHANNEL).filter((m) => JSON.stringify(m).includes('daily digest')).length;
    expect(digests()).toBe(0);
    await e2e.restart(); // serve's start-up reconcile pass finds the digest still due
    await e2e.server.idle();
    expect(digests()).toBe(1);
  });
});
