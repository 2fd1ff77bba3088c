/**
 * Unblock (the button on a blocked finding) and Unblock account (`/shared-scan unblock <account>`) are
 * decision intents: recorded before the ack, so a SIGKILL right after the ack loses nothing. Against
 * the real `serve` process, signed requests, the Slack stand-in and the simulator's IAM, with the store
 * behind a proxy that makes it slow (so nothing after the ack can have finished before the kill);
 * restarted on the same data, the unblock is carried out exactly once: the workload role may use the
 * resources again (IAM), the findings are open again and their messages say so, one decision logged,
 * the channel told once, no intent left pending.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateVolumeCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import { findingId } from '../../src/domain/finding.ts';
import { startDynalite } from '../../src/store/embedded.ts';
import { DynamoStore } from '../../src/store/dynamo-store.ts';
import type { Store } from '../../src/store/index.ts';
import { createTable } from '../../src/store/table.ts';
import { BASE_ACCESS_KEY_ID, BASE_SECRET_ACCESS_KEY } from '../../src/testing/sim/caller.ts';
import { actAs, outcomeOf } from '../guard/helpers.ts';
import { startDelayProxy } from '../helpers/delay-proxy.ts';
import {
  ALICE,
  CHANNEL,
  eventually,
  sleep,
  type Child,
  type ProcessRig,
  processRig,
} from '../helpers/serve-process.ts';
import { account, emptyWorld, image, snapshot } from '../helpers/world.ts';

const A = '111111111111';
const EVIL = '444444444444';
const R = 'us-east-1';
const WORKLOAD = 'WorkloadRole';
const AMI = 'ami-00000000000000001';
const amiFinding = findingId('ami', A, R, AMI);
const SNAP = 'snap-00000000000000001';
const snapFinding = findingId('ebs-snapshot', A, R, SNAP);
const KEYS = { accessKeyId: BASE_ACCESS_KEY_ID, secretAccessKey: BASE_SECRET_ACCESS_KEY };
/** Each store call held this long: what the process does after its ack is still under way at the kill. */
const SLOW_STORE_MS = 100;

function world() {
  const w = emptyWorld([account(A, [R], { roles: [{ name: WORKLOAD, policies: [] }] })]);
  w.images.push(image(1, R, EVIL, [{ userId: A }]));
  w.snapshots.push(snapshot(1, R, EVIL, [A]));
  return w;
}

const cleanups: Array<() => Promise<void>> = [];
let rig: ProcessRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

/**
 * serve on a shared store (dynalite with the simulator's keys, as serve signs with them) behind a delay
 * proxy, scanned; the test reads the store through the product's store code on its own client.
 */
async function scannedRig() {
  const dynalite = await startDynalite(undefined, KEYS);
  cleanups.push(() => dynalite.stop());
  const client = new DynamoDBClient({ region: 'us-east-1', endpoint: dynalite.endpoint, credentials: KEYS });
  await createTable(client, 'shareguard');
  const store: Store = new DynamoStore(client, {
    info: { kind: 'dynamodb', tableName: 'shareguard', region: 'us-east-1', endpoint: dynalite.endpoint },
  });
  cleanups.push(() => store.close());
  const proxy = await startDelayProxy(dynalite.endpoint);
  cleanups.push(() => proxy.close());
  rig = await processRig(world(), {
    sharedStoreEndpoint: proxy.url,
    config: { regions: [R], guard: { mode: 'iam-policy', attachToRoles: [WORKLOAD] } },
  });
  const r = rig;
  const child = await r.spawn();
  expect((await r.command(child, '')).status).toBe(200);
  expect(
    await eventually(
      () => [amiFinding, snapFinding].every((id) => r.messageText(id)?.includes('shareguard.remove')),
      60_000,
    ),
  ).toBe(true);
  // The scan finished: its guard drift check (which holds the guard's lease) cannot be cut by the kill.
  expect(
    await eventually(
      () => r.slack.messages(CHANNEL).some((m) => /Scan of .* finished/.test(m.text ?? '')),
      60_000,
    ),
  ).toBe(true);
  return { r, child, store, proxy };
}

/** The workload role's RunInstances on the AMI: `ok` or the denial. */
async function launch(r: ProcessRig) {
  const w = await actAs(r.sim, A, WORKLOAD);
  try {
    return await outcomeOf(w.ec2.send(new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 1 })));
  } finally {
    w.destroy();
  }
}

/** The workload role's CreateVolume from the snapshot: `ok` or the denial. */
async function restore(r: ProcessRig) {
  const w = await actAs(r.sim, A, WORKLOAD);
  try {
    return await outcomeOf(
      w.ec2.send(new CreateVolumeCommand({ SnapshotId: SNAP, AvailabilityZone: `${R}a` })),
    );
  } finally {
    w.destroy();
  }
}

const posts = (r: ProcessRig, re: RegExp) => r.slack.messages(CHANNEL).filter((m) => re.test(m.text ?? ''));
const UNBLOCKED_SNAP = new RegExp(`unblocked \`${SNAP}\``);
const UNBLOCKED_OWNER = new RegExp(`unblocked account \`${EVIL}\``);

async function decisions(store: Store, action: string) {
  const log = await store.listDecisions({ since: new Date(Date.now() - 3600_000).toISOString() });
  return log.filter((d) => d.action === action);
}

/** Once the child is gone: no intent left pending or awaiting (read through the items, not the index). */
async function expectNothingPending(store: Store) {
  for (const list of [await store.listPendingIntents(), await store.listAwaitingIntents()]) {
    const items = await Promise.all(list.map((i) => store.getIntent(i.intentId)));
    expect(items.filter((i) => i?.status === 'pending' || i?.status === 'awaiting')).toEqual([]);
  }
}

/** Waits for `test` to hold, naming the child's last log lines when it does not. */
async function until(child: Child, test: () => boolean | Promise<boolean>, ms = 60_000) {
  expect(await eventually(test, ms), child.stderr().slice(-2000)).toBe(true);
}

describe('Unblock and Unblock account are durable before the ack', () => {
  it('Unblock button, SIGKILL right after the ack: after a restart the resource is usable again, its message says so, one decision', async () => {
    const { r, child, store, proxy } = await scannedRig();
    // Remove puts the snapshot on the guard (no role in its owner account): blocked, verified by IAM.
    expect((await r.click(child, 'remove', snapFinding, ALICE, 'remove-1')).status).toBe(200);
    await until(child, () => !!r.messageText(snapFinding)?.includes('shareguard.unblock'));
    expect(await restore(r)).toBe('UnauthorizedOperation');

    proxy.delayMs = SLOW_STORE_MS;
    const answer = await r.click(child, 'unblock', snapFinding, ALICE, 'unblock-1');
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
      const m = r.messageText(snapFinding) ?? '';
      return m.includes('shareguard.remove') && !m.includes('shareguard.unblock');
    });
    expect((await store.getFinding(snapFinding))?.state).toBe('open');

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
      [amiFinding, snapFinding].every((id) => r.messageText(id)?.includes('⛔ *Blocked*')),
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
      [amiFinding, snapFinding].every((id) => {
        const m = r.messageText(id) ?? '';
        return m.includes('shareguard.remove') && !m.includes('⛔ *Blocked*');
      }),
    );
    for (const id of [amiFinding, snapFinding]) expect((await store.getFinding(id))?.state).toBe('open');

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
