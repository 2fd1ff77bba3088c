/**
 * Issue 10 items 2, 3 and 5 end to end: Bolt over signed requests, the local Slack stand-in (views.open
 * with trigger ids, validated like Slack), the AWS simulator over HTTP and dynalite.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { findingId } from '../../src/domain/finding.ts';
import { viewProblems } from '../../src/slack/messages/limits.ts';
import { EXPIRY_BLOCK, REASON_BLOCK } from '../../src/slack/messages/modals.ts';
import { postDigest } from '../../src/jobs/digest-job.ts';
import { ALICE, BOB, CAROL, CHANNEL, MALLORY, startE2E, type E2E } from '../helpers/e2e.ts';
import { account, emptyWorld, image, ORG, type World } from '../helpers/world.ts';

const A = '111111111111';
const EVIL = '444444444444';
const R = 'us-east-1';
const DAY = 86_400_000;

function testWorld(): World {
  const world = emptyWorld([account(A, [R], { organization: ORG })]);
  world.images.push(
    image(1, R, EVIL, [{ userId: A }], { name: 'backdoored-ubuntu' }),
    image(2, R, EVIL, [{ userId: A }], { name: 'second-image' }),
  );
  return world;
}
const amiId = (n: number) => findingId('ami', A, R, `ami-${n.toString(16).padStart(17, '0')}`);
const SINCE = new Date(Date.now() - 60 * 60_000).toISOString();

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.stop();
  e2e = undefined;
});

/** A clock the test moves (trust and two-person expiry compare timestamps). */
function clock(start = Date.now()) {
  let t = start;
  return { now: () => new Date(t), advance: (ms: number) => (t += ms) };
}

const text = (m: unknown) => JSON.stringify(m ?? {});
const errorsOf = (body: string) =>
  (JSON.parse(body || '{}') as { response_action?: string; errors?: Record<string, string> }).errors;

