/**
 * The bed of the guard's durability e2e tests: the real `serve` process (processRig) on a shared store
 * — dynalite with the simulator's keys — optionally behind a proxy the test controls, the guard on
 * (`iam-policy` on the workload role), scanned. The test reads the store through the product's store
 * code on its own client, and probes AWS as the workload role would use it.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateVolumeCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { afterEach, expect } from 'vitest';
import { findingId } from '../../src/domain/finding.ts';
import { startDynalite, type RunningDynalite } from '../../src/store/embedded.ts';
import { DynamoStore } from '../../src/store/dynamo-store.ts';
import type { Store } from '../../src/store/index.ts';
import { createTable } from '../../src/store/table.ts';
import { BASE_ACCESS_KEY_ID, BASE_SECRET_ACCESS_KEY } from '../../src/testing/sim/caller.ts';
import { A, actAs, EVIL, outcomeOf, R, WORKLOAD } from '../guard/helpers.ts';
import type { Sim } from './scan.ts';
import { CHANNEL, eventually, processRig, sleep, type Child, type ProcessRig } from './serve-process.ts';
import { account, emptyWorld, image, snapshot, type World } from './world.ts';

export const AMI = 'ami-00000000000000001';
export const SNAP = 'snap-00000000000000001';
export const AMI_FINDING = findingId('ami', A, R, AMI);
export const SNAP_FINDING = findingId('ebs-snapshot', A, R, SNAP);
/** Each store call held this long: what the process does after its ack is still under way at the kill. */
export const SLOW_STORE_MS = 100;

/** Account A (with the workload role) and EVIL's AMI and EBS snapshot shared into it. */
export function evilSharesWorld(): World {
  const w = emptyWorld([account(A, [R], { roles: [{ name: WORKLOAD, policies: [] }] })]);
  w.images.push(image(1, R, EVIL, [{ userId: A }]));
  w.snapshots.push(snapshot(1, R, EVIL, [A]));
  return w;
}

/**
 * A DynamoDB-compatible store serve replicas can share, its table made. It accepts only the keys they
 * sign with: the simulator's, from their environment (docs/store.md, D17).
 */
export async function startSharedStore(): Promise<RunningDynalite> {
  const dynalite = await startDynalite(undefined, {
    accessKeyId: BASE_ACCESS_KEY_ID,
    secretAccessKey: BASE_SECRET_ACCESS_KEY,
  });
  const client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: dynalite.endpoint,
    credentials: dynalite.credentials,
  });
  try {
    await createTable(client, 'shareguard');
  } catch (err) {
    await dynalite.stop();
    throw err;
  } finally {
    client.destroy();
  }
  return dynalite;
}

/** What stands between serve and the store (a delay or hanging proxy). */
interface StoreFront {
  url: string;
  close(): Promise<void>;
}

export interface GuardServeBedOptions<P extends StoreFront | undefined> {
  world: World;
  /** The findings whose messages (offering Remove) must be in the channel before the test starts. */
  findings: string[];
  /** Over the rig's Slack settings. */
  slack?: Record<string, unknown>;
  /** More top-level config sections, over the bed's `regions` and `guard`. */
  config?: Record<string, unknown>;
  /** Starts the proxy serve reaches the store through (e.g. startDelayProxy); none by default. */
  front?: (storeEndpoint: string) => Promise<P>;
}

export interface GuardServeBed<P> {
  r: ProcessRig;
  child: Child;
  /** The shared store, read through the product's own store code on the test's client. */
  store: Store;
  proxy: P;
}

/**
 * Registers this file's cleanup (after each test: the rig, then the proxy, the store, dynalite) and
 * returns what starts a bed: serve spawned, `/shared-scan` run, the findings' messages posted and the
 * scan finished.
 */
