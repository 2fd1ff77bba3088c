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
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RunInstancesCommand } from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import { findingId } from '../../src/domain/finding.ts';
import { BLOCK_ACCOUNT_ACTION } from '../../src/slack/messages/guard.ts';
import { startDynalite } from '../../src/store/embedded.ts';
import { DynamoStore } from '../../src/store/dynamo-store.ts';
import type { Store } from '../../src/store/index.ts';
import { createTable } from '../../src/store/table.ts';
import { BASE_ACCESS_KEY_ID, BASE_SECRET_ACCESS_KEY } from '../../src/testing/sim/caller.ts';
import { actAs, outcomeOf } from '../guard/helpers.ts';
import { startDelayProxy } from '../helpers/delay-proxy.ts';
import { startHangingProxy } from '../helpers/hanging-proxy.ts';
import {
  ALICE,
  CHANNEL,
  eventually,
  NOT_RECORDED,
  processRig,
  sleep,
  type ProcessRig,
} from '../helpers/serve-process.ts';
import { account, emptyWorld, image, snapshot } from '../helpers/world.ts';

const A = '111111111111';
const EVIL = '444444444444';
const R = 'us-east-1';
const WORKLOAD = 'WorkloadRole';
const AMI = 'ami-00000000000000001';
const amiFinding = findingId('ami', A, R, AMI);
const snapFinding = findingId('ebs-snapshot', A, R, 'snap-00000000000000001');
/** Slack wants the ack within 3 s. */
const SLACK_ACK_MS = 3_000;
const KEYS = { accessKeyId: BASE_ACCESS_KEY_ID, secretAccessKey: BASE_SECRET_ACCESS_KEY };

function world() {
  const w = emptyWorld([account(A, [R], { roles: [{ name: WORKLOAD, policies: [] }] })]);
  w.images.push(image(1, R, EVIL, [{ userId: A }]));
  w.snapshots.push(snapshot(1, R, EVIL, [A]));
  return w;
}

/** A shared DynamoDB-compatible store (dynalite, the simulator's keys as serve signs with them), and a client on it. */
async function sharedStore() {
  const dynalite = await startDynalite(undefined, KEYS);
  const client = new DynamoDBClient({ region: 'us-east-1', endpoint: dynalite.endpoint, credentials: KEYS });
  await createTable(client, 'shareguard');
  // The test reads what the replicas wrote through the product's own store code, on its own client.
  const store: Store = new DynamoStore(client, {
    info: { kind: 'dynamodb', tableName: 'shareguard', region: 'us-east-1', endpoint: dynalite.endpoint },
  });
  return { dynalite, store };
}

const cleanups: Array<() => Promise<void>> = [];
let rig: ProcessRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

/** serve on a store behind `endpoint`, scanned: both findings' messages are in the channel. */
async function scannedRig(endpoint: string) {
  rig = await processRig(world(), {
    sharedStoreEndpoint: endpoint,
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
  // And the scan finished: its guard drift check (which holds the guard's lease while it runs) is done,
  // so a kill below cannot leave that lease to lapse (60 s) before the restarted process may write.
  expect(
    await eventually(
      () => r.slack.messages(CHANNEL).some((m) => /Scan of .* finished/.test(m.text ?? '')),
      60_000,
    ),
  ).toBe(true);
  return { r, child };
}

const blockPosts = (r: ProcessRig) =>
  r.slack.messages(CHANNEL).filter((m) => m.text?.includes(`blocked account \`${EVIL}\``));

const timed = async <T>(p: Promise<T>) => {
  const t0 = Date.now();
  const v = await p;
  return { ...v, ms: Date.now() - t0 };
};

async function blockDecisions(store: Store) {
  const log = await store.listDecisions({ since: new Date(Date.now() - 3600_000).toISOString() });
  return log.filter((d) => d.action === 'block-account');
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

describe('Block account is durable before the ack', () => {
  it('SIGKILL right after /shared-scan block was acknowledged: after a restart the block is carried out, exactly once', async () => {
    const { dynalite, store } = await sharedStore();
    cleanups.push(
      () => dynalite.stop(),
      () => store.close(),
    );
    const proxy = await startDelayProxy(dynalite.endpoint);
    cleanups.push(() => proxy.close());
    const { r, child } = await scannedRig(proxy.url);

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

    const restarted = await r.spawn();
    expect(
      await eventually(() => blockPosts(r).length > 0, 60_000),
      `no Block account message after the restart: ${restarted.stderr().slice(-2000)}`,
    ).toBe(true);
    expect(blockPosts(r)[0]!.text).toMatch(/^⛔ .*blocked account `444444444444`.*verified by IAM/);
    expect(await launch(r)).toBe('UnauthorizedOperation');
    expect(
      await eventually(
        () => [amiFinding, snapFinding].every((id) => r.messageText(id)?.includes('⛔ *Blocked*')),
        30_000,
      ),
    ).toBe(true);

    // Exactly once: let the reconciler's passes run (they would finish a second copy), then count.
    await sleep(3_000);
    await restarted.stop();
    expect(blockPosts(r)).toHaveLength(1);
    expect(r.sim.calls({ action: 'CreatePolicy' })).toBe(1);
    expect((await blockDecisions(store)).map((d) => d.outcome)).toEqual(['blocked']);
    expect((await store.listBlockedOwners()).map((o) => o.ownerAccountId)).toEqual([EVIL]);
  }, 180_000);

  it('a hanging store: the slash command and the button are answered "not recorded" within 3 s, and nothing is carried out', async () => {
    const { dynalite, store } = await sharedStore();
    cleanups.push(
      () => dynalite.stop(),
      () => store.close(),
    );
    const proxy = await startHangingProxy(dynalite.endpoint);
    cleanups.push(() => proxy.close());
    const { r, child } = await scannedRig(proxy.url);

    proxy.hang = true;
    const [command, click] = await Promise.all([
      timed(r.command(child, `block ${EVIL} nope`)),
      timed(r.press(child, BLOCK_ACCOUNT_ACTION, amiFinding, ALICE, 'b1')),
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
    expect((await blockDecisions(store)).filter((d) => d.outcome === 'pending')).toEqual([]);
    expect(r.messageText(amiFinding)).toContain('shareguard.remove'); // still open
  }, 120_000);

  it('a store so slow the writes land after the answer: "not recorded" in time, and what landed late is taken back, never carried out', async () => {
    const { dynalite, store } = await sharedStore();
    cleanups.push(
      () => dynalite.stop(),
      () => store.close(),
    );
    const proxy = await startDelayProxy(dynalite.endpoint);
    cleanups.push(() => proxy.close());
    const { r, child } = await scannedRig(proxy.url);

    // Each store call takes ~1 s: under its own deadline, but the block's writes outlast the ack's budget.
    proxy.delayMs = 1_000;
    const command = await timed(r.command(child, `block ${EVIL} too slow`));
    expect(command.status).toBe(200);
    expect(command.ms).toBeLessThan(SLACK_ACK_MS);
    expect(command.body).toContain(NOT_RECORDED);

    // The writes do land (late); then the decision is completed as failed and the owner taken off.
    expect(
      await eventually(async () => {
        const d = await blockDecisions(store);
        return d.length === 1 && d[0]!.outcome === 'failed';
      }, 60_000),
    ).toBe(true);
    proxy.delayMs = 0;
    expect((await blockDecisions(store))[0]!.detail).toMatch(/^Not recorded/);
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
