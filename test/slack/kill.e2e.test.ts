/**
 * Issue 21 acceptance through the real process: `shareguard serve` as a child, SIGKILLed right after
 * Slack got its acks, restarted on the same data. Every acknowledged decision — 150 one-click Removes,
 * 8 reason-modal submissions, 8 two-person Confirms — is carried out after the restart, each AWS change
 * exactly once; a click answered "not recorded" changes nothing. (D1, D6, D8.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { findingId } from '../../src/domain/finding.ts';
import { openStore } from '../../src/store/index.ts';
import { startSharedStore } from '../helpers/guard-serve-bed.ts';
import {
  ALICE,
  BOB,
  eventually,
  NOT_RECORDED,
  NOT_RECORDED_YET,
  processRig,
  type ProcessRig,
} from '../helpers/serve-process.ts';
import { account, emptyWorld, image } from '../helpers/world.ts';

const A = '111111111111';
const R = 'us-east-1';
const owner = (n: number) => `4${String(n).padStart(11, '0')}`;
const ami = (n: number) => findingId('ami', A, R, `ami-${n.toString(16).padStart(17, '0')}`);

function world(n: number) {
  const w = emptyWorld([account(A, [R])]);
  for (let i = 1; i <= n; i++) w.images.push(image(i, R, owner(i), [{ userId: A }]));
  return w;
}

let rig: ProcessRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** Starts serve, scans, and waits until every finding's message is in the channel. */
async function scanned(n: number, slack: Record<string, unknown> = {}) {
  rig = await processRig(world(n), { slack });
  const child = await rig.spawn();
  expect((await rig.command(child, '')).status).toBe(200);
  const ids = Array.from({ length: n }, (_, i) => ami(i + 1));
  expect(
    await eventually(() => ids.every((id) => rig!.messageText(id)?.includes('shareguard.')), 60_000),
  ).toBe(true);
  return { child, ids, rig };
}

const launchPermissions = (r: ProcessRig, n: number) =>
  r.sim.state.image(`ami-${n.toString(16).padStart(17, '0')}`)!.launchPermissions;

/**
 * After the restart: every id in `done` removed in AWS, none of `untouched`; the others (answered
 * "may yet be recorded") either — and every removal made exactly once.
 */
async function expectRemovedOnce(r: ProcessRig, n: number, done: number[], untouched: number[]) {
  // Generous: on a loaded machine 150 removals after a restart take minutes (the outcome is waited for, not a time).
  const finished = await eventually(() => done.every((i) => launchPermissions(r, i).length === 0), 300_000);
  expect(finished, `not removed: ${done.filter((i) => launchPermissions(r, i).length).join(',')}`).toBe(true);
  // Let the reconciler's passes run out (late writes, expired claims) before counting.
  let calls = -1;
  await eventually(
    async () => {
      const now = r.sim.calls({ action: 'CancelImageLaunchPermission' });
      const stable = now === calls;
      calls = now;
      return stable;
    },
    20_000,
    2_000,
  );
  for (const i of untouched) expect(launchPermissions(r, i), `ami ${i}`).toEqual([{ userId: A }]);
  const removed = Array.from({ length: n }, (_, i) => i + 1).filter(
    (i) => launchPermissions(r, i).length === 0,
  );
  expect(r.sim.calls({ action: 'CancelImageLaunchPermission' })).toBe(removed.length);
}

/** Split clicks by their answer: recorded (acknowledged), certainly not, maybe. */
function byAnswer(r: ProcessRig, ids: string[]) {
  const n = (id: string, i: number) => (void id, i + 1);
  const certain = ids.flatMap((id, i) => (r.told(id, NOT_RECORDED) ? [n(id, i)] : []));
  const maybe = ids.flatMap((id, i) => (r.told(id, NOT_RECORDED_YET) ? [n(id, i)] : []));
  const acked = ids.flatMap((id, i) => (certain.includes(i + 1) || maybe.includes(i + 1) ? [] : [n(id, i)]));
  return { acked, certain, maybe };
}

/** Once the child is gone: nothing left pending in the store. */
async function expectNothingPending(r: ProcessRig) {
  const store = await openStore({ kind: 'embedded', dataDir: r.dataDir, tableName: 'shareguard' } as never);
  try {
    // Through the items: a kill between dynalite's index write and its item write leaves an index entry
    // for a write that never completed (never acknowledged).
    for (const list of [await store.listPendingIntents(), await store.listAwaitingIntents()]) {
      const items = await Promise.all(list.map((i) => store.getIntent(i.intentId)));
      expect(items.filter((i) => i?.status === 'pending' || i?.status === 'awaiting')).toEqual([]);
    }
  } finally {
    await store.close();
  }
}

