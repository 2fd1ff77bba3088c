/**
 * Issue 20 item 2: guard drift detected and repaired. A guard policy detached, hand-edited or deleted
 * outside shareguard is re-applied by the check each scan runs (and `guard verify`); told once; with
 * guard.mode print it is reported and nothing is written.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  CreatePolicyVersionCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DetachRolePolicyCommand,
  paginateListPolicyVersions,
} from '@aws-sdk/client-iam';
import { changeGuard } from '../../src/guard/desired.ts';
import { checkGuardDrift } from '../../src/guard/drift.ts';
import { describeDrift } from '../../src/guard/cli.ts';
import { guardDriftMessage } from '../../src/slack/messages/guard.ts';
import type { BlockedResource } from '../../src/domain/guard.ts';
import { findingId } from '../../src/domain/finding.ts';
import { account, emptyWorld, image } from '../helpers/world.ts';
import { A, ALICE, EVIL, R, WORKLOAD, actAs, outcomeOf, startBed, type Bed } from './helpers.ts';
import { RunInstancesCommand } from '@aws-sdk/client-ec2';

let bed: Bed | undefined;
afterEach(async () => {
  await bed?.stop();
  bed = undefined;
});

const AMI = 'ami-00000000000000001';
const ARN = `arn:aws:iam::${A}:policy/ShareGuardBlocked`;
const entry: BlockedResource = {
  findingId: findingId('ami', A, R, AMI),
  kind: 'ami',
  accountId: A,
  region: R,
  resourceId: AMI,
  resourceArn: `arn:aws:ec2:${R}::image/${AMI}`,
  ownerAccountId: EVIL,
  decisionId: 'd-1',
  by: ALICE,
  at: '2026-12-01T12:00:00.000Z',
};

function world() {
  const w = emptyWorld([account(A, [R], { roles: [{ name: WORKLOAD, policies: [] }] })]);
  w.images.push(image(1, R, EVIL, [{ userId: A }]));
  return w;
}

describe('guard drift', () => {
  it('iam-policy: detached, edited and deleted policies are re-applied, each drift told once', async () => {
    bed = await startBed(world(), {
      accounts: [{ id: A }],
      regions: [R],
      guard: { mode: 'iam-policy', attachToRoles: [WORKLOAD] },
    });
    const d = bed.deps;
    expect((await changeGuard(d, { accountIds: [A], put: [entry] })).ok).toBe(true);
    expect((await checkGuardDrift(d)).drift).toEqual([]);
    const iam = d.clients.iam({ id: A, role: { name: 'ShareGuardScanner' } });
    const w = await actAs(bed.sim, A, WORKLOAD);
    const run = () =>
      outcomeOf(w.ec2.send(new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 1 })));

    // Detached by hand: the workload may launch it — until the check re-attaches it.
    await iam.send(new DetachRolePolicyCommand({ RoleName: WORKLOAD, PolicyArn: ARN }));
    expect(await run()).toBe('ok');
    const r1 = await checkGuardDrift(d);
    expect(r1.drift).toEqual([
      expect.objectContaining({
        scope: A,
        status: 'repaired',
        isNew: true,
        changes: [`ShareGuardBlocked: not attached to ${WORKLOAD}`],
      }),
    ]);
    expect(await run()).toBe('UnauthorizedOperation');
    expect(guardDriftMessage(r1)?.text).toMatch(/had drifted .* in 1 scope .*1 scope re-applied/);
    expect(describeDrift(r1)).toMatch(
      `${A}: drift repaired — ShareGuardBlocked: not attached to ${WORKLOAD}`,
    );

    // Edited by hand (a new default version that denies nothing of ours): rewritten.
    const doc = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'X',
          Effect: 'Deny',
          Action: ['ec2:RunInstances'],
          Resource: ['arn:aws:ec2:*::image/ami-99999999999999999'],
        },
      ],
    });
    await iam.send(
      new CreatePolicyVersionCommand({ PolicyArn: ARN, PolicyDocument: doc, SetAsDefault: true }),
    );
    expect(await run()).toBe('ok');
    const r2 = await checkGuardDrift(d);
    expect(r2.drift.map((x) => [x.status, x.changes])).toEqual([
      ['repaired', ['ShareGuardBlocked: differs from the store (edited?)']],
    ]);
    expect(await run()).toBe('UnauthorizedOperation');

    // Deleted by hand: re-created and attached.
    await iam.send(new DetachRolePolicyCommand({ RoleName: WORKLOAD, PolicyArn: ARN }));
    for await (const page of paginateListPolicyVersions({ client: iam }, { PolicyArn: ARN }))
      for (const v of page.Versions ?? [])
        if (!v.IsDefaultVersion)
          await iam.send(new DeletePolicyVersionCommand({ PolicyArn: ARN, VersionId: v.VersionId! }));
    await iam.send(new DeletePolicyCommand({ PolicyArn: ARN }));
    expect(await run()).toBe('ok');
    const r3 = await checkGuardDrift(d);
    expect(r3.drift[0]).toMatchObject({ status: 'repaired', isNew: true });
    expect(r3.drift[0]!.changes).toContain('ShareGuardBlocked: missing (deleted?)');
    expect(await run()).toBe('UnauthorizedOperation');

    // Nothing drifted since: nothing to tell.
    const r4 = await checkGuardDrift(d);
    expect(r4.drift).toEqual([]);
    expect(guardDriftMessage(r4)).toBeUndefined();
    w.destroy();
  });

  it('print: the difference is reported once and nothing is written', async () => {
    bed = await startBed(world(), { accounts: [{ id: A }], regions: [R], guard: { mode: 'print' } });
    const d = bed.deps;
    await changeGuard(d, { accountIds: [A], put: [entry] });
    const r1 = await checkGuardDrift(d);
    expect(r1.drift).toEqual([expect.objectContaining({ scope: A, status: 'found', isNew: true })]);
    expect(guardDriftMessage(r1)?.text).toMatch(/differs from the printed policy in 1 scope/);
    expect(bed.sim.calls({ action: 'CreatePolicy' })).toBe(0);
    const r2 = await checkGuardDrift(d);
    expect(r2.drift[0]).toMatchObject({ status: 'found', isNew: false });
    expect(guardDriftMessage(r2)).toBeUndefined();
  });
});
