/**
 * The bed of the blast-radius and launchers e2e tests (test/slack): one monitored account in one
 * region, into which an untrusted owner shares an AMI that two instances run from and a snapshot that
 * nothing uses; the e2e rig (test/helpers/e2e.ts) is stopped when the test ends.
 */
import { onTestFinished } from 'vitest';
import { startE2E, type E2E } from './e2e.ts';
import { account, emptyWorld, image, snapshot, type World } from './world.ts';

/** The monitored account. */
export const A = '111111111111';
/** The untrusted owner of the shared AMI and snapshot. */
export const EVIL = '444444444444';
export const R = 'us-east-1';
export const AMI = 'ami-00000000000000001';
export const SNAP = 'snap-00000000000000001';

/** A world where EVIL's AMI (named "tools") runs as two instances in A and its snapshot is unused. */
export function worldInUse(): World {
  const world = emptyWorld([account(A, [R])]);
  world.images.push(image(1, R, EVIL, [{ userId: A }], { name: 'tools' }));
  world.instances.push(
    { id: 'i-00000000000000001', account: A, region: R, imageId: AMI, state: 'running' },
    { id: 'i-00000000000000002', account: A, region: R, imageId: AMI, state: 'running' },
  );
  world.snapshots.push(snapshot(1, R, EVIL, [A], { description: 'db backup' }));
  return world;
}

/** startE2E on this world, stopped when the calling test ends (call it inside a test). */
export async function startBed(world: World, options?: Parameters<typeof startE2E>[1]): Promise<E2E> {
  const e2e = await startE2E(world, options);
  onTestFinished(() => e2e.stop());
  return e2e;
}
