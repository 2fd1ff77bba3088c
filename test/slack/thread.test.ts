import { afterEach, describe, expect, it } from 'vitest';
import { findingId } from '../../src/domain/finding.ts';
import type { FindingRecord } from '../../src/domain/lifecycle.ts';
import { validateBlocks } from '../../src/slack/messages/limits.ts';
import { ALICE, CHANNEL, MALLORY, startE2E, type E2E } from '../helpers/e2e.ts';
import { account, emptyWorld, image, type World } from '../helpers/world.ts';

const A = '111111111111';
const R = 'us-east-1';
const EVIL = '444444444444';

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.stop();
  e2e = undefined;
});

const amiId = (n: number) => findingId('ami', A, R, `ami-${n.toString(16).padStart(17, '0')}`);
const hasButtons = (m: { blocks?: unknown[] } | undefined) =>
  /shareguard\.(trust|remove)/.test(JSON.stringify(m?.blocks ?? []));

function worldOf(n: number, owners = 7): World {
  const world = emptyWorld([account(A, [R])]);
  for (let i = 0; i < n; i++) {
    const owner = `5${String(i % owners).padStart(11, '0')}`;
    world.images.push(
      image(1000 + i, R, owner, [{ userId: A }], { name: `image-${'x'.repeat(i % 120)}-${i}` }),
    );
  }
  return world;
}

function smallWorld(): World {
  const world = emptyWorld([account(A, [R])]);
  world.images.push(
    image(1, R, EVIL, [{ userId: A }], { name: 'one' }),
    image(2, R, EVIL, [{ userId: A }], { name: 'two' }),
    image(3, R, EVIL, [{ userId: A }], { name: 'three' }),
  );
  return world;
}

async function openWithoutMessage(e: E2E): Promise<FindingRecord[]> {
  return (await e.server.ctx.deps.store.listFindings({ states: ['open'] })).filter((r) => !r.message);
}

