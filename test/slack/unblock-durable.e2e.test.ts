/**
 * Unblock (the button on a blocked finding) and Unblock account (`/shared-scan unblock <account>`) are
 * decision intents: recorded before the ack, so a SIGKILL right after the ack loses nothing. Against
 * the real `serve` process, signed requests, the Slack stand-in and the simulator's IAM, with the store
 * behind a proxy that makes it slow (so nothing after the ack can have finished before the kill);
 * restarted on the same data, the unblock is carried out exactly once: the workload role may use the
 * resources again (IAM), the findings are open again and their messages say so, one decision logged,
 * the channel told once, no intent left pending.
 */
import { describe, expect, it } from 'vitest';
import { EVIL } from '../guard/helpers.ts';
import { startDelayProxy } from '../helpers/delay-proxy.ts';
import {
  AMI_FINDING,
  decisions,
  evilSharesWorld,
  expectNothingPending,
  guardServeBeds,
  launch,
  restore,
  SLOW_STORE_MS,
  SNAP,
  SNAP_FINDING,
} from '../helpers/guard-serve-bed.ts';
import { ALICE, CHANNEL, eventually, sleep, type Child, type ProcessRig } from '../helpers/serve-process.ts';

const bed = guardServeBeds();

/** serve behind a delay proxy, scanned. */
const scannedRig = () =>
  bed({ world: evilSharesWorld(), findings: [AMI_FINDING, SNAP_FINDING], front: startDelayProxy });

const posts = (r: ProcessRig, re: RegExp) => r.slack.messages(CHANNEL).filter((m) => re.test(m.text ?? ''));
const UNBLOCKED_SNAP = new RegExp(`unblocked \`${SNAP}\``);
const UNBLOCKED_OWNER = new RegExp(`unblocked account \`${EVIL}\``);

/** Waits for `test` to hold, naming the child's last log lines when it does not. */
async function until(child: Child, test: () => boolean | Promise<boolean>, ms = 60_000) {
  expect(await eventually(test, ms), child.stderr().slice(-2000)).toBe(true);
}

describe('Unblock and Unblock account are durable before the ack', () => {
  it('Unblock button, SIGKILL right after the ack: after a restart the resource is usable again, its message says so, one decision', async () => {
    const { r, child, store, proxy } = await scannedRig();
    // Remove puts the snapshot on the guard (no role in its owner account): blocked, verified by IAM.
    expect((await r.click(child, 'remove', SNAP_FINDING, ALICE, 'remove-1')).status).toBe(200);
    await until(child, () => !!r.messageText(SNAP_FINDING)?.includes('shareguard.unblock'));
    expect(await restore(r)).toBe('UnauthorizedOperation');

    proxy.delayMs = SLOW_STORE_MS;
    const answer = await r.click(child, 'unblock', SNAP_FINDING, ALICE, 'unblock-1');
    await child.kill();
    proxy.delayMs = 0;
    expect(answer.status).toBe(200);
    // Not answered "not recorded" (or refused): the Unblock was recorded before its ack.
    expect(r.slack.ephemerals.filter((e) => e.user === ALICE).map((e) => e.text)).toEqual([]);
    // Not carried out before the kill.
    expect(posts(r, UNBLOCKED_SNAP)).toEqual([]);
    expect(await restore(r)).toBe('UnauthorizedOperation');

    const restarted = await r.spawn();
    await until(restarted, () => posts(r, UNBLOCKED_SNAP).length > 0, 90_000);
    expect(posts(r, UNBLOCKED_SNAP)[0]!.text).toMatch(/^🔓 <@U0ALICE> unblocked .*verified by IAM/);
    expect(await restore(r)).toBe('ok');
    // The finding's message says it is open again (Remove offered, no Unblock).
    await until(restarted, () => {
      const m = r.messageText(SNAP_FINDING) ?? '';
      return m.includes('shareguard.remove') && !m.includes('shareguard.unblock');
    });
    expect((await store.getFinding(SNAP_FINDING))?.state).toBe('open');

    // Exactly once: let the reconciler's passes run (they would finish a second copy), then count.
    await sleep(3_000);
    await restarted.stop();
    expect(posts(r, UNBLOCKED_SNAP)).toHaveLength(1);
    expect((await decisions(store, 'unblock')).map((d) => [d.outcome, d.by.userId])).toEqual([
      ['succeeded', ALICE],
    ]);
    await expectNothingPending(store);
  }, 300_000);

  it('/shared-scan unblock <account>, SIGKILL right after the ack: after a restart the owner is usable again, its findings reopened, one decision, the channel told once', async () => {
    const { r, child, store, proxy } = await scannedRig();
    expect((await r.command(child, `block ${EVIL} shared a backdoored image`)).status).toBe(200);
    await until(child, () =>
      [AMI_FINDING, SNAP_FINDING].every((id) => r.messageText(id)?.includes('⛔ *Blocked*')),
    );
    expect(await launch(r)).toBe('UnauthorizedOperation');

    proxy.delayMs = SLOW_STORE_MS;
    const answer = await r.command(child, `unblock ${EVIL}`);
    await child.kill();
    proxy.delayMs = 0;
    expect(answer.status).toBe(200);
    // The ack is the user's signal, and it says so: recorded.
    expect(answer.body).toContain(`Unblock of account \`${EVIL}\` recorded`);
    expect(posts(r, UNBLOCKED_OWNER)).toEqual([]);
    expect(await launch(r)).toBe('UnauthorizedOperation'); // not carried out before the kill

    const restarted = await r.spawn();
    await until(restarted, () => posts(r, UNBLOCKED_OWNER).length > 0, 90_000);
    expect(posts(r, UNBLOCKED_OWNER)[0]!.text).toMatch(
      /^✅ <@U0ALICE> unblocked account `444444444444`: .* 2 findings open again/,
    );
    expect(await launch(r)).toBe('ok');
    await until(restarted, () =>
      [AMI_FINDING, SNAP_FINDING].every((id) => {
        const m = r.messageText(id) ?? '';
        return m.includes('shareguard.remove') && !m.includes('⛔ *Blocked*');
      }),
    );
    for (const id of [AMI_FINDING, SNAP_FINDING]) expect((await store.getFinding(id))?.state).toBe('open');

    await sleep(3_000);
    await restarted.stop();
    expect(posts(r, UNBLOCKED_OWNER)).toHaveLength(1);
    expect((await decisions(store, 'unblock-account')).map((d) => [d.outcome, d.by.userId])).toEqual([
      ['succeeded', ALICE],
    ]);
    expect(await store.listBlockedOwners()).toEqual([]);
    await expectNothingPending(store);
  }, 300_000);
});
