/**
 * Block account from the reason modal (the default, `slack.requireReason: true`) and under the
 * two-person rule is a decision intent: recorded before the ack, so a SIGKILL right after the ack loses
 * nothing. Against the real `serve` process, signed requests, the Slack stand-in and the simulator's
 * IAM, with the store behind a proxy that makes it slow (so nothing after the ack can have finished
 * before the kill); restarted on the same data, the block is carried out exactly once: the guard
 * applied and verified (the workload role is denied), one decision, the channel told once.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RunInstancesCommand } from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import { findingId } from '../../src/domain/finding.ts';
import { BLOCK_ACCOUNT_ACTION } from '../../src/slack/messages/guard.ts';
import { decodeMetadata, REASON_CALLBACK } from '../../src/slack/messages/modals.ts';
import { startDynalite } from '../../src/store/embedded.ts';
import { DynamoStore } from '../../src/store/dynamo-store.ts';
import type { Store } from '../../src/store/index.ts';
import { createTable } from '../../src/store/table.ts';
import { BASE_ACCESS_KEY_ID, BASE_SECRET_ACCESS_KEY } from '../../src/testing/sim/caller.ts';
import { actAs, outcomeOf } from '../guard/helpers.ts';
import { startDelayProxy } from '../helpers/delay-proxy.ts';
import {
  ALICE,
  BOB,
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
const snapFinding = findingId('ebs-snapshot', A, R, 'snap-00000000000000001');
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
async function scannedRig(slack: Record<string, unknown>) {
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
    slack: { requireReason: true, ...slack },
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

const blockPosts = (r: ProcessRig) =>
  r.slack.messages(CHANNEL).filter((m) => m.text?.includes(`blocked account \`${EVIL}\``));

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

/** Nothing was carried out before the kill: no post, the AMI still launches. */
async function expectNotCarriedOut(r: ProcessRig) {
  expect(blockPosts(r)).toEqual([]);
  expect(await launch(r)).toBe('ok');
}

/**
 * After the restart: the owner blocked (applied and verified, the workload role denied), both findings
 * closed as blocked, the channel told once, the guard policy created once; returns the post's text.
 */
async function expectBlockedOnce(r: ProcessRig, restarted: Child): Promise<string> {
  expect(
    await eventually(() => blockPosts(r).length > 0, 90_000),
    `no Block account message after the restart: ${restarted.stderr().slice(-2000)}`,
  ).toBe(true);
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
  return blockPosts(r)[0]!.text!;
}

/** Once the child is gone: no intent left pending or awaiting (read through the items, not the index). */
async function expectNothingPending(store: Store) {
  for (const list of [await store.listPendingIntents(), await store.listAwaitingIntents()]) {
    const items = await Promise.all(list.map((i) => store.getIntent(i.intentId)));
    expect(items.filter((i) => i?.status === 'pending' || i?.status === 'awaiting')).toEqual([]);
  }
}

describe('Block account through the reason modal is durable before the ack', () => {
  it('SIGKILL right after the submission was acknowledged: after a restart the owner is blocked, once', async () => {
    const { r, child, store, proxy } = await scannedRig({});
    const view = await openBlockForm(r, child, amiFinding, ALICE);

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
    const log = await blockDecisions(store);
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
    const view = await openBlockForm(r, child, amiFinding, ALICE);
    const asked = await r.submit(child, view, 'shared a backdoored image', ALICE);
    expect(asked.status).toBe(200);
    expect(asked.body).not.toContain('response_action');
    // The request is on the finding's message (Confirm / Reject); nothing is blocked yet.
    expect(await eventually(() => !!r.messageText(amiFinding)?.includes('shareguard.confirm'), 30_000)).toBe(
      true,
    );
    await expectNotCarriedOut(r);

    proxy.delayMs = SLOW_STORE_MS;
    const confirm = await r.click(child, 'confirm', amiFinding, BOB, 'k1');
    await child.kill();
    proxy.delayMs = 0;
    expect(confirm.status).toBe(200);
    // Not answered "not recorded" (or refused): the Confirm was recorded before its ack.
    expect(r.slack.ephemerals.filter((e) => e.user === BOB).map((e) => e.text)).toEqual([]);
    await expectNotCarriedOut(r);

    const post = await expectBlockedOnce(r, await r.spawn());
    expect(post).toMatch(/^⛔ <@U0ALICE> \(confirmed by <@U0BOB>\) blocked account `444444444444`/);
    expect(r.messageText(amiFinding)).not.toContain('shareguard.confirm');
    const log = await blockDecisions(store);
    // The decision once (by the requester, confirmed by the second approver) and its request, completed.
    const decision = log.filter((d) => !d.decisionId.endsWith(':request'));
    expect(decision.map((d) => [d.outcome, d.by.userId, d.confirmedBy?.userId])).toEqual([
      ['blocked', ALICE, BOB],
    ]);
    expect(log.filter((d) => d.decisionId.endsWith(':request')).map((d) => d.outcome)).toEqual(['succeeded']);
    await expectNothingPending(store);
  }, 300_000);
});
