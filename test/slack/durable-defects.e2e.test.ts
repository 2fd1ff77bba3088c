/**
 * Issue 21 defects through the real boundaries in one process (Bolt over signed HTTP, the local Slack
 * API, the simulator, dynalite): D5 (a request stored, its message not updated), D10 (no request left
 * "pending" in the decision log), D15 (a slow store does not keep the modal from opening). The crash
 * cases against the real process are kill.e2e and chaos-process.e2e.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { findingId } from '../../src/domain/finding.ts';
import { REASON_CALLBACK } from '../../src/slack/messages/modals.ts';
import { ALICE, BOB, startE2E, type E2E } from '../helpers/e2e.ts';
import { account, emptyWorld, image } from '../helpers/world.ts';

const A = '111111111111';
const EVIL = '444444444444';
const R = 'us-east-1';
const SINCE = new Date(Date.now() - 60 * 60_000).toISOString();
const ami = (n: number) => findingId('ami', A, R, `ami-${n.toString(16).padStart(17, '0')}`);
const blocks = (m: { blocks?: unknown[] } | undefined) => JSON.stringify(m?.blocks ?? []);

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.stop();
  e2e = undefined;
});

async function started(slack: Record<string, unknown>): Promise<E2E> {
  const w = emptyWorld([account(A, [R])]);
  w.images.push(image(1, R, EVIL, [{ userId: A }]), image(2, R, EVIL, [{ userId: A }]));
  e2e = await startE2E(w, { slack });
  await e2e.command('');
  return e2e;
}

const rule = { twoPersonRule: { actions: ['remove'] } };

describe('two-person requests are one record the reconciler repairs (D5, D10)', () => {
  it('D5: the request was stored but the run stopped before its message changed: the reconciler shows Confirm', async () => {
    const e = await started(rule);
    // The run stops right after the request is put on the finding (its log write fails), as a crash would.
    e.faults.failNext('appendDecision');
    const res = await e.click('remove', ami(1), ALICE, undefined, { reason: 'unknown owner' });
    expect(res.status).toBe(200);
    expect(res.body).not.toContain('errors'); // acknowledged: the request is durable
    expect((await e.server.ctx.deps.store.listAwaitingIntents()).map((i) => i.findingId)).toEqual([ami(1)]);

    await e.server.reconcile();

    const rec = await e.server.ctx.deps.store.getFinding(ami(1));
    expect(rec?.approval?.requestedBy.userId).toBe(ALICE);
    const shown = blocks(await e.messageFor(ami(1)));
    expect(shown).toContain('shareguard.confirm');
    expect(shown).not.toContain('shareguard.remove');
  });

  it('D10: after a Confirm and after a Reject no decision-log entry is left pending', async () => {
    const e = await started(rule);
    await e.click('remove', ami(1), ALICE, undefined, { reason: 'one' });
    await e.click('remove', ami(2), ALICE, undefined, { reason: 'two' });
    await e.click('confirm', ami(1), BOB, undefined, false);
    await e.click('reject', ami(2), BOB, undefined, false);
    await e.server.idle();

    expect((await e.server.ctx.deps.store.getFinding(ami(1)))?.state).toBe('removed');
    expect((await e.server.ctx.deps.store.getFinding(ami(2)))?.state).toBe('open');
    const log = await e.server.ctx.deps.store.listDecisions({ since: SINCE });
    expect(log.filter((d) => d.outcome === 'pending')).toEqual([]);
    expect(await e.server.ctx.deps.store.listAwaitingIntents()).toEqual([]);
    expect(await e.server.ctx.deps.store.listPendingIntents()).toEqual([]);
  });
});

describe('modal first (D15)', () => {
  it('with 3.2 s of store latency the modal still opens, is filled, and its submission is answered in time', async () => {
    const e = await started({ requireReason: true });
    e.faults.latency = { ms: 3_200, methods: ['getFinding'] };
    const res = await e.click('remove', ami(1), ALICE, undefined, false);
    expect(res.status).toBe(200);
    const form = e.openModal('remove', ami(1));
    expect(form?.callbackId).toBe(REASON_CALLBACK); // opened at once, filled after the slow read
    expect(e.slack.responses.map((r) => JSON.stringify(r.payload)).join()).not.toMatch(
      /did not open the form/,
    );

    // The submission does not wait for the slow read: it is recorded and acknowledged (Bolt answers
    // 404 when a listener has not acked within its 3 s).
    const sub = await e.submitView(form!.id, { reason: 'slow store' });
    expect(sub.status).toBe(200);
    expect(sub.body).not.toContain('errors');
    e.faults.latency = null;
    await e.server.reconcile();
    expect((await e.server.ctx.deps.store.getFinding(ami(1)))?.state).toBe('removed');
  }, 60_000);
});