export function guardServeBeds() {
  const cleanups: Array<() => Promise<void>> = [];
  let rig: ProcessRig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  });

  return async function scannedBed<P extends StoreFront | undefined = undefined>(
    options: GuardServeBedOptions<P>,
  ): Promise<GuardServeBed<P>> {
    const dynalite = await startSharedStore();
    cleanups.push(() => dynalite.stop());
    const client = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: dynalite.endpoint,
      credentials: dynalite.credentials,
    });
    const store: Store = new DynamoStore(client, {
      info: { kind: 'dynamodb', tableName: 'shareguard', region: 'us-east-1', endpoint: dynalite.endpoint },
    });
    cleanups.push(() => store.close());
    // Without a front P is `undefined` (its default), which is what is returned then.
    const proxy = (options.front ? await options.front(dynalite.endpoint) : undefined) as P;
    if (proxy) cleanups.push(() => proxy.close());
    rig = await processRig(options.world, {
      sharedStoreEndpoint: proxy?.url ?? dynalite.endpoint,
      slack: options.slack,
      config: { regions: [R], guard: { mode: 'iam-policy', attachToRoles: [WORKLOAD] }, ...options.config },
    });
    const r = rig;
    const child = await r.spawn();
    expect((await r.command(child, '')).status).toBe(200);
    expect(
      await eventually(
        () => options.findings.every((id) => r.messageText(id)?.includes('shareguard.remove')),
        60_000,
      ),
    ).toBe(true);
    // And the scan finished: its guard drift check (which holds the guard's lease while it runs) is done,
    // so a kill cannot leave that lease to lapse (60 s) before the restarted process may write.
    expect(
      await eventually(
        () => r.slack.messages(CHANNEL).some((m) => /Scan of .* finished/.test(m.text ?? '')),
        60_000,
      ),
    ).toBe(true);
    return { r, child, store, proxy };
  };
}

/** The workload role's RunInstances on the AMI: `ok` or the denial. */
export async function launch(r: { sim: Sim }) {
  const w = await actAs(r.sim, A, WORKLOAD);
  try {
    return await outcomeOf(w.ec2.send(new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 1 })));
  } finally {
    w.destroy();
  }
}

/** The workload role's CreateVolume from the snapshot: `ok` or the denial. */
export async function restore(r: { sim: Sim }) {
  const w = await actAs(r.sim, A, WORKLOAD);
  try {
    return await outcomeOf(
      w.ec2.send(new CreateVolumeCommand({ SnapshotId: SNAP, AvailabilityZone: `${R}a` })),
    );
  } finally {
    w.destroy();
  }
}

/** The channel's posts saying EVIL was blocked. */
export const blockPosts = (r: ProcessRig) =>
  r.slack.messages(CHANNEL).filter((m) => m.text?.includes(`blocked account \`${EVIL}\``));

/**
 * After the restart: the owner blocked (applied and verified, the workload role denied), both findings
 * closed as blocked, the channel told once, the guard policy created once (the post waited for up to
 * `ms`); returns the post's text.
 */
export async function expectBlockedOnce(r: ProcessRig, restarted: Child, ms = 90_000): Promise<string> {
  expect(
    await eventually(() => blockPosts(r).length > 0, ms),
    `no Block account message after the restart: ${restarted.stderr().slice(-2000)}`,
  ).toBe(true);
  expect(await launch(r)).toBe('UnauthorizedOperation');
  expect(
    await eventually(
      () => [AMI_FINDING, SNAP_FINDING].every((id) => r.messageText(id)?.includes('⛔ *Blocked*')),
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

/** The decisions of the last hour with this action. */
export async function decisions(store: Store, action: string) {
  const log = await store.listDecisions({ since: new Date(Date.now() - 3600_000).toISOString() });
  return log.filter((d) => d.action === action);
}

/** Once the child is gone: no intent left pending or awaiting (read through the items, not the index). */
export async function expectNothingPending(store: Store) {
  for (const list of [await store.listPendingIntents(), await store.listAwaitingIntents()]) {
    const items = await Promise.all(list.map((i) => store.getIntent(i.intentId)));
    expect(items.filter((i) => i?.status === 'pending' || i?.status === 'awaiting')).toEqual([]);
  }
}
