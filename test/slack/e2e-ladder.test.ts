/**
 * The removal ladder end to end: signed button clicks into the real Bolt app, the AWS SDK against the
 * simulator, the guard applied and verified, dynalite for the store.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CopyDBClusterSnapshotCommand, RestoreDBClusterFromSnapshotCommand } from '@aws-sdk/client-rds';
import { CreateVolumeCommand } from '@aws-sdk/client-ec2';
import { findingId } from '../../src/domain/finding.ts';
import { actAs, outcomeOf } from '../guard/helpers.ts';
import { startE2E, type E2E } from '../helpers/e2e.ts';
import { account, emptyWorld, image, rdsSnapshot, snapshot, type World } from '../helpers/world.ts';

const A = '111111111111';
const SANDBOX = '777777777777';
const EVIL = '444444444444';
const R = 'us-east-1';
const WORKLOAD = 'WorkloadRole';
const SNAP = 'snap-00000000000000001';
const CLUSTER_ARN = `arn:aws:rds:${R}:${EVIL}:cluster-snapshot:aurora-evil`;
const snapFinding = findingId('ebs-snapshot', A, R, SNAP);
const clusterFinding = findingId('rds-cluster-snapshot', A, R, CLUSTER_ARN);

function world(): World {
  const w = emptyWorld([
    account(A, [R], { roles: [{ name: WORKLOAD, policies: [] }] }),
    account(SANDBOX, [R]),
  ]);
  w.snapshots.push(snapshot(1, R, EVIL, [A]), snapshot(2, R, SANDBOX, [A]));
  w.dbClusterSnapshots.push(rdsSnapshot('aurora-evil', R, EVIL, [A], 'aurora-postgresql'));
  w.images.push(image(1, R, SANDBOX, [{ userId: A }]));
  return w;
}

const text = (m: unknown) => JSON.stringify(m ?? {});

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.stop();
  e2e = undefined;
});

describe('Remove walks the ladder (Bolt, simulator, guard)', () => {
  it('an EBS snapshot and an RDS cluster snapshot end blocked (verified); the message names the policy and the account', async () => {
    e2e = await startE2E(world(), {
      accounts: [A],
      config: { guard: { mode: 'iam-policy', attachToRoles: [WORKLOAD] } },
    });
    await e2e.command('');
    const before = text(await e2e.messageFor(snapFinding));
    expect(before).toContain('Block its use with the guard (iam-policy), verified.');

    await e2e.click('remove', snapFinding);
    await e2e.click('remove', clusterFinding);

    const store = e2e.server.ctx.deps.store;
    for (const id of [snapFinding, clusterFinding]) {
      const rec = await store.getFinding(id);
      expect(rec, id).toMatchObject({ state: 'blocked', decision: { outcome: 'blocked' } });
      const m = text(await e2e.messageFor(id));
      expect(m).toContain('Blocked');
      expect(m).toContain('ShareGuardBlocked');
      expect(m).toContain(A);
      expect(m).not.toMatch(/shareguard\.remove/);
    }
    // AWS enforces it for a workload role of the account; the resources stay listed.
    const w = await actAs(e2e.sim, A, WORKLOAD);
    try {
      expect(
        await outcomeOf(w.ec2.send(new CreateVolumeCommand({ SnapshotId: SNAP, AvailabilityZone: `${R}a` }))),
      ).toBe('UnauthorizedOperation');
      expect(
        await outcomeOf(
          w.rds.send(
            new CopyDBClusterSnapshotCommand({
              SourceDBClusterSnapshotIdentifier: CLUSTER_ARN,
              TargetDBClusterSnapshotIdentifier: 'copy-of-evil',
            }),
          ),
        ),
      ).toBe('AccessDenied');
      expect(
        await outcomeOf(
          w.rds.send(
            new RestoreDBClusterFromSnapshotCommand({
              SnapshotIdentifier: CLUSTER_ARN,
              DBClusterIdentifier: 'restored-evil',
              Engine: 'aurora-postgresql',
            }),
          ),
        ),
      ).toBe('AccessDenied');
    } finally {
      w.destroy();
    }
    expect(e2e.sim.state.snapshot(SNAP)!.createVolumePermissions).toEqual([{ userId: A }]);
  });

  it('with a role in the owner account (a sandbox), Remove revokes at the source and Delete at source has its own button', async () => {
    e2e = await startE2E(world(), { accounts: [A, SANDBOX], untrustedSources: [SANDBOX] });
    await e2e.command('');
    const sandboxSnap = findingId('ebs-snapshot', A, R, 'snap-00000000000000002');
    const sandboxAmi = findingId('ami', A, R, 'ami-00000000000000001');
    const m = text(await e2e.messageFor(sandboxSnap));
    expect(m).toContain('shareguard.delete-at-source');
    expect(m).toContain('revoke the share for 111111111111 at the source (owner 777777777777)');

    await e2e.click('remove', sandboxSnap);
    expect(await e2e.server.ctx.deps.store.getFinding(sandboxSnap)).toMatchObject({ state: 'revoked' });
    expect(e2e.sim.state.snapshot('snap-00000000000000002')!.createVolumePermissions).toEqual([]);
    expect(text(await e2e.messageFor(sandboxSnap))).toContain('Revoked at the source');

    await e2e.click('delete-at-source', sandboxAmi);
    expect(await e2e.server.ctx.deps.store.getFinding(sandboxAmi)).toMatchObject({ state: 'deleted' });
    expect(e2e.sim.state.image('ami-00000000000000001')).toBeUndefined();
    expect(text(await e2e.messageFor(sandboxAmi))).toContain('Deleted at the source');
  });
});
