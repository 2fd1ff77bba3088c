/**
 * Issue 8 item 1 for decisions taken through the reason modal (`slack.requireReason`, the default) and
 * the two-person Confirm: the submission is written as a decision intent with its reason, trust expiry
 * and second approver before anything else, so a process that dies right after the ack carries the
 * decision out after the restart, exactly once, with all of it. Bolt over signed requests, the local
 * Slack stand-in, the AWS simulator over HTTP, dynalite.
 *
 * "Dies right after the ack": the intent runner's first store call (re-reading the intent) fails, so
 * the run stops with the intent written and nothing carried out — the state a crash there leaves —
 * then the app is torn down and started again on the same data dir.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { findingId } from '../../src/domain/finding.ts';
import { EXPIRY_BLOCK, REASON_BLOCK } from '../../src/slack/messages/modals.ts';
import { ALICE, BOB, startE2E, type E2E } from '../helpers/e2e.ts';
import { account, emptyWorld, image, type World } from '../helpers/world.ts';

const A = '111111111111';
const EVIL = '444444444444';
const R = 'us-east-1';
const DAY = 86_400_000;
const HOUR = 3_600_000;
const SINCE = new Date(Date.now() - 60 * 60_000).toISOString();

function world(): World {
  const w = emptyWorld([account(A, [R])]);
  w.images.push(image(1, R, EVIL, [{ userId: A }]), image(2, R, EVIL, [{ userId: A }]));
  return w;
}
const ami = (n: number) => findingId('ami', A, R, `ami-${n.toString(16).padStart(17, '0')}`);
const hasButtons = (m: { blocks?: unknown[] } | undefined) =>
  /shareguard\.(trust|remove)/.test(JSON.stringify(m?.blocks ?? []));

function clock(start = Date.now()) {
  let t = start;
  return { now: () => new Date(t), advance: (ms: number) => (t += ms) };
}

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.stop();
  e2e = undefined;
});

/** Submits the open modal with the intent run interrupted right after the intent write. */
async function submitThenDie(e: E2E, action: string, id: string, input: Record<string, string>) {
  const modal = e.openModal(action, id);
  expect(modal).toBeDefined();
  e.faults.failNext('getIntent');
  const res = await e.submitView(modal!.id, input);
  expect(res.status).toBe(200);
  expect(res.body).not.toContain('errors'); // acked: the modal closed
  const pending = await e.server.ctx.deps.store.listPendingIntents();
  expect(pending).toHaveLength(1);
  return pending[0]!;
}