describe('reasons, trust expiry and instant feedback (issue 10 items 2 and 3)', () => {
  it('Trust with a reason and a 7-day expiry: stored, shown; after the expiry the owner is reported again and the digest says so', async () => {
    const c = clock();
    e2e = await startE2E(testWorld(), { now: c.now, slack: { requireReason: true } });
    await e2e.command('');
    expect(await e2e.click('trust', amiId(1), ALICE, undefined, false)).toEqual({ status: 200, body: '' });
    // The click opened a valid modal (the stand-in refuses what Slack would) without deciding anything.
    const modal = e2e.openModal('trust', amiId(1));
    expect(modal).toBeDefined();
    expect(viewProblems(modal!.view)).toEqual([]);
    expect((await e2e.server.ctx.deps.store.getFinding(amiId(1)))?.state).toBe('open');

    // A reason is required for Trust.
    const empty = await e2e.submitView(modal!.id, { [REASON_BLOCK]: '', [EXPIRY_BLOCK]: '7' });
    expect(errorsOf(empty.body)).toEqual({ [REASON_BLOCK]: 'Say why you trust it (at least 3 characters).' });
    expect(await e2e.server.ctx.deps.store.getTrust(EVIL)).toBeUndefined();

    const ok = await e2e.submitView(modal!.id, {
      [REASON_BLOCK]: 'vendor image pipeline, ticket SEC-42',
      [EXPIRY_BLOCK]: '7',
    });
    expect(ok.status).toBe(200);
    expect(errorsOf(ok.body)).toBeUndefined();

    const store = e2e.server.ctx.deps.store;
    const entry = await store.getTrust(EVIL);
    expect(entry).toMatchObject({
      reason: 'vendor image pipeline, ticket SEC-42',
      addedBy: { userId: ALICE },
    });
    expect(Date.parse(entry!.expiresAt!) - c.now().getTime()).toBe(7 * DAY);
    const log = await store.listDecisions({ since: SINCE, findingId: amiId(1) });
    expect(log.find((d) => d.action === 'trust' && d.outcome === 'succeeded')).toMatchObject({
      reason: 'vendor image pipeline, ticket SEC-42',
    });
    // Shown in the outcome line and in `/shared-scan trusted`.
    // A Slack date token for a stored ISO time (the fallback text after | is the server's rendering).
    const dateOf = (iso: string) =>
      `<!date\\^${Math.floor(Date.parse(iso) / 1000)}\\^\\{date_short_pretty\\} \\{time\\}\\|[^>]+>`;
    const finding = await e2e.messageFor(amiId(1));
    expect(finding?.blocks?.at(-1)).toMatchObject({
      type: 'section',
      text: {
        text: expect.stringMatching(
          new RegExp(
            `^🛡 \\*Trusted\\* by <@U0ALICE> ${dateOf(entry!.addedAt)}: account \`444444444444\` is on the trust list; what it shares is no longer reported until ${dateOf(entry!.expiresAt!)}\\.\n>_Reason:_ vendor image pipeline, ticket SEC-42$`,
          ),
        ),
      },
    });
    await e2e.command('trusted');
    const trusted = e2e.slack.responses.at(-1);
    expect(trusted?.payload).toMatchObject({
      text: '🛡 1 trusted account',
      blocks: [
        { type: 'header', text: { text: '🛡 Trusted accounts (1)' } },
        {
          type: 'section',
          text: {
            text: expect.stringMatching(
              new RegExp(
                `^• \`444444444444\` — trusted from ami ami-00000000000000001 · added by <@U0ALICE> ${dateOf(entry!.addedAt)} · why: “vendor image pipeline, ticket SEC-42” · until ${dateOf(entry!.expiresAt!)}$`,
              ),
            ),
          },
        },
      ],
    });

    // Six days on, the trust still applies: nothing of the owner is reported.
    c.advance(6 * DAY);
    await e2e.command('');
    expect((await store.getFinding(amiId(1)))?.state).toBe('trusted');
    expect((await store.getFinding(amiId(2)))?.state).toBe('trusted');

    // Past the expiry, the next scan reports the owner's resources again (posted, with buttons).
    c.advance(2 * DAY);
    const postsBefore = e2e.slack.callsOf('chat.postMessage').length;
    await e2e.command('');
    expect(await store.getFinding(amiId(1))).toMatchObject({
      state: 'open',
      previousDecision: { action: 'trust', reason: 'vendor image pipeline, ticket SEC-42' },
    });
    expect((await store.getFinding(amiId(2)))?.state).toBe('open');
    // The scan's progress message, then both of EVIL's AMIs again (the trust covered both).
    const sharedAgain = (n: number) =>
      `[low] ℹ️ Shared again: AMI ami-0000000000000000${n} shared into ${A} ${R} by untrusted account ${EVIL}`;
    expect(
      e2e.slack
        .callsOf('chat.postMessage')
        .slice(postsBefore)
        .map((c) => c.args['text']),
    ).toEqual([
      expect.stringMatching(/^⏳ Scanning all monitored accounts: /),
      sharedAgain(1),
      sharedAgain(2),
    ]);
    expect(text(await e2e.messageFor(amiId(1)))).toMatch(/shareguard\.trust/);

    // The digest names the trust that expired.
    await postDigest(e2e.server.ctx.deps, e2e.server.ctx.publisher, 'test');
    const digest = e2e.slack.messages(CHANNEL).filter((m) => text(m).includes('daily digest'));
    expect(text(digest.at(-1))).toMatch(/Trust expired/);
    expect(text(digest.at(-1))).toContain(EVIL);
  });

  it('a modal submitted by a non-approver is refused and changes nothing', async () => {
    e2e = await startE2E(testWorld(), { slack: { requireReason: true } });
    await e2e.command('');
    await e2e.click('remove', amiId(1), ALICE, undefined, false);
    const modal = e2e.openModal('remove', amiId(1));
    const res = await e2e.submitView(modal!.id, { [REASON_BLOCK]: 'I think so' }, MALLORY);
    expect(errorsOf(res.body)?.[REASON_BLOCK]).toMatch(/approver/);
    expect(e2e.sim.calls({ action: 'CancelImageLaunchPermission' })).toBe(0);
    expect((await e2e.server.ctx.deps.store.getFinding(amiId(1)))?.state).toBe('open');
    const log = await e2e.server.ctx.deps.store.listDecisions({ since: SINCE });
    expect(log.at(-1)).toMatchObject({ action: 'remove', outcome: 'refused', by: { userId: MALLORY } });
    // A non-approver's click opens no modal at all.
    await e2e.click('remove', amiId(2), MALLORY, undefined, false);
    expect(e2e.openModal('remove', amiId(2), MALLORY)).toBeUndefined();
  });

  it('a finding decided by someone else while the modal was open: the submission says so and changes nothing', async () => {
    e2e = await startE2E(testWorld(), { slack: { requireReason: true } });
    await e2e.command('');
    await e2e.click('remove', amiId(1), ALICE, undefined, false);
    const aliceModal = e2e.openModal('remove', amiId(1));
    // Meanwhile Bob trusts the owner.
    await e2e.click('trust', amiId(1), BOB, undefined, { reason: 'known vendor' });
    expect((await e2e.server.ctx.deps.store.getFinding(amiId(1)))?.state).toBe('trusted');

    const res = await e2e.submitView(aliceModal!.id, { [REASON_BLOCK]: 'looks malicious' });
    expect(errorsOf(res.body)?.[REASON_BLOCK]).toMatch(/decided first.*trusted/);
    expect(e2e.sim.calls({ action: 'CancelImageLaunchPermission' })).toBe(0);
    const rec = await e2e.server.ctx.deps.store.getFinding(amiId(1));
    expect(rec).toMatchObject({
      state: 'trusted',
      decision: { by: { userId: BOB }, reason: 'known vendor' },
    });
  });

  it('Remove shows "⏳ Removing…" with the approver at once, then the outcome with the reason', async () => {
    e2e = await startE2E(testWorld(), { slack: { requireReason: true } });
    await e2e.command('');
    await e2e.click('remove', amiId(1), ALICE, undefined, { reason: 'unknown owner' });
    const ref = (await e2e.server.ctx.deps.store.getFinding(amiId(1)))!.message!;
    const updates = e2e.slack
      .callsOf('chat.update')
      .filter((c) => (c.args as Record<string, unknown>)['ts'] === ref.ts)
      .map((c) => text(c.args));
    // The first update after the submission shows the removal under way, by whom; the last the outcome.
    expect(updates[0]).toMatch(/Removing/);
    expect(updates[0]).toContain(`<@${ALICE}>`);
    expect(updates.at(-1)).toMatch(/Removed/);
    expect(updates.at(-1)).toContain('unknown owner');
    expect(e2e.sim.calls({ action: 'CancelImageLaunchPermission' })).toBe(1);
    // Remove's reason is optional.
    await e2e.click('remove', amiId(2), BOB, undefined, { reason: '' });
    expect((await e2e.server.ctx.deps.store.getFinding(amiId(2)))?.state).toBe('removed');
  });

  it('slack.requireReason: false keeps one-click decisions (no modal)', async () => {
    e2e = await startE2E(testWorld(), { slack: { requireReason: false } });
    await e2e.command('');
    await e2e.click('trust', amiId(1), ALICE, undefined, false);
    expect(e2e.slack.callsOf('views.open')).toHaveLength(0);
    expect((await e2e.server.ctx.deps.store.getFinding(amiId(1)))?.state).toBe('trusted');
  });
});

