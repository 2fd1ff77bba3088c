/** A later scan finds new use of a resource already decided on: reported, and the stored finding updated. */
import { describe, expect, it } from 'vitest';
import { CreateVolumeCommand } from '@aws-sdk/client-ec2';
import { decideRemove } from '../../src/core/decisions.ts';
import type { CoreDeps } from '../../src/core/deps.ts';
import { scanAndRecord } from '../../src/core/scan-service.ts';
import { findingId } from '../../src/domain/finding.ts';
import { coreBedsPerTest } from '../support/core-bed.ts';
import { account, emptyWorld, snapshot } from '../helpers/world.ts';

const A = '111111111111';
const EVIL = '444444444444';
const R = 'us-east-1';

const beds = coreBedsPerTest();
let deps: CoreDeps | undefined;

describe('new use of a decided resource', () => {
  it('is found by the next scan after a volume is created from a snapshot whose removal was decided', async () => {
    const world = emptyWorld([account(A, [R])]);
    const snap = snapshot(1, R, EVIL, [A]);
    world.snapshots.push(snap);
    const bed = await beds.start(world, { accounts: [{ id: A }], regions: [R] });
    deps = bed.deps;
    const id = findingId('ebs-snapshot', A, R, snap.id);

    const first = await scanAndRecord(deps, {});
    expect(first.toPost[0]!.finding).toMatchObject({ risk: 'low', inUse: { volumes: { count: 0 } } });
    // Nothing a recipient can remove for a snapshot: the decision is recorded, the share stays.
    const decided = await decideRemove(deps, id, { userId: 'U0ALICE' });
    expect(decided.records[0]!.state).not.toBe('open');

    const quiet = await scanAndRecord(deps, {});
    expect(quiet.newUse).toEqual([]);

    const volume = await deps.clients
      .ec2({ id: A, role: { name: 'ShareGuardScanner' } }, R)
      .send(new CreateVolumeCommand({ SnapshotId: snap.id, AvailabilityZone: `${R}a` }));
    const again = await scanAndRecord(deps, {});
    expect(again.newUse).toHaveLength(1);
    expect(again.newUse[0]!.added.volumes?.map((v) => v.id)).toEqual([volume.VolumeId]);
    const stored = await deps.store.getFinding(id);
    expect(stored!.finding.inUse?.volumes.count).toBe(1);
    expect(stored!.finding.risk).toBe('high');
    expect(stored!.state).toBe(decided.records[0]!.state);
  });
});
