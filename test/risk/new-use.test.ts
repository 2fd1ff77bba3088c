/** A later scan finds new use of a resource already decided on: reported, and the stored finding updated. */
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { CreateVolumeCommand } from '@aws-sdk/client-ec2';
import { resolveConfig } from '../../src/config/load.ts';
import { decideRemove } from '../../src/core/decisions.ts';
import type { CoreDeps } from '../../src/core/deps.ts';
import { scanAndRecord } from '../../src/core/scan-service.ts';
import { findingId } from '../../src/domain/finding.ts';
import { openStore } from '../../src/store/index.ts';
import { awsSettingsFromConfig } from '../../src/scan/from-config.ts';
import { AwsClients } from '../../src/aws/clients.ts';
import { startSim, type Sim } from '../helpers/scan.ts';
import { account, emptyWorld, snapshot } from '../helpers/world.ts';

const A = '111111111111';
const EVIL = '444444444444';
const R = 'us-east-1';

let sim: Sim | undefined;
let deps: CoreDeps | undefined;
afterEach(async () => {
  deps?.clients.destroy();
  await deps?.store.close();
  await sim?.stop();
  sim = undefined;
  deps = undefined;
});

describe('new use of a decided resource', () => {
  it('is found by the next scan after a volume is created from a snapshot whose removal was decided', async () => {
    const world = emptyWorld([account(A, [R])]);
    const snap = snapshot(1, R, EVIL, [A]);
    world.snapshots.push(snap);
    sim = await startSim(world);
    const config = resolveConfig(
      {
        accounts: [{ id: A }],
        regions: [R],
        aws: { endpoint: sim.endpoint, maxAttempts: 2 },
        store: { kind: 'memory' },
      },
      { source: 'test' },
    );
    deps = {
      config,
      store: await openStore(config.store, { fallbackRegion: R }),
      clients: new AwsClients(
        awsSettingsFromConfig(config, { accessKeyId: sim.accessKeyId, secretAccessKey: sim.secretAccessKey }),
      ),
      log: pino({ level: 'silent' }),
    };
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