describe('one thread per scan (slack.layout: thread)', () => {
  it('a scan with 500 findings posts exactly one top-level message, the rest in its thread, paced', async () => {
    const PACE = 20;
    e2e = await startE2E(worldOf(500), { maxMessagesPerScan: 20, postIntervalMs: PACE });
    await e2e.command('');

    const top = e2e.slack.topLevel(CHANNEL);
    expect(top).toHaveLength(1);
    const parent = top[0]!;
    expect(JSON.stringify(parent.blocks)).toMatch(/500 untrusted shares/);
    const posts = e2e.slack.callsOf('chat.postMessage');
    // The parent + one message per owner (7 owners, within the budget): owner-first triage (issue 23).
    expect(posts).toHaveLength(8);
    expect(posts.slice(1).every((c) => c.args['thread_ts'] === parent.ts)).toBe(true);
    expect(posts.some((c) => c.args['reply_broadcast'] === 'true')).toBe(false); // nothing critical
    const replies = e2e.slack.replies(CHANNEL, parent.ts);
    expect(replies).toHaveLength(posts.length - 1);
    for (const m of [parent, ...replies]) expect(validateBlocks(m.blocks ?? [])).toEqual([]);

    // Paced: consecutive posts to the channel are at least the configured interval apart
    // (a lower bound only: a slow machine makes the gaps longer, never shorter).
    const times = posts.map((c) => Date.parse(c.at));
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(PACE - 2);

    // Every finding is in its owner's message (Review reaches it): none is left "not posted".
    const open = await e2e.server.ctx.deps.store.listFindings({ states: ['open'] });
    expect(open).toHaveLength(500);
    expect(await openWithoutMessage(e2e)).toHaveLength(0);
    expect(open.every((r) => r.message!.ts !== parent.ts)).toBe(true);
    for (const r of open)
      expect(JSON.stringify(e2e.slack.message(CHANNEL, r.message!.ts)!.blocks)).toContain(
        `Untrusted account ${r.finding.ownerAccountId}`,
      );
    const summary = JSON.stringify(parent.blocks);
    expect(summary).toContain('500 posted');
    expect(summary).not.toContain('not posted yet');
  });

  it('a failed post is counted ("failed — will retry") and posted again by the next scan', async () => {
    e2e = await startE2E(smallWorld());
    e2e.slack.failNext('chat.postMessage', 'internal_error', {
      match: (args) => typeof args['thread_ts'] === 'string',
    });
    await e2e.command('');

    const parent = e2e.slack.topLevel(CHANNEL)[0]!;
    expect(JSON.stringify(parent.blocks)).toMatch(/2 posted, 1 failed — will retry/);
    const missing = await openWithoutMessage(e2e);
    expect(missing).toHaveLength(1);
    const id = missing[0]!.finding.id;

    await e2e.command('');
    const second = e2e.slack.topLevel(CHANNEL)[1]!;
    expect(JSON.stringify(second.blocks)).toMatch(/0 new.*1 posted \(1 left over from earlier\)/);
    const m = await e2e.messageFor(id);
    expect(hasButtons(m)).toBe(true);
    expect(m!.thread_ts).toBe(second.ts);
    expect(await openWithoutMessage(e2e)).toHaveLength(0);
  });

  it('not_in_channel stops the round, counts every finding failed, and `/shared-scan post` retries them', async () => {
    e2e = await startE2E(smallWorld());
    e2e.slack.failNext('chat.postMessage', 'not_in_channel', {
      match: (args) => typeof args['thread_ts'] === 'string',
    });
    await e2e.command('');
    // One refused reply, and no further attempts that round.
    expect(e2e.slack.callsOf('chat.postMessage')).toHaveLength(2);
    expect(JSON.stringify(e2e.slack.topLevel(CHANNEL)[0]!.blocks)).toMatch(/0 posted, 3 failed — will retry/);
    expect(await openWithoutMessage(e2e)).toHaveLength(3);
    await e2e.command('status');
    expect(JSON.stringify(e2e.slack.responses.at(-1)?.payload)).toMatch(/3 not posted yet/);

    // A non-approver cannot make the bot post.
    const refused = await e2e.command('post', MALLORY);
    expect(JSON.stringify(e2e.slack.responses.at(-1)?.payload ?? refused.body)).toMatch(/approver/);
    expect(await openWithoutMessage(e2e)).toHaveLength(3);

    await e2e.command('post');
    expect(await openWithoutMessage(e2e)).toHaveLength(0);
    const round = e2e.slack.topLevel(CHANNEL)[1]!;
    expect(JSON.stringify(round.blocks)).toMatch(/Posting 3 open findings.*3 posted/);
    for (const n of [1, 2, 3]) expect((await e2e.messageFor(amiId(n)))?.thread_ts).toBe(round.ts);
    expect(JSON.stringify(e2e.slack.responses.at(-1)?.payload)).toMatch(/3 posted/);

    // Nothing left: `post` says so and posts nothing.
    const before = e2e.slack.callsOf('chat.postMessage').length;
    await e2e.command('post');
    expect(e2e.slack.callsOf('chat.postMessage')).toHaveLength(before);
    expect(JSON.stringify(e2e.slack.responses.at(-1)?.payload)).toMatch(
      /every open finding has its message/i,
    );
  });

  it('critical findings are also broadcast to the channel; the others stay in the thread', async () => {
    e2e = await startE2E(emptyWorld([account(A, [R])]));
    const store = e2e.server.ctx.deps.store;
    const now = new Date().toISOString();
    const risks = ['low', 'critical', 'high'] as const;
    for (const [i, risk] of risks.entries()) {
      const resourceId = `ami-${(i + 1).toString(16).padStart(17, '0')}`;
      await store.createFinding({
        finding: {
          id: amiId(i + 1),
          kind: 'ami',
          accountId: A,
          region: R,
          resourceId,
          resourceArn: `arn:aws:ec2:${R}::image/${resourceId}`,
          ownerAccountId: EVIL,
          sharedVia: 'account',
          // The risk engine sets this on findings; read loosely where older records have none.
          ...({ risk } as object),
        },
        state: 'open',
        firstSeenAt: now,
        lastSeenAt: now,
        version: 0,
      });
    }
    await e2e.command('post', ALICE);
    const parent = e2e.slack.callsOf('chat.postMessage').find((c) => !c.args['thread_ts'])!;
    const replies = e2e.slack.callsOf('chat.postMessage').filter((c) => c.args['thread_ts']);
    expect(replies).toHaveLength(3);
    // Highest risk first, and only the critical one broadcast.
    const says = (risk: string, n: number) =>
      `[${risk}] ${{ critical: '🚨', high: '⚠️', low: 'ℹ️' }[risk]} AMI ami-0000000000000000${n} shared into ${A} ${R} by untrusted account ${EVIL}`;
    expect(replies.map((c) => c.args['text'])).toEqual([
      says('critical', 2),
      says('high', 3),
      says('low', 1),
    ]);
    expect(replies.map((c) => c.args['reply_broadcast'])).toEqual(['true', 'false', 'false']);
    const shown = e2e.slack.topLevel(CHANNEL);
    expect(shown).toHaveLength(2); // the round's message and the broadcast critical finding
    expect(shown[1]!.reply_broadcast).toBe(true);
    // The round's message heads the thread, and the critical finding is the one broadcast.
    expect(parent.args['text']).toBe(
      '📬 Posting 3 open findings that had no message yet (asked by <@U0ALICE>)…',
    );
    expect(shown[0]!.text).toBe(
      '📬 Posting 3 open findings that had no message yet (asked by <@U0ALICE>): 3 posted.',
    );
    expect(replies.map((c) => c.args['thread_ts'])).toEqual([shown[0]!.ts, shown[0]!.ts, shown[0]!.ts]);
    expect(shown[1]!.text).toBe(says('critical', 2));
  });

  it('slack.layout: flat keeps every finding message top-level', async () => {
    e2e = await startE2E(smallWorld(), { layout: 'flat' });
    await e2e.command('');
    const posts = e2e.slack.callsOf('chat.postMessage');
    expect(posts).toHaveLength(4);
    expect(posts.every((c) => c.args['thread_ts'] === undefined)).toBe(true);
    expect(e2e.slack.topLevel(CHANNEL)).toHaveLength(4);
  });
});