describe('two-person rule (issue 10 item 5)', () => {
  const rule = { twoPersonRule: { actions: ['remove', 'trust'], expiresAfter: '24h' } };

  async function requested(c = clock()) {
    e2e = await startE2E(testWorld(), { slack: rule, now: c.now });
    await e2e.command('');
    await e2e.click('remove', amiId(1), ALICE, undefined, { reason: 'owner unknown to us' });
    return c;
  }
  const twoPersonClick = (step: 'confirm' | 'reject', user: string) =>
    e2e!.click(step, amiId(1), user, undefined, false);

  it('the first approver asks, cannot confirm their own request; a second approver confirms: exactly one AWS action, both names', async () => {
    await requested();
    const store = e2e!.server.ctx.deps.store;
    const rec = await store.getFinding(amiId(1));
    expect(rec).toMatchObject({
      state: 'open',
      approval: { action: 'remove', requestedBy: { userId: ALICE } },
    });
    const msg = text(await e2e!.messageFor(amiId(1)));
    expect(msg).toMatch(/Awaiting a second approver/);
    expect(msg).toContain('shareguard.confirm');
    expect(msg).toContain('owner unknown to us');
    expect(msg).not.toContain('shareguard.remove');
    expect(e2e!.sim.calls({ action: 'CancelImageLaunchPermission' })).toBe(0);

    // Self-confirm: refused, logged, nothing changes.
    await twoPersonClick('confirm', ALICE);
    expect(e2e!.slack.ephemerals.at(-1)).toMatchObject({ user: ALICE });
    expect(e2e!.slack.ephemerals.at(-1)!.text).toBe(
      '🚫 You asked for this decision: someone else must confirm it (two-person rule). Nothing was changed.',
    );
    expect((await store.getFinding(amiId(1)))?.approval).toEqual(rec!.approval); // unchanged
    const refusals = await store.listDecisions({ since: SINCE, findingId: amiId(1) });
    // (The test clock stands still: find the entry rather than rely on the log's order.)
    expect(refusals.find((d) => /own request/.test(d.detail ?? ''))).toMatchObject({
      outcome: 'refused',
      by: { userId: ALICE },
    });
    // Another Remove click while the request waits opens nothing and changes nothing.
    await e2e!.click('remove', amiId(1), CAROL, undefined, false);
    expect(e2e!.openModal('remove', amiId(1), CAROL)).toBeUndefined();
    expect(e2e!.sim.calls({ action: 'CancelImageLaunchPermission' })).toBe(0);

    // Two second approvers at once: exactly one AWS action.
    await Promise.all([twoPersonClick('confirm', BOB), twoPersonClick('confirm', CAROL)]);
    await e2e!.server.idle();
    expect(e2e!.sim.calls({ action: 'CancelImageLaunchPermission' })).toBe(1);
    const done = await store.getFinding(amiId(1));
    expect(done).toMatchObject({
      state: 'removed',
      decision: { by: { userId: ALICE }, reason: 'owner unknown to us' },
    });
    expect(done?.approval).toBeUndefined();
    const confirmer = done!.decision!.confirmedBy!.userId;
    expect([BOB, CAROL]).toContain(confirmer);
    const log = await store.listDecisions({ since: SINCE, findingId: amiId(1) });
    expect(log.filter((d) => d.outcome === 'removed')).toEqual([
      expect.objectContaining({
        by: expect.objectContaining({ userId: ALICE }),
        confirmedBy: expect.objectContaining({ userId: confirmer }),
      }),
    ]);
    const outcome = text(await e2e!.messageFor(amiId(1)));
    expect(outcome).toContain(`<@${ALICE}>`);
    expect(outcome).toContain(`confirmed by <@${confirmer}>`);
  });

  it('Reject reopens the finding with its buttons', async () => {
    await requested();
    await twoPersonClick('reject', BOB);
    const rec = await e2e!.server.ctx.deps.store.getFinding(amiId(1));
    expect(rec?.state).toBe('open');
    expect(rec?.approval).toBeUndefined();
    expect(text(await e2e!.messageFor(amiId(1)))).toContain('shareguard.remove');
    expect(e2e!.sim.calls({ action: 'CancelImageLaunchPermission' })).toBe(0);
    const log = await e2e!.server.ctx.deps.store.listDecisions({ since: SINCE, findingId: amiId(1) });
    expect(log.find((d) => /Rejected/.test(d.detail ?? ''))).toMatchObject({
      outcome: 'refused',
      by: { userId: BOB },
    });
  });

  it('a request expires: Confirm after expiresAfter is refused and the finding is open again; the scan sweeps lapsed ones', async () => {
    const c = await requested();
    c.advance(25 * 3_600_000);
    await twoPersonClick('confirm', BOB);
    expect(e2e!.slack.ephemerals.at(-1)!.text).toMatch(/expired/);
    expect(e2e!.sim.calls({ action: 'CancelImageLaunchPermission' })).toBe(0);
    const rec = await e2e!.server.ctx.deps.store.getFinding(amiId(1));
    expect(rec?.approval).toBeUndefined();
    expect(text(await e2e!.messageFor(amiId(1)))).toContain('shareguard.remove');

    // A new request for the other finding, left to lapse: the next scan takes it off.
    await e2e!.click('trust', amiId(2), BOB, undefined, { reason: 'vendor' });
    expect((await e2e!.server.ctx.deps.store.getFinding(amiId(2)))?.approval?.action).toBe('trust');
    c.advance(25 * 3_600_000);
    await e2e!.command('');
    expect((await e2e!.server.ctx.deps.store.getFinding(amiId(2)))?.approval).toBeUndefined();
    expect(await e2e!.server.ctx.deps.store.getTrust(EVIL)).toBeUndefined();
  });
});
