/**
 * The removal ladder through the real AWS SDK against the simulator: owner-side revoke, delete at the
 * source, recipient cancel, block with the guard, failures, a crash between rungs, dry run — and, at the
 * end, that every AWS call made stays within the IAM actions the registry declares.
 */
import { USAGE_ACTIONS } from '../../src/aws/usage/index.ts';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ACTION_SERVICE } from '../../src/testing/sim/action-services.ts';
import { CreateVolumeCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import {
  decideDeleteAtSource,
  decideRemove,
  decideRevokeOrgShare,
  resumeInterruptedRemovals,
} from '../../src/core/decisions.ts';
import { scanAndRecord } from '../../src/core/scan-service.ts';
import { findingId } from '../../src/domain/finding.ts';
import { remediationActions } from '../../src/remediate/registry.ts';
import { KINDS } from '../../src/aws/kinds/index.ts';
import { actAs, outcomeOf, startBed, type Bed } from '../guard/helpers.ts';
import { account, emptyWorld, image, OU, rdsSnapshot, snapshot, type World } from '../helpers/world.ts';
import { outcomeLine } from '../../src/slack/messages/finding.ts';

const A = '111111111111'; // the monitored account that sees the shares
const SANDBOX = '777777777777'; // monitored, `trustedSource: false`: shareguard has a role there
const EVIL = '444444444444'; // outside: no role
const R = 'us-east-1';
const ALICE = { userId: 'U0ALICE' };
const WORKLOAD = 'WorkloadRole';

const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
const amiId = (n: number) => `ami-${hex(n, 17)}`;
const snapId = (n: number) => `snap-${hex(n, 17)}`;
const rdsArn = (owner: string, id: string, cluster = false) =>
  `arn:aws:rds:${R}:${owner}:${cluster ? 'cluster-snapshot' : 'snapshot'}:${id}`;
const fid = {
  ami: (n: number) => findingId('ami', A, R, amiId(n)),
  snap: (n: number) => findingId('ebs-snapshot', A, R, snapId(n)),
  db: (owner: string, id: string) => findingId('rds-snapshot', A, R, rdsArn(owner, id)),
  cluster: (owner: string, id: string) => findingId('rds-cluster-snapshot', A, R, rdsArn(owner, id, true)),
};

function world(): World {
  const w = emptyWorld([
    account(A, [R], { ous: [OU], roles: [{ name: WORKLOAD, policies: [] }] }),
    account(SANDBOX, [R]),
  ]);
  w.images.push(
    image(1, R, SANDBOX, [{ userId: A }]), // direct from the sandbox: revoke at source
    image(2, R, SANDBOX, [{ userId: A }, { organizationalUnitArn: OU }]), // direct + OU from the sandbox
    image(3, R, EVIL, [{ userId: A }]), // direct from outside: recipient cancel
    image(4, R, EVIL, [{ organizationalUnitArn: OU }]), // OU only from outside: nothing but block
  );
  w.snapshots.push(snapshot(1, R, SANDBOX, [A]), snapshot(2, R, EVIL, [A]));
  w.dbSnapshots.push(rdsSnapshot('orders', R, SANDBOX, [A]), rdsSnapshot('evil-db', R, EVIL, [A]));
  w.dbClusterSnapshots.push(
    rdsSnapshot('aurora', R, SANDBOX, [A], 'aurora-postgresql'),
    rdsSnapshot('evil-aurora', R, EVIL, [A], 'aurora-postgresql'),
  );
  return w;
}

/** Every simulator action any bed of this file answered, for the IAM check at the end. */
const called = new Map<string, number>();

let bed: Bed | undefined;
/** Calls a test made as a workload (not shareguard): kept out of the IAM check. */
let workloadCalls: string[] = [];
afterEach(async () => {
  if (bed) {
    for (const name of Object.keys(ACTION_SERVICE)) {
      const n = bed.sim.calls({ action: name });
      if (n) called.set(name, (called.get(name) ?? 0) + n);
    }
    for (const w of workloadCalls) called.set(w, (called.get(w) ?? 1) - 1);
  }
  workloadCalls = [];
  await bed?.stop();
  bed = undefined;
});

async function setup(config: Record<string, unknown> = {}, w: World = world()): Promise<Bed> {
  bed = await startBed(w, {
    accounts: [{ id: A }, { id: SANDBOX, trustedSource: false }],
    regions: [R],
    ...config,
  });
  await scanAndRecord(bed.deps, {});
  return bed;
}

const state = () => bed!.sim.state;
const HOUR_AGO = () => new Date(Date.now() - 3_600_000).toISOString();

describe('revoke at the source (owner account monitored, not a trusted source)', () => {
  it('removes only the recipient account, for every kind, and the account no longer sees it', async () => {
    const { deps } = await setup();
    const cases = [fid.ami(1), fid.snap(1), fid.db(SANDBOX, 'orders'), fid.cluster(SANDBOX, 'aurora')];
    for (const id of cases) {
      const res = await decideRemove(deps, id, ALICE);
      expect(res.records[0], id).toMatchObject({
        state: 'revoked',
        decision: { outcome: 'revoked-at-source' },
      });
      const resource = id.split(':').slice(3).join(':');
      expect(res.records[0]!.decision!.detail).toBe(
        `Revoked at the source: account ${A} removed from the shares of ${resource} by owner ${SANDBOX}; the account no longer sees it.`,
      );
    }
    expect(state().image(amiId(1))!.launchPermissions).toEqual([]);
    // A recipient cancel was not needed: the owner side did it.
    expect(bed!.sim.calls({ action: 'CancelImageLaunchPermission' })).toBe(0);
    // Scanned again, nothing of the sandbox is seen any more; the revoked findings stay revoked.
    const again = await scanAndRecord(deps, {});
    expect(again.result.findings.filter((f) => cases.includes(f.id))).toEqual([]);
    for (const id of cases) expect((await deps.store.getFinding(id))!.state).toBe('revoked');
    // The decision log lists each rung with the AWS calls and their answers.
    const log = await deps.store.listDecisions({ since: HOUR_AGO(), findingId: fid.snap(1) });
    expect(log[0]).toMatchObject({ action: 'remove', outcome: 'revoked-at-source' });
    expect(log[0]!.detail).toBe(
      `1. Revoke at the source — done: Revoked at the source: account ${A} removed from the shares of ${snapId(1)} by owner ${SANDBOX}; the account no longer sees it. ` +
        `[ec2:DescribeSnapshotAttribute ${snapId(1)} createVolumePermission → 1 permission(s); ` +
        `ec2:ModifySnapshotAttribute ${snapId(1)} CreateVolumePermission.Remove UserId=${A} → ok; ` +
        `ec2:DescribeSnapshots RestorableBy=self snapshot-id=${snapId(1)} → not visible]`,
    );
  });

  it('names an organization/OU share it leaves in place, offers it as its own decision, and blocks meanwhile', async () => {
    const { deps } = await setup({ guard: { mode: 'iam-policy', attachToRoles: [WORKLOAD] } });
    const res = await decideRemove(deps, fid.ami(2), ALICE);
    const rec = res.records[0]!;
    // Revoked for the account, still visible through the OU: known now, so no recipient cancel is tried
    // (AWS lets a recipient cancel only direct shares), and the guard blocks it.
    expect(rec).toMatchObject({ state: 'blocked', orgShares: [OU], finding: { sharedVia: 'organization' } });
    expect(rec.ladder!.steps.map((s) => [s.id, s.status, s.result])).toEqual([
      ['revoke-at-source', 'done', 'still-visible'],
      ['block', 'done', 'blocked'],
    ]);
    expect(bed!.sim.calls({ action: 'CancelImageLaunchPermission' })).toBe(0);
    expect(rec.decision!.detail).toBe(
      `Revoked at the source: account ${A} removed from the shares of ${amiId(2)} by owner ${SANDBOX}; it is still visible to the account. ` +
        `Left in place (it reaches other accounts too; only its own decision may remove it): OU ${OU}. ` +
        `IAM answers explicitDeny for ec2:CopyImage, ec2:CreateReplaceRootVolumeTask, ec2:RegisterImage, ec2:RunInstances on ${amiId(2)} (ShareGuardBlocked in ${A}). ` +
        `It stays listed in the account (only the owner ${SANDBOX} can unshare it), but AWS denies using it.`,
    );
    expect(state().image(amiId(2))!.launchPermissions).toEqual([{ organizationalUnitArn: OU }]);

    // Its own decision removes the OU share: the account no longer sees it.
    const org = await decideRevokeOrgShare(deps, fid.ami(2), ALICE);
    expect(org.records[0]).toMatchObject({ state: 'revoked', decision: { outcome: 'revoked-at-source' } });
    expect(state().image(amiId(2))!.launchPermissions).toEqual([]);
  });
});

describe('delete at the source', () => {
  it('deletes each kind in the owner account (EC2 asked with DryRun first) and says what AWS kept', async () => {
    const { deps } = await setup();
    for (const id of [fid.ami(1), fid.snap(1), fid.db(SANDBOX, 'orders'), fid.cluster(SANDBOX, 'aurora')]) {
      const res = await decideDeleteAtSource(deps, id, ALICE);
      expect(res.records[0], id).toMatchObject({
        state: 'deleted',
        decision: { outcome: 'deleted-at-source' },
      });
    }
    expect(state().image(amiId(1))).toBeUndefined();
    expect(state().snapshot(snapId(1))).toBeUndefined();
    const ami = await deps.store.getFinding(fid.ami(1));
    expect(ami!.decision!.detail).toBe(
      `Deleted at the source: AMI ${amiId(1)} deregistered in owner account ${SANDBOX}. Its EBS snapshots were not deleted (they stay in the owner account). ` +
        'Instances already launched from it keep running. If a Recycle Bin retention rule in the owner account matches it, AWS keeps it restorable until the rule expires.',
    );
    const log = await deps.store.listDecisions({ since: HOUR_AGO(), findingId: fid.ami(1) });
    expect(log[0]!.detail).toMatch(
      /ec2:DeregisterImage ami-\w+ DryRun → DryRunOperation[^;]*; ec2:DeregisterImage ami-\w+ → ok/,
    );
  });

  it('is refused where shareguard has no role in the owner account', async () => {
    const { deps } = await setup();
    const res = await decideDeleteAtSource(deps, fid.snap(2), ALICE);
    expect(res.status).toBe('refused');
    expect(res).toMatchObject({ refusal: { code: 'no-owner-role', ownerAccountId: '444444444444' } });
    // Untouched: still there, still shared as before.
    expect(state().snapshot(snapId(2))).toMatchObject({
      id: snapId(2),
      owner: EVIL,
      createVolumePermissions: [{ userId: A }],
    });
  });
});

describe('recipient side', () => {
  it('cancels a direct AMI share, verifies it gone, and learns the share was direct', async () => {
    const { deps } = await setup();
    const res = await decideRemove(deps, fid.ami(3), ALICE);
    expect(res.records[0]).toMatchObject({
      state: 'removed',
      decision: { outcome: 'removed' },
      finding: { sharedVia: 'account' },
    });
    expect(state().image(amiId(3))!.launchPermissions).toEqual([]);
  });

  it('an OU-only AMI: cancel answers NotFound while visible ⇒ organization, kept across scans; recorded with the guard off', async () => {
    const { deps } = await setup();
    expect((await deps.store.getFinding(fid.ami(4)))!.finding.sharedVia).toBe('unknown');
    const res = await decideRemove(deps, fid.ami(4), ALICE);
    expect(res.records[0]).toMatchObject({ state: 'recorded', finding: { sharedVia: 'organization' } });
    expect(res.records[0]!.decision!.detail).toBe(
      `${amiId(4)} reaches ${A} through an organization or OU share, which a recipient cannot cancel (AWS answered InvalidAMIID.NotFound while it stays visible). ` +
        `AWS offers the account no way to remove it and the guard is off (guard.mode: off), so nothing blocks its use: only the owner ${EVIL} can unshare it. The decision is recorded.`,
    );
    await scanAndRecord(deps, {});
    expect((await deps.store.getFinding(fid.ami(4)))!.finding.sharedVia).toBe('organization');
  });
});

describe('block with the guard', () => {
  it('EBS and RDS snapshots from outside end blocked (verified); a workload can no longer use them, and can use others', async () => {
    const { deps, sim } = await setup({ guard: { mode: 'iam-policy', attachToRoles: [WORKLOAD] } });
    const snap = await decideRemove(deps, fid.snap(2), ALICE);
    expect(snap.records[0]).toMatchObject({ state: 'blocked', decision: { outcome: 'blocked' } });
    expect(snap.records[0]!.decision!.detail).toBe(
      `IAM answers explicitDeny for ec2:CopySnapshot, ec2:CreateVolume on ${snapId(2)} (ShareGuardBlocked in ${A}). ` +
        `It stays listed in the account (only the owner ${EVIL} can unshare it), but AWS denies using it.`,
    );
    const db = await decideRemove(deps, fid.cluster(EVIL, 'evil-aurora'), ALICE);
    expect(db.records[0]).toMatchObject({ state: 'blocked' });
    expect(await deps.store.listBlockedResources({ accountId: A })).toHaveLength(2);

    const w = await actAs(sim, A, WORKLOAD);
    workloadCalls.push('CreateVolume', 'CreateVolume', 'RunInstances');
    try {
      expect(
        await outcomeOf(
          w.ec2.send(new CreateVolumeCommand({ SnapshotId: snapId(2), AvailabilityZone: `${R}a` })),
        ),
      ).toBe('UnauthorizedOperation');
      expect(
        await outcomeOf(
          w.ec2.send(new CreateVolumeCommand({ SnapshotId: snapId(1), AvailabilityZone: `${R}a` })),
        ),
      ).toBe('ok');
      expect(
        await outcomeOf(w.ec2.send(new RunInstancesCommand({ ImageId: amiId(3), MinCount: 1, MaxCount: 1 }))),
      ).toBe('ok');
    } finally {
      w.destroy();
    }
    // Still listed (a recipient cannot remove it): seen again, it stays blocked and is not reposted.
    const again = await scanAndRecord(deps, {});
    expect(again.toPost.map((r) => r.finding.id)).not.toContain(fid.snap(2));
    expect((await deps.store.getFinding(fid.snap(2)))!.state).toBe('blocked');
  });

  it('guard print: added to the guard, recorded, and the words say it is not blocked yet', async () => {
    const { deps } = await setup({ guard: { mode: 'print' } });
    const res = await decideRemove(deps, fid.db(EVIL, 'evil-db'), ALICE);
    expect(res.records[0]).toMatchObject({ state: 'recorded', decision: { outcome: 'recorded' } });
    expect(res.records[0]!.decision!.detail).toBe(
      `Added to the guard, but guard.mode is print: it is not blocked until the printed policy (\`shareguard guard print\`) is applied. Only the owner ${EVIL} can unshare it.`,
    );
    expect(await deps.store.listBlockedResources({ accountId: A })).toHaveLength(1);
  });
});

describe('failures, crashes, dry run', () => {
  it('a failed rung leaves the finding open with AWS’s error; a retry completes it', async () => {
    const { deps, sim } = await setup();
    sim.faults.add({
      action: 'ModifySnapshotAttribute',
      code: 'UnauthorizedOperation',
      message: 'You are not authorized to perform this operation.',
      status: 403,
      times: 1,
    });
    const first = await decideRemove(deps, fid.snap(1), ALICE);
    expect(first.records[0]).toMatchObject({ state: 'open', decision: { outcome: 'failed' } });
    const refused =
      'AWS refused the owner-side revoke: UnauthorizedOperation: You are not authorized to perform this operation.';
    expect(first.records[0]!.decision!.detail).toBe(refused);
    // What the finding's message says (the decision result carries no words: issue 12).
    const line = outcomeLine(first.records[0]!);
    expect(line).toContain(refused);
    expect(line).toMatch(/^⚠️ \*Removal failed\*.* You can try again\.$/);
    expect(state().snapshot(snapId(1))!.createVolumePermissions).toEqual([{ userId: A }]);

    const retry = await decideRemove(deps, fid.snap(1), ALICE);
    expect(retry.records[0]).toMatchObject({ state: 'revoked' });
  });

  it('a crash between rungs resumes at the rung under way, never repeating a completed one, exactly once', async () => {
    const { deps, sim } = await setup();
    // Run rung 1 for real, then leave the record as a crash right after rung 2 was written-ahead would.
    const rec = (await deps.store.getFinding(fid.ami(4)))!;
    const decision = {
      decisionId: 'd-crash',
      action: 'remove' as const,
      findingId: rec.finding.id,
      ownerAccountId: EVIL,
      by: ALICE,
      at: '2026-12-01T10:00:00.000Z',
      outcome: 'pending' as const,
    };
    await deps.store.appendDecision(decision);
    await deps.store.transitionFinding(rec.finding.id, ['open'], {
      state: 'removing',
      decision: { decisionId: 'd-crash', action: 'remove', by: ALICE, at: decision.at, outcome: 'pending' },
      ladder: {
        decisionId: 'd-crash',
        action: 'remove',
        fromState: 'open',
        dryRun: false,
        steps: [
          {
            id: 'cancel-as-recipient',
            status: 'done',
            startedAt: decision.at,
            completedAt: decision.at,
            result: 'still-visible',
            detail: 'reaches it through an OU',
            calls: ['ec2:CancelImageLaunchPermission → InvalidAMIID.NotFound'],
            stillVisible: true,
          },
          { id: 'block', status: 'attempting', startedAt: decision.at },
        ],
      },
    });
    const cancelsBefore = sim.calls({ action: 'CancelImageLaunchPermission' });
    const resumed = await resumeInterruptedRemovals(deps);
    expect(resumed.map((r) => [r.finding.id, r.state])).toEqual([[fid.ami(4), 'recorded']]);
    // The completed rung was not repeated.
    expect(sim.calls({ action: 'CancelImageLaunchPermission' })).toBe(cancelsBefore);
    expect((await deps.store.getFinding(fid.ami(4)))!.ladder!.steps.map((s) => [s.id, s.status])).toEqual([
      ['cancel-as-recipient', 'done'],
      ['block', 'done'],
    ]);
    const log = await deps.store.listDecisions({
      since: decision.at,
      until: decision.at,
      findingId: fid.ami(4),
    });
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ outcome: 'recorded' });
    // Nothing is left to resume.
    expect(await resumeInterruptedRemovals(deps)).toEqual([]);
  });

  it('dry run: every rung is only planned (EC2 DryRun=true), nothing changes, the words say "would"', async () => {
    const { deps, sim } = await setup({
      remediation: { dryRun: true },
      guard: { mode: 'iam-policy', attachToRoles: [WORKLOAD] },
    });
    const before = JSON.stringify({
      i: [1, 2, 3].map((n) => state().image(amiId(n))!.launchPermissions),
      s: [1, 2].map((n) => state().snapshot(snapId(n))!.createVolumePermissions),
    });
    const revokeAtSource = (resource: string, answered: string) =>
      `Dry run: would remove account ${A} from the shares of ${resource} in owner account ${SANDBOX} (${answered}).`;
    const guard = `Guard (iam-policy) — dry run, nothing changed: ${A}: planned ShareGuardBlocked: would be created (attached to ${WORKLOAD})`;
    const wouldSay: Record<string, string> = {
      [fid.ami(1)]: revokeAtSource(amiId(1), 'AWS answered DryRunOperation: allowed'),
      [fid.ami(3)]:
        `Dry run: would cancel the launch permission of ${amiId(3)} for ${A} (AWS answered DryRunOperation: allowed). Dry run: would block AMI ${amiId(3)}. ${guard}`,
      [fid.snap(1)]: revokeAtSource(snapId(1), 'AWS answered DryRunOperation: allowed'),
      [fid.snap(2)]: `Dry run: would block EBS snapshot ${snapId(2)}. ${guard}`,
      [fid.db(SANDBOX, 'orders')]: revokeAtSource(
        rdsArn(SANDBOX, 'orders'),
        'RDS has no dry run: the shares were read, nothing was called to change them',
      ),
    };
    for (const id of [fid.ami(1), fid.ami(3), fid.snap(1), fid.snap(2), fid.db(SANDBOX, 'orders')]) {
      const res = await decideRemove(deps, id, ALICE);
      expect(res.records[0], id).toMatchObject({ state: 'open', decision: { dryRun: true } });
      expect(res.records[0]!.decision!.detail, id).toBe(wouldSay[id]);
    }
    const del = await decideDeleteAtSource(deps, fid.ami(1), ALICE);
    expect(del.records[0]).toMatchObject({ state: 'open', decision: { dryRun: true } });
    expect(
      JSON.stringify({
        i: [1, 2, 3].map((n) => state().image(amiId(n))!.launchPermissions),
        s: [1, 2].map((n) => state().snapshot(snapId(n))!.createVolumePermissions),
      }),
    ).toBe(before);
    expect(state().image(amiId(1))).toMatchObject({ id: amiId(1), state: 'available' });
    expect(await deps.store.listBlockedResources({})).toEqual([]);
    expect(sim.calls({ action: 'CreatePolicy' }) + sim.calls({ action: 'CreatePolicyVersion' })).toBe(0);
    expect(sim.calls({ action: 'ModifyDBSnapshotAttribute' })).toBe(0);
  });
});

afterAll(() => {
  // Every call shareguard made in these tests is one the registry (or the scan) declares.
  const declared = new Set<string>([
    'ec2:DescribeRegions',
    'sts:AssumeRole',
    ...Object.values(KINDS).flatMap((k) => k.scanActions),
    // The scan's blast-radius lookups (declared per kind in src/aws/usage).
    ...Object.values(USAGE_ACTIONS).flat(),
    ...Object.values(remediationActions()).flat(),
  ]);
  const made = [...called]
    .filter(([, n]) => n > 0)
    .map(([name]) => `${ACTION_SERVICE[name]}:${name}`)
    .sort();
  expect(made.length).toBeGreaterThan(10);
  expect(made.filter((a) => !declared.has(a))).toEqual([]);
});
