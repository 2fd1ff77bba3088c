/**
 * Block account is durable before its ack, on the slash command and the button, within Slack's 3 s —
 * against the real `serve` process, signed requests and the Slack stand-in, with the store the child
 * uses behind a proxy the test controls:
 * - SIGKILL right after `/shared-scan block`'s ack (the store answering slowly, so nothing after the
 *   ack can have finished) → restart on the same data → the block is carried out exactly once.
 * - A store that hangs → the slash command and the button are answered "not recorded" within 3 s, and
 *   nothing is carried out.
 * - A store so slow that the writes land after the answer → answered "not recorded" in time, and what
 *   landed late is taken back, never carried out.
 */
import { describe, expect, it } from 'vitest';
import { BLOCK_ACCOUNT_ACTION } from '../../src/slack/messages/guard.ts';
import { EVIL } from '../guard/helpers.ts';
import { startDelayProxy } from '../helpers/delay-proxy.ts';
import {
  AMI_FINDING,
  blockPosts,
  decisions,
  evilSharesWorld,
  expectBlockedOnce,
  guardServeBeds,
  launch,
  SNAP_FINDING,
} from '../helpers/guard-serve-bed.ts';
import { startHangingProxy } from '../helpers/hanging-proxy.ts';
import { ALICE, eventually, NOT_RECORDED, sleep } from '../helpers/serve-process.ts';

/** Slack wants the ack within 3 s. */
const SLACK_ACK_MS = 3_000;

const bed = guardServeBeds();
/** The findings the scan must have reported before a test starts. */
const findings = [AMI_FINDING, SNAP_FINDING];

const timed = async <T>(p: Promise<T>) => {
  const t0 = Date.now();
  const v = await p;
  return { ...v, ms: Date.now() - t0 };
};

describe('Block account is durable before the ack', () => {
  it('SIGKILL right after /shared-scan block was acknowledged: after a restart the block is carried out, exactly once', async () => {
    const { r, child, store, proxy } = await bed({
      world: evilSharesWorld(),
      findings,
      front: startDelayProxy,
    });

    // The store answers slowly: whatever the process does after its ack is still under way at the kill.
    proxy.delayMs = 100;
    const answer = await r.command(child, `block ${EVIL} shared a backdoored image`);
    await child.kill();
    proxy.delayMs = 0;
    expect(answer.status).toBe(200);
    // The ack is the user's signal, and it says so: recorded (the durable half is in the store).
    expect(answer.body).toContain(`Block of account \`${EVIL}\` recorded`);
    expect(blockPosts(r)).toEqual([]);
    expect(await launch(r)).toBe('ok'); // not carried out before the kill

    // Carried out exactly once: IAM denies the workload role, both findings Blocked, one post, one policy.
    const post = await expectBlockedOnce(r, await r.spawn(), 60_000);
    expect(post).toMatch(/^⛔ .*blocked account `444444444444`.*verified by IAM/);
    expect((await decisions(store, 'block-account')).map((d) => d.outcome)).toEqual(['blocked']);
    expect((await store.listBlockedOwners()).map((o) => o.ownerAccountId)).toEqual([EVIL]);
  }, 180_000);

  it('a hanging store: the slash command and the button are answered "not recorded" within 3 s, and nothing is carried out', async () => {
    const { r, child, store, proxy } = await bed({
      world: evilSharesWorld(),
      findings,
      front: startHangingProxy,
    });

    proxy.hang = true;
    const [command, click] = await Promise.all([
      timed(r.command(child, `block ${EVIL} nope`)),
      timed(r.press(child, BLOCK_ACCOUNT_ACTION, AMI_FINDING, ALICE, 'b1')),
    ]);
    expect(command.status).toBe(200);
    expect(command.ms).toBeLessThan(SLACK_ACK_MS);
    expect(command.body).toContain(NOT_RECORDED);
    expect(click.status).toBe(200);
    expect(click.ms).toBeLessThan(SLACK_ACK_MS);
    // The button's answer follows its ack at once, to the clicker.
    const toldClicker = () =>
      r.slack.ephemerals.some((e) => e.user === ALICE && (e.text ?? '').includes(NOT_RECORDED));
    expect(await eventually(toldClicker, SLACK_ACK_MS)).toBe(true);

    // The store comes back: nothing of either block is carried out, or left to be.
    proxy.hang = false;
    await sleep(3_000);
    expect(blockPosts(r)).toEqual([]);
    expect(await launch(r)).toBe('ok');
    expect(r.sim.calls({ action: 'CreatePolicy' })).toBe(0);
    expect(await store.listBlockedOwners()).toEqual([]);
    expect((await decisions(store, 'block-account')).filter((d) => d.outcome === 'pending')).toEqual([]);
    expect(r.messageText(AMI_FINDING)).toContain('shareguard.remove'); // still open
  }, 120_000);

  it('a store so slow the writes land after the answer: "not recorded" in time, and what landed late is taken back, never carried out', async () => {
    const { r, child, store, proxy } = await bed({
      world: evilSharesWorld(),
      findings,
      front: startDelayProxy,
    });

    // Each store call takes ~1 s: under its own deadline, but the block's writes outlast the ack's budget.
    proxy.delayMs = 1_000;
    const command = await timed(r.command(child, `block ${EVIL} too slow`));
    expect(command.status).toBe(200);
    expect(command.ms).toBeLessThan(SLACK_ACK_MS);
    expect(command.body).toContain(NOT_RECORDED);

    // The writes do land (late); then the decision is completed as failed and the owner taken off.
    expect(
      await eventually(async () => {
        const d = await decisions(store, 'block-account');
        return d.length === 1 && d[0]!.outcome === 'failed';
      }, 60_000),
    ).toBe(true);
    proxy.delayMs = 0;
    expect((await decisions(store, 'block-account'))[0]!.detail).toMatch(/^Not recorded/);
    expect(await store.listBlockedOwners()).toEqual([]);
    // Whatever the guard reconciler writes now has no deny for the owner; nothing was announced.
    await sleep(2_000);
    expect(await launch(r)).toBe('ok');
    expect(blockPosts(r)).toEqual([]);
    // A restart finds nothing to resume.
    await child.kill();
    const restarted = await r.spawn();
    await sleep(2_000);
    expect(blockPosts(r)).toEqual([]);
    expect(await launch(r)).toBe('ok');
    await restarted.stop();
  }, 120_000);
});
