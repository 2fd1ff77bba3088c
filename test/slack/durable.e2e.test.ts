/**
 * Issue 8 items 1 and 3 through the real boundaries (Bolt over signed HTTP, the local Slack API, the
 * simulator, dynalite): a click is durable before anything else, store and Slack failures leave a
 * state the reconciler finishes, messages Slack would not update are re-rendered from the outbox.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { recordIntent } from '../../src/core/intents.ts';
import { findingId } from '../../src/domain/finding.ts';
import { ALICE, BOB, startE2E, type E2E } from '../helpers/e2e.ts';
import { account, emptyWorld, image, type World } from '../helpers/world.ts';

const A = '111111111111';
const EVIL = '444444444444';
const R = 'us-east-1';
const SINCE = new Date(Date.now() - 60 * 60_000).toISOString();

function world(): World {
  const w = emptyWorld([account(A, [R])]);
  w.images.push(image(1, R, EVIL, [{ userId: A }]), image(2, R, EVIL, [{ userId: A }]));
  return w;
}
const ami = (n: number) => findingId('ami', A, R, `ami-${n.toString(16).padStart(17, '0')}`);
const hasButtons = (m: { blocks?: unknown[] } | undefined) =>
  /shareguard\.(trust|remove)/.test(JSON.stringify(m?.blocks ?? []));

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.stop();
  e2e = undefined;
});

async function started(): Promise<E2E> {
  e2e = await startE2E(world());
  await e2e.command('');
  expect(hasButtons(await e2e.messageFor(ami(1)))).toBe(true);
  return e2e;
}

const decisionsOf = (e: E2E, id: string) =>
  e.server.ctx.deps.store.listDecisions({ since: SINCE, findingId: id });

describe('durable decisions (issue 8 items 1 and 3)', () => {
  it('a message chat.update would not take goes to the outbox and is re-rendered by the next reconcile', async () => {
    const e = await started();
    // Both renders fail: "⏳ Removing…" when the finding is claimed, and the outcome.
    e.slack.failNext('chat.update', 'fatal_error');
    e.slack.failNext('chat.update', 'fatal_error');

    await e.click('remove', ami(1));

    const store = e.server.ctx.deps.store;
    expect((await store.getFinding(ami(1)))?.state).toBe('removed');
    expect(hasButtons(await e.messageFor(ami(1)))).toBe(true); // Slack still shows the old message
    expect((await store.listOutbox()).map((o) => o.findingId)).toEqual([ami(1)]);

    const report = await e.server.reconcile();

    expect(report).toMatchObject({ refreshed: 1, failedRefreshes: 0 });
    expect(hasButtons(await e.messageFor(ami(1)))).toBe(false);
    expect((await e.messageFor(ami(1)))?.blocks?.at(-1)).toMatchObject({
      type: 'section',
      text: {
        text: expect.stringMatching(
          /^✅ \*Removed\* by <@U0ALICE> <!date\^\d+\^\{date_short_pretty\} \{time\}\|[^>]+>: Launch permission of ami-00000000000000001 cancelled for 111111111111 in us-east-1; the account no longer sees it\. Only the owner 444444444444 can share it again\.$/,
        ),
      },
    });
    expect(await store.listOutbox()).toEqual([]);
  });

  it('with the store down a click is told "not recorded … try again"; the retry works', async () => {
    const e = await started();
    e.faults.down = true;

    await e.click('remove', ami(1));

    expect(e.slack.responses).toMatchObject([
      {
        effect: 'ephemeral',
        payload: {
          text: '🚫 not recorded — the decision store is unavailable; try again',
          replace_original: false,
        },
      },
    ]);
    expect(e.sim.calls({ action: 'CancelImageLaunchPermission' })).toBe(0);
    e.faults.down = false;
    expect((await e.server.ctx.deps.store.getFinding(ami(1)))?.state).toBe('open');

    await e.click('remove', ami(1));
    expect((await e.server.ctx.deps.store.getFinding(ami(1)))?.state).toBe('removed');
    expect(e.sim.calls({ action: 'CancelImageLaunchPermission' })).toBe(1);
  });

  it('a click acknowledged before a restart is carried out after it, exactly once', async () => {
    const e = await started();
    // The ack and the intent write happened; the process died before the queue ran it.
    const intent = await recordIntent(e.server.ctx.deps, {
      action: 'remove',
      findingId: ami(1),
      by: { userId: ALICE },
    });

    await e.restart();
    await e.server.reconcile();
    await e.restart();

    const store = e.server.ctx.deps.store;
    expect(e.sim.calls({ action: 'CancelImageLaunchPermission' })).toBe(1);
    expect(await store.getFinding(ami(1))).toMatchObject({
      state: 'removed',
      decision: { decisionId: intent.intentId },
    });
    expect(await decisionsOf(e, ami(1))).toEqual([
      expect.objectContaining({ decisionId: intent.intentId, outcome: 'removed' }),
    ]);
    expect(await store.getIntent(intent.intentId)).toMatchObject({ status: 'done' });
    expect(await store.listPendingIntents()).toEqual([]);
    expect(hasButtons(await e.messageFor(ami(1)))).toBe(false);
  });

  it('Trust: a write failing after the trust entry is finished by the reconciler, not refused as already trusted', async () => {
    const e = await started();
    e.faults.failNext('transitionFinding');

    await e.click('trust', ami(1));

    const store = e.server.ctx.deps.store;
    // The trust entry comes first.
    expect(await store.getTrust(EVIL)).toMatchObject({ accountId: EVIL, addedBy: { userId: ALICE } });
    expect((await store.getFinding(ami(1)))?.state).toBe('open');
    expect(e.slack.responses).toEqual([]); // nothing refused

    await e.server.reconcile();

    expect((await store.getFinding(ami(1)))?.state).toBe('trusted');
    expect((await store.getFinding(ami(2)))?.state).toBe('trusted');
    expect(await decisionsOf(e, ami(1))).toEqual([
      expect.objectContaining({ action: 'trust', outcome: 'succeeded' }),
    ]);
    expect(e.slack.responses).toEqual([]);
    expect(hasButtons(await e.messageFor(ami(1)))).toBe(false);
  });

  it('Trust interrupted after the trust entry, its finding removed meanwhile: the trust is finished, no entry left pending', async () => {
    // Found by the chaos test (CHAOS_SEED=7005): the resumed Trust was refused as "already removed"
    // while the owner stayed on the trust list, and its log entry stayed pending for good.
    const e = await started();
    e.faults.failNext('transitionFinding');
    await e.click('trust', ami(1));
    const store = e.server.ctx.deps.store;
    expect(await store.getTrust(EVIL)).toMatchObject({ addedBy: { userId: ALICE } });
    expect((await store.getFinding(ami(1)))?.state).toBe('open');

    await e.click('remove', ami(1), BOB);
    expect((await store.getFinding(ami(1)))?.state).toBe('removed');

    await e.server.reconcile();

    // The owner is trusted, as the trust list has said since the first run: its other finding too.
    expect(await store.getTrust(EVIL)).toMatchObject({ addedBy: { userId: ALICE } });
    expect((await store.getFinding(ami(1)))?.state).toBe('removed');
    expect((await store.getFinding(ami(2)))?.state).toBe('trusted');
    const log = await store.listDecisions({ since: SINCE });
    expect(log.filter((d) => d.outcome === 'pending')).toEqual([]);
    expect(log.filter((d) => d.action === 'trust')).toEqual([
      expect.objectContaining({ by: expect.objectContaining({ userId: ALICE }), outcome: 'succeeded' }),
    ]);
    expect(await store.listPendingIntents()).toEqual([]);
    expect(e.sim.calls({ action: 'CancelImageLaunchPermission' })).toBe(1);
  });

  it('Trust interrupted after its log entry, then untrusted and its finding removed: refused, the entry completed', async () => {
    const e = await started();
    e.faults.failNext('transitionFinding');
    await e.click('trust', ami(1));
    const store = e.server.ctx.deps.store;
    await e.command(`untrust ${EVIL}`, BOB);
    expect(await store.getTrust(EVIL)).toBeUndefined();
    await e.click('remove', ami(1), BOB);

    await e.server.reconcile();

    // Nothing of the Trust stands now: it is refused, and its write-ahead entry says so.
    expect((await store.getFinding(ami(2)))?.state).toBe('open');
    const log = await store.listDecisions({ since: SINCE });
    expect(log.filter((d) => d.outcome === 'pending')).toEqual([]);
    expect(log.filter((d) => d.action === 'trust')).toEqual([
      expect.objectContaining({ outcome: 'refused', detail: expect.stringMatching(/already removed/) }),
    ]);
    expect(await store.listPendingIntents()).toEqual([]);
  });

  it('Remove: a failing final transition or log write never leaves the finding in removing', async () => {
    const e = await started();
    // claim, rung attempting, rung done, then the final transition fails; then the log completion.
    e.faults.failNext('transitionFinding', 1, 3);

    await e.click('remove', ami(1));
    const store = e.server.ctx.deps.store;
    expect((await store.getFinding(ami(1)))?.state).toBe('removing');

    e.faults.failNext('completeDecision');
    await e.server.reconcile();
    expect((await store.getFinding(ami(1)))?.state).toBe('removed');
    expect((await decisionsOf(e, ami(1)))[0]?.outcome).toBe('pending');

    await e.server.reconcile();
    expect(await decisionsOf(e, ami(1))).toEqual([expect.objectContaining({ outcome: 'removed' })]);
    expect(e.sim.calls({ action: 'CancelImageLaunchPermission' })).toBe(1);
    expect(await store.listPendingIntents()).toEqual([]);
    expect(hasButtons(await e.messageFor(ami(1)))).toBe(false);
  });
});
