/**
 * The guard enforced by AWS (the simulator's Deny evaluation, docs/simulator.md): after applyGuard, a
 * workload role in the monitored account cannot launch, create, restore or copy the blocked resources,
 * and still can everything else; verifyBlocked proves it with IAM's simulator.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CreateVolumeCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { CreatePolicyCommand } from '@aws-sdk/client-iam';
import { CreatePolicyCommand as CreateOrgPolicyCommand } from '@aws-sdk/client-organizations';
import { CopyDBClusterSnapshotCommand, RestoreDBInstanceFromDBSnapshotCommand } from '@aws-sdk/client-rds';
import { applyGuard } from '../../src/guard/apply.ts';
import { verifyBlocked } from '../../src/guard/verify.ts';
import type { BlockedResource } from '../../src/domain/guard.ts';
import { findingId, type ResourceKind } from '../../src/domain/finding.ts';
import { account, emptyWorld, image, rdsSnapshot, snapshot, type World } from '../helpers/world.ts';
import { A, ALICE, EVIL, MGMT, R, WORKLOAD, actAs, outcomeOf, startBed, type Bed } from './helpers.ts';

let bed: Bed | undefined;
afterEach(async () => {
  await bed?.stop();
  bed = undefined;
});

const hex = (n: number) => n.toString(16).padStart(17, '0');
const dbArn = (name: string) => `arn:aws:rds:${R}:${EVIL}:snapshot:${name}`;
const clusterArn = (name: string) => `arn:aws:rds:${R}:${EVIL}:cluster-snapshot:${name}`;

function world(withOrg: boolean): World {
  const w = emptyWorld([
    account(A, [R], { roles: [{ name: WORKLOAD, policies: [] }] }),
    ...(withOrg ? [account(MGMT, [R])] : []),
  ]);
  w.images.push(image(1, R, EVIL, [{ userId: A }]), image(2, R, EVIL, [{ userId: A }]));
  w.snapshots.push(snapshot(1, R, EVIL, [A]), snapshot(2, R, EVIL, [A]));
  w.dbSnapshots.push(rdsSnapshot('blocked-db', R, EVIL, [A]), rdsSnapshot('fine-db', R, EVIL, [A]));
  w.dbClusterSnapshots.push(
    rdsSnapshot('blocked-cluster', R, EVIL, [A], 'aurora-postgresql'),
    rdsSnapshot('fine-cluster', R, EVIL, [A], 'aurora-postgresql'),
  );
  if (withOrg) w.organizationPolicies = { managementAccount: MGMT, policies: [] };
  return w;
}

function blocked(kind: ResourceKind, resourceId: string, resourceArn: string): BlockedResource {
  return {
    findingId: findingId(kind, A, R, resourceId),
    kind,
    accountId: A,
    region: R,
    resourceId,
    resourceArn,
    ownerAccountId: EVIL,
    decisionId: 'd-test',
    by: ALICE,
    at: '2026-12-01T12:00:00.000Z',
  };
}

const BLOCKED = [
  blocked('ami', `ami-${hex(1)}`, `arn:aws:ec2:${R}::image/ami-${hex(1)}`),
  blocked('ebs-snapshot', `snap-${hex(1)}`, `arn:aws:ec2:${R}::snapshot/snap-${hex(1)}`),
  blocked('rds-snapshot', dbArn('blocked-db'), dbArn('blocked-db')),
  blocked('rds-cluster-snapshot', clusterArn('blocked-cluster'), clusterArn('blocked-cluster')),
];

const MODES = {
  'iam-policy': { mode: 'iam-policy', attachToRoles: [WORKLOAD] },
  scp: { mode: 'scp', scp: { managementAccount: MGMT, role: 'ShareGuardGuard', targets: [A] } },
} as const;

describe.each(Object.keys(MODES) as (keyof typeof MODES)[])('guard mode %s', (mode) => {
  it('denies the workload role every use of the blocked resources and nothing else; verification names the policy', async () => {
    bed = await startBed(world(mode === 'scp'), { accounts: [{ id: A }], regions: [R], guard: MODES[mode] });
    const d = bed.deps;
    for (const b of BLOCKED) await d.store.putBlockedResource(b);
    const applied = await applyGuard(d, { accountIds: [A] });
    expect(applied.status).toBe('applied');
    expect(applied.accounts[0]!.policies.map((p) => [p.name, p.change])).toEqual([
      ['ShareGuardBlocked', 'created'],
    ]);

    const w = await actAs(bed.sim, A, WORKLOAD);
    const run = (n: number) =>
      w.ec2.send(new RunInstancesCommand({ ImageId: `ami-${hex(n)}`, MinCount: 1, MaxCount: 1 }));
    const volume = (n: number) =>
      w.ec2.send(new CreateVolumeCommand({ SnapshotId: `snap-${hex(n)}`, AvailabilityZone: `${R}a` }));
    const restore = (arn: string) =>
      w.rds.send(
        new RestoreDBInstanceFromDBSnapshotCommand({
          DBInstanceIdentifier: `restored-${Date.now()}`,
          DBSnapshotIdentifier: arn,
        }),
      );
    const copyCluster = (arn: string) =>
      w.rds.send(
        new CopyDBClusterSnapshotCommand({
          SourceDBClusterSnapshotIdentifier: arn,
          TargetDBClusterSnapshotIdentifier: `copy-${Date.now()}`,
        }),
      );
    expect(await outcomeOf(run(1))).toBe('UnauthorizedOperation');
    expect(await outcomeOf(run(2))).toBe('ok');
    expect(await outcomeOf(volume(1))).toBe('UnauthorizedOperation');
    expect(await outcomeOf(volume(2))).toBe('ok');
    expect(await outcomeOf(restore(dbArn('blocked-db')))).toBe('AccessDenied');
    expect(await outcomeOf(restore(dbArn('fine-db')))).toBe('ok');
    expect(await outcomeOf(copyCluster(clusterArn('blocked-cluster')))).toBe('AccessDenied');
    expect(await outcomeOf(copyCluster(clusterArn('fine-cluster')))).toBe('ok');
    w.destroy();

    for (const b of BLOCKED) {
      const v = await verifyBlocked(d, b);
      expect(v.verified, `${b.kind}: ${v.detail}`).toBe(true);
      expect(v.evidence.every((e) => e.decision === 'explicitDeny')).toBe(true);
      expect(v.blockedBy).toEqual([{ accountId: mode === 'scp' ? MGMT : A, policy: 'ShareGuardBlocked' }]);
      expect(
        v.calls.some((c) =>
          c.startsWith(mode === 'scp' ? 'iam:SimulateCustomPolicy' : 'iam:SimulatePrincipalPolicy'),
        ),
      ).toBe(true);
    }
    // An unblocked resource is not reported blocked.
    const fine = await verifyBlocked(d, {
      ...BLOCKED[0]!,
      resourceId: `ami-${hex(2)}`,
      resourceArn: `arn:aws:ec2:${R}::image/ami-${hex(2)}`,
    });
    expect(fine.verified).toBe(false);
    expect(fine.evidence.some((e) => e.decision === 'explicitDeny')).toBe(false);
    expect(fine.detail).toMatch(/^Not verified: ec2:CopyImage is (allowed|implicitDeny)/);

    // Applying again changes nothing in AWS.
    const again = await applyGuard(d, { accountIds: [A] });
    expect(again.accounts[0]!.status).toBe('unchanged');
    expect(again.calls.filter((c) => /^\w+:(Create|Update|Attach|Detach|Delete)/.test(c))).toEqual([]);
  });
});

describe('guard iam-policy versions and size', () => {
  it('keeps at most 5 versions: each change prunes the oldest non-default one', async () => {
    bed = await startBed(world(false), { accounts: [{ id: A }], regions: [R], guard: MODES['iam-policy'] });
    const d = bed.deps;
    for (let i = 0; i < 8; i++) {
      await d.store.putBlockedResource(
        blocked('ami', `ami-${hex(100 + i)}`, `arn:aws:ec2:${R}::image/ami-${hex(100 + i)}`),
      );
      const r = await applyGuard(d, { accountIds: [A] });
      expect(r.status, JSON.stringify(r.accounts)).toBe('applied');
      if (i >= 5) expect(r.accounts[0]!.policies[0]!.prunedVersions).toHaveLength(1);
    }
    const arn = `arn:aws:iam::${A}:policy/ShareGuardBlocked`;
    const rec = bed.sim.state.iam.policies.get(arn)!;
    expect(rec.versions.length).toBe(5);
    expect(rec.versions.find((v) => v.isDefault)!.versionId).toBe('v8');
    expect(rec.versions.map((v) => v.versionId)).toEqual(['v4', 'v5', 'v6', 'v7', 'v8']);
  });

  it('splits into numbered policies within 6,144 characters (one would be LimitExceeded), attaches all, and empties and detaches the surplus when it shrinks', async () => {
    bed = await startBed(world(false), { accounts: [{ id: A }], regions: [R], guard: MODES['iam-policy'] });
    const d = bed.deps;
    const many = Array.from({ length: 160 }, (_, i) =>
      blocked('ami', `ami-${hex(1000 + i)}`, `arn:aws:ec2:${R}::image/ami-${hex(1000 + i)}`),
    );
    await Promise.all(many.map((b) => d.store.putBlockedResource(b)));
    const r = await applyGuard(d, { accountIds: [A] });
    expect(r.status).toBe('applied');
    const names = r.accounts[0]!.policies.map((p) => p.name);
    expect(names.length).toBeGreaterThan(1);
    expect(names.slice(0, 2)).toEqual(['ShareGuardBlocked', 'ShareGuardBlocked-2']);
    // The same deny set as one policy is what IAM refuses.
    const all = r.rendered[0]!.policies.flatMap((p) => p.resourceArns);
    expect(all).toHaveLength(160);
    const oneDocument = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Sid: 'DenyBlockedImages', Effect: 'Deny', Action: ['ec2:RunInstances'], Resource: all }],
    });
    const iam = d.clients.iam({ id: A, role: { name: 'ShareGuardScanner' } });
    expect(
      await outcomeOf(
        iam.send(new CreatePolicyCommand({ PolicyName: 'OnePolicy', PolicyDocument: oneDocument })),
      ),
    ).toBe('LimitExceeded');
    const role = bed.sim.state.iam.role(A, WORKLOAD)!;
    expect(role.attached.sort()).toEqual(names.map((n) => `arn:aws:iam::${A}:policy/${n}`).sort());
    const last = many.at(-1)!;
    const w = await actAs(bed.sim, A, WORKLOAD);
    expect(
      await outcomeOf(
        w.ec2.send(new RunInstancesCommand({ ImageId: last.resourceId, MinCount: 1, MaxCount: 1 })),
      ),
    ).not.toBe('ok');
    w.destroy();
    expect((await verifyBlocked(d, last)).blockedBy[0]!.policy).toBe(names.at(-1));

    await Promise.all(many.slice(1).map((b) => d.store.deleteBlockedResource(b.findingId)));
    const shrunk = await applyGuard(d, { accountIds: [A] });
    expect(shrunk.accounts[0]!.policies.map((p) => [p.name, p.change, p.detached.length > 0])).toEqual(
      names.map((n, i) => (i === 0 ? [n, 'updated', false] : [n, 'emptied', true])),
    );
    expect(role.attached).toEqual([`arn:aws:iam::${A}:policy/ShareGuardBlocked`]);
  });

  it('reports a failing account without throwing and keeps the others', async () => {
    const w = world(false);
    w.accounts.push(account('222222222222', [R], { assumeRole: 'deny' }));
    bed = await startBed(w, {
      accounts: [{ id: A }, { id: '222222222222' }],
      regions: [R],
      guard: MODES['iam-policy'],
    });
    await bed.deps.store.putBlockedOwner({
      ownerAccountId: EVIL,
      decisionId: 'd',
      by: ALICE,
      at: '2026-12-01T12:00:00.000Z',
    });
    const r = await applyGuard(bed.deps, { accountIds: [A, '222222222222'] });
    expect(r.status).toBe('partial');
    expect(r.accounts.map((a) => [a.accountId, a.status])).toEqual([
      [A, 'applied'],
      ['222222222222', 'failed'],
    ]);
    expect(r.accounts[1]!.error).toMatch(/AccessDenied/);
  });

  it('scp: splits within 5,120 characters (one would be ConstraintViolation), attaches each to the targets, empties and detaches the surplus', async () => {
    bed = await startBed(world(true), { accounts: [{ id: A }], regions: [R], guard: MODES.scp });
    const d = bed.deps;
    const many = Array.from({ length: 130 }, (_, i) =>
      blocked('ami', `ami-${hex(2000 + i)}`, `arn:aws:ec2:${R}::image/ami-${hex(2000 + i)}`),
    );
    await Promise.all(many.map((b) => d.store.putBlockedResource(b)));
    const r = await applyGuard(d, { accountIds: [A] });
    expect(r.status, JSON.stringify(r.accounts)).toBe('applied');
    const names = r.accounts[0]!.policies.map((p) => p.name);
    expect(names).toEqual(['ShareGuardBlocked', 'ShareGuardBlocked-2']);
    expect(r.accounts[0]!.policies.every((p) => p.attached.join() === A)).toBe(true);
    expect(r.rendered[0]!.policies.every((p) => p.size <= 5120)).toBe(true);

    const org = d.clients.organizations({ id: MGMT, role: { name: 'ShareGuardGuard' } });
    const whole = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Action: ['ec2:RunInstances'],
          Resource: r.rendered[0]!.policies.flatMap((p) => p.resourceArns),
        },
      ],
    });
    expect(
      await outcomeOf(
        org.send(
          new CreateOrgPolicyCommand({
            Name: 'One',
            Type: 'SERVICE_CONTROL_POLICY',
            Content: whole,
            Description: '',
          }),
        ),
      ),
    ).toBe('ConstraintViolationException');

    const w = await actAs(bed.sim, A, WORKLOAD);
    expect(
      await outcomeOf(
        w.ec2.send(new RunInstancesCommand({ ImageId: many.at(-1)!.resourceId, MinCount: 1, MaxCount: 1 })),
      ),
    ).toBe('UnauthorizedOperation');

    await Promise.all(many.slice(1).map((b) => d.store.deleteBlockedResource(b.findingId)));
    const shrunk = await applyGuard(d, { accountIds: [A] });
    expect(shrunk.accounts[0]!.policies.map((p) => [p.name, p.change, p.detached])).toEqual([
      ['ShareGuardBlocked', 'updated', []],
      ['ShareGuardBlocked-2', 'emptied', [A]],
    ]);
    expect(
      await outcomeOf(
        w.ec2.send(new RunInstancesCommand({ ImageId: many.at(-1)!.resourceId, MinCount: 1, MaxCount: 1 })),
      ),
    ).toBe('InvalidAMIID.NotFound'); // no longer denied: AWS gets as far as looking for it
    w.destroy();
    expect((await verifyBlocked(d, many[0]!)).verified).toBe(true);
  });
});