describe('SIGKILL right after the acks (issue 21 acceptance)', () => {
  it('150 one-click Removes: none of the acknowledged ones lost, each AWS change once', async () => {
    const { child, ids, rig: r } = await scanned(150);
    const answers = await Promise.all(ids.map((id, i) => r.click(child, 'remove', id, ALICE, `c${i + 1}`)));
    await child.kill();
    expect(answers.map((a) => a.status)).toEqual(Array(150).fill(200));

    const { acked, certain, maybe } = byAnswer(
      r,
      ids.map((_, i) => `c${i + 1}`),
    );
    console.log(`150 clicks: ${acked.length} recorded, ${certain.length} not, ${maybe.length} maybe`);
    const restarted = await r.spawn();
    await expectRemovedOnce(r, 150, acked, certain);
    // Their messages no longer offer Remove.
    expect(
      await eventually(
        () => acked.every((n) => !r.messageText(ami(n))?.includes('shareguard.remove')),
        30_000,
      ),
    ).toBe(true);
    await restarted.stop();
    await expectNothingPending(r);
    expect(acked.length).toBeGreaterThan(0);
  }, 600_000);

  it('8 reason-modal submissions: none lost', async () => {
    const { child, ids, rig: r } = await scanned(8, { requireReason: true });
    const views = [];
    for (const id of ids) views.push(await r.openForm(child, 'remove', id, ALICE));
    const answers = await Promise.all(views.map((v, i) => r.submit(child, v, `reason ${i + 1}`, ALICE)));
    await child.kill();
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    // Acknowledged means accepted: a submission the store could not take answers with errors instead.
    const acked = answers.flatMap((a, i) => (a.body.includes(NOT_RECORDED.slice(0, 14)) ? [] : [i + 1]));
    const certain = answers.flatMap((a, i) => (a.body.includes(NOT_RECORDED) ? [i + 1] : []));
    const restarted = await r.spawn();
    await expectRemovedOnce(r, 8, acked, certain);
    await restarted.stop();
    await expectNothingPending(r);
    expect(acked.length).toBeGreaterThan(0);
  }, 240_000);

  it('8 two-person Confirms: none lost, the requests and their messages repaired', async () => {
    const { child, ids, rig: r } = await scanned(8, { twoPersonRule: { actions: ['remove'] } });
    for (const [i, id] of ids.entries()) {
      const v = await r.openForm(child, 'remove', id, ALICE);
      expect((await r.submit(child, v, `asked ${i + 1}`, ALICE)).status).toBe(200);
    }
    // Each request is on its message (Confirm / Reject) before the second approver clicks.
    expect(
      await eventually(() => ids.every((id) => r.messageText(id)?.includes('shareguard.confirm')), 30_000),
    ).toBe(true);
    const answers = await Promise.all(ids.map((id, i) => r.click(child, 'confirm', id, BOB, `k${i + 1}`)));
    await child.kill();
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    const { acked, certain } = byAnswer(
      r,
      ids.map((_, i) => `k${i + 1}`),
    );
    const restarted = await r.spawn();
    await expectRemovedOnce(r, 8, acked, certain);
    await restarted.stop();
    await expectNothingPending(r);
    expect(acked.length).toBeGreaterThan(0);
  }, 240_000);
});

describe('two replicas on one store (issue 21 item 4, D9)', () => {
  it('each click delivered to both, one replica killed: every AWS change exactly once, nobody told their own click was refused', async () => {
    // The shared store accepts only the keys the replicas sign with (the simulator's).
    const dynalite = await startSharedStore();
    try {
      const n = 30;
      rig = await processRig(world(n), { sharedStoreEndpoint: dynalite.endpoint });
      const r = rig;
      const [a, b] = await Promise.all([r.spawn(), r.spawn()]);
      expect((await r.command(a, '')).status).toBe(200);
      const ids = Array.from({ length: n }, (_, i) => ami(i + 1));
      expect(
        await eventually(() => ids.every((id) => r.messageText(id)?.includes('shareguard.')), 60_000),
      ).toBe(true);
      // The same click reaches both replicas (a redelivery, or a balancer retry).
      const answers = await Promise.all(
        ids.flatMap((id, i) => {
          const form = r.clickForm('remove', id, ALICE, `c${i + 1}`);
          return [r.send(a, form), r.send(b, form)];
        }),
      );
      await a.kill();
      expect(answers.map((x) => x.status)).toEqual(Array(2 * n).fill(200));
      const { acked, certain } = byAnswer(
        r,
        ids.map((_, i) => `c${i + 1}`),
      );
      await expectRemovedOnce(r, n, acked, certain);
      // No clicker was told their own decision was refused ("already removed" and the like).
      const refused = r.slack.responses.filter((x) => JSON.stringify(x.payload).includes('🚫'));
      expect(
        refused.filter((x) => !JSON.stringify(x.payload).includes('not recorded')).map((x) => x.id),
      ).toEqual([]);
      await b.stop();
    } finally {
      await dynalite.stop();
    }
  }, 240_000);
});