describe('modal and two-person decisions are durable intents (issue 8 item 1)', () => {
  it('Trust through the reason modal (reason, 7-day expiry) acknowledged before a restart is carried out after it, exactly once', async () => {
    const c = clock();
    e2e = await startE2E(world(), { now: c.now, slack: { requireReason: true } });
    const e = e2e;
    await e.command('');
    await e.click('trust', ami(1), ALICE, undefined, false);
    const submittedAt = c.now().getTime();

    const intent = await submitThenDie(e, 'trust', ami(1), {
      [REASON_BLOCK]: 'vendor image pipeline, ticket SEC-42',
      [EXPIRY_BLOCK]: '7',
    });
    // Nothing was carried out before the "crash"; the intent holds everything the decision needs.
    expect(intent).toMatchObject({
      action: 'trust',
      findingId: ami(1),
      by: { userId: ALICE },
      extras: { reason: 'vendor image pipeline, ticket SEC-42' },
    });
    expect(await e.server.ctx.deps.store.getTrust(EVIL)).toBeUndefined();
    expect((await e.server.ctx.deps.store.getFinding(ami(1)))?.state).toBe('open');

    c.advance(HOUR); // the restart comes later: the expiry still counts from the submission
    await e.restart();
    await e.server.reconcile();
    await e.restart();
    await e.server.reconcile();

    const store = e.server.ctx.deps.store;
    const entry = await store.getTrust(EVIL);
    expect(entry).toMatchObject({
      reason: 'vendor image pipeline, ticket SEC-42',
      addedBy: { userId: ALICE },
    });
    expect(Date.parse(entry!.expiresAt!) - submittedAt).toBe(7 * DAY);
    expect(await store.getFinding(ami(1))).toMatchObject({
      state: 'trusted',
      decision: { decisionId: intent.intentId, reason: 'vendor image pipeline, ticket SEC-42' },
    });
    expect((await store.getFinding(ami(2)))?.state).toBe('trusted');
    expect(await store.listDecisions({ since: SINCE, findingId: ami(1) })).toEqual([
      expect.objectContaining({
        decisionId: intent.intentId,
        action: 'trust',
        outcome: 'succeeded',
        reason: 'vendor image pipeline, ticket SEC-42',
      }),
    ]);
    expect(await store.getIntent(intent.intentId)).toMatchObject({ status: 'done' });
    expect(await store.listPendingIntents()).toEqual([]);
    expect(hasButtons(await e.messageFor(ami(1)))).toBe(false);
  });

  it('Remove through the reason modal acknowledged before a restart: exactly one AWS call, one log entry, with the reason', async () => {
    e2e = await startE2E(world(), { slack: { requireReason: true } });
    const e = e2e;
    await e.command('');
    await e.click('remove', ami(1), ALICE, undefined, false);

    const intent = await submitThenDie(e, 'remove', ami(1), { [REASON_BLOCK]: 'unknown owner' });
    expect(intent).toMatchObject({ action: 'remove', extras: { reason: 'unknown owner' } });
    expect(e.sim.calls({ action: 'CancelImageLaunchPermission' })).toBe(0);
    expect((await e.server.ctx.deps.store.getFinding(ami(1)))?.state).toBe('open');

    await e.restart();
    await e.server.reconcile();
    await e.restart();
    await e.server.reconcile();

    const store = e.server.ctx.deps.store;
    expect(e.sim.calls({ action: 'CancelImageLaunchPermission' })).toBe(1);
    expect(await store.getFinding(ami(1))).toMatchObject({
      state: 'removed',
      decision: { decisionId: intent.intentId, reason: 'unknown owner', by: { userId: ALICE } },
    });
    expect(await store.listDecisions({ since: SINCE, findingId: ami(1) })).toEqual([
      expect.objectContaining({ decisionId: intent.intentId, outcome: 'removed', reason: 'unknown owner' }),
    ]);
    expect(await store.listPendingIntents()).toEqual([]);
    expect(hasButtons(await e.messageFor(ami(1)))).toBe(false);
    expect(JSON.stringify(await e.messageFor(ami(1)))).toContain('unknown owner');
  });

  it('a two-person Confirm acknowledged before a restart is carried out after it once, with both names', async () => {
    e2e = await startE2E(world(), {
      slack: { twoPersonRule: { actions: ['remove'], expiresAfter: '24h' } },
    });
    const e = e2e;
    await e.command('');
    await e.click('remove', ami(1), ALICE, undefined, { reason: 'owner unknown to us' });
    expect((await e.server.ctx.deps.store.getFinding(ami(1)))?.approval).toMatchObject({
      action: 'remove',
      requestedBy: { userId: ALICE },
      reason: 'owner unknown to us',
    });

    e.faults.failNext('getIntent');
    await e.click('confirm', ami(1), BOB, undefined, false);
    const [intent] = await e.server.ctx.deps.store.listPendingIntents();
    expect(intent).toMatchObject({
      action: 'remove',
      by: { userId: ALICE },
      extras: { reason: 'owner unknown to us', confirmedBy: { userId: BOB } },
    });
    expect(e.sim.calls({ action: 'CancelImageLaunchPermission' })).toBe(0);

    await e.restart();
    await e.server.reconcile();
    await e.restart();
    await e.server.reconcile();

    const store = e.server.ctx.deps.store;
    expect(e.sim.calls({ action: 'CancelImageLaunchPermission' })).toBe(1);
    expect(await store.getFinding(ami(1))).toMatchObject({
      state: 'removed',
      decision: {
        decisionId: intent!.intentId,
        by: { userId: ALICE },
        confirmedBy: { userId: BOB },
        reason: 'owner unknown to us',
      },
    });
    const log = await store.listDecisions({ since: SINCE, findingId: ami(1) });
    expect(log.filter((d) => d.outcome === 'removed')).toEqual([
      expect.objectContaining({
        decisionId: intent!.intentId,
        confirmedBy: expect.objectContaining({ userId: BOB }),
      }),
    ]);
    expect(await store.listPendingIntents()).toEqual([]);
  });
});
