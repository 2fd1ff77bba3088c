/**
 * Block account from the reason modal (the default, `slack.requireReason: true`) and under the
 * two-person rule is a decision intent: recorded before the ack, so a SIGKILL right after the ack loses
 * nothing. Against the real `serve` process, signed requests, the Slack stand-in and the simulator's
 * IAM, with the store behind a proxy that makes it slow (so nothing after the ack can have finished
 * before the kill); restarted on the same data, the block is carried out exactly once: the guard
 * applied and verified (the workload role is denied), one decision, the channel told once.
 */
import { describe, expect, it } from 'vitest';
import { BLOCK_ACCOUNT_ACTION } from '../../src/slack/messages/guard.ts';
import { decodeMetadata, REASON_CALLBACK } from '../../src/slack/messages/modals.ts';
import { EVIL } from '../guard/helpers.ts';
import { startDelayProxy } from '../helpers/delay-proxy.ts';
import {
  AMI_FINDING,
  blockPosts,
  decisions,
  evilSharesWorld,
  expectBlockedOnce,
  expectNothingPending,
  guardServeBeds,
  launch,
  SLOW_STORE_MS,
  SNAP_FINDING,
} from '../helpers/guard-serve-bed.ts';
import { ALICE, BOB, eventually, type Child, type ProcessRig } from '../helpers/serve-process.ts';

const bed = guardServeBeds();

/** serve behind a delay proxy, the reason modal on (with `slack` over it), scanned. */
const scannedRig = (slack: Record<string, unknown>) =>
  bed({
    world: evilSharesWorld(),
    findings: [AMI_FINDING, SNAP_FINDING],
    slack: { requireReason: true, ...slack },
    front: startDelayProxy,
  });

/** Presses Block account and waits for its reason form (views.update after views.open); the view id. */
async function openBlockForm(r: ProcessRig, child: Child, id: string, user: string): Promise<string> {
  const form = () =>
    r.slack.views.modals().find((v) => {
      if (v.userId !== user || v.callbackId !== REASON_CALLBACK) return false;
      const m = decodeMetadata(v.privateMetadata);
      return m.ok && m.value.action === 'block-account' && m.value.findingId === id;
    });
  expect((await r.press(child, BLOCK_ACCOUNT_ACTION, id, user, `open-${user}`)).status).toBe(200);
  expect(await eventually(() => form() !== undefined, 20_000), child.stderr().slice(-2000)).toBe(true);
  return form()!.id;
}

/** Nothing was carried out before the kill: no post, the AMI still launches. */
async function expectNotCarriedOut(r: ProcessRig) {
  expect(blockPosts(r)).toEqual([]);
  expect(await launch(r)).toBe('ok');
}

describe('Block account through the reason modal is durable before the ack', () => {
  it('SIGKILL right after the submission was acknowledged: after a restart the owner is blocked, once', async () => {
    const { r, child, store, proxy } = await scannedRig({});
    const view = await openBlockForm(r, child, AMI_FINDING, ALICE);

    proxy.delayMs = SLOW_STORE_MS;
    const answer = await r.submit(child, view, 'shared a backdoored image', ALICE);
    await child.kill();
    proxy.delayMs = 0;
    // Acknowledged means accepted: a submission the store could not take is answered with errors.
    expect(answer.status).toBe(200);
    expect(answer.body).not.toContain('response_action');
    await expectNotCarriedOut(r);

    const post = await expectBlockedOnce(r, await r.spawn());
    expect(post).toMatch(/^⛔ <@U0ALICE> blocked account `444444444444`.*verified by IAM/);
    expect(post).toContain('Reason: shared a backdoored image.');
    const log = await decisions(store, 'block-account');
    expect(log.map((d) => [d.outcome, d.by.userId, d.reason])).toEqual([
      ['blocked', ALICE, 'shared a backdoored image'],
    ]);
    expect((await store.listBlockedOwners()).map((o) => [o.ownerAccountId, o.decisionId])).toEqual([
      [EVIL, log[0]!.decisionId],
    ]);
    await expectNothingPending(store);
  }, 300_000);

  it('two-person rule: SIGKILL right after the Confirm was acknowledged: after a restart carried out once, with both names', async () => {
    const { r, child, store, proxy } = await scannedRig({ twoPersonRule: { actions: ['block-account'] } });
    const view = await openBlockForm(r, child, AMI_FINDING, ALICE);
    const asked = await r.submit(child, view, 'shared a backdoored image', ALICE);
    expect(asked.status).toBe(200);
    expect(asked.body).not.toContain('response_action');
    // The request is on the finding's message (Confirm / Reject); nothing is blocked yet.
    expect(await eventually(() => !!r.messageText(AMI_FINDING)?.includes('shareguard.confirm'), 30_000)).toBe(
      true,
    );
    await expectNotCarriedOut(r);

    proxy.delayMs = SLOW_STORE_MS;
    const confirm = await r.click(child, 'confirm', AMI_FINDING, BOB, 'k1');
    await child.kill();
    proxy.delayMs = 0;
    expect(confirm.status).toBe(200);
    // Not answered "not recorded" (or refused): the Confirm was recorded before its ack.
    expect(r.slack.ephemerals.filter((e) => e.user === BOB).map((e) => e.text)).toEqual([]);
    await expectNotCarriedOut(r);

    const post = await expectBlockedOnce(r, await r.spawn());
    expect(post).toMatch(/^⛔ <@U0ALICE> \(confirmed by <@U0BOB>\) blocked account `444444444444`/);
    expect(r.messageText(AMI_FINDING)).not.toContain('shareguard.confirm');
    const log = await decisions(store, 'block-account');
    // The decision once (by the requester, confirmed by the second approver) and its request, completed.
    const decision = log.filter((d) => !d.decisionId.endsWith(':request'));
    expect(decision.map((d) => [d.outcome, d.by.userId, d.confirmedBy?.userId])).toEqual([
      ['blocked', ALICE, BOB],
    ]);
    expect(log.filter((d) => d.decisionId.endsWith(':request')).map((d) => d.outcome)).toEqual(['succeeded']);
    await expectNothingPending(store);
  }, 300_000);
});
