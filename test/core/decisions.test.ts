import { describe, expect, it } from 'vitest';
import { decideRemove, resumeInterruptedRemovals } from '../../src/core/decisions.ts';
import type { CoreDeps } from '../../src/core/deps.ts';
import { scanAndRecord } from '../../src/core/scan-service.ts';
import { findingId } from '../../src/domain/finding.ts';
import type { Sim } from '../helpers/scan.ts';
import { coreBedsPerTest } from '../support/core-bed.ts';
import { account, emptyWorld, image, OU } from '../helpers/world.ts';

const A = '111111111111';
const EVIL = '444444444444';
const R = 'us-east-1';
const ALICE = { userId: 'U0ALICE' };

const beds = coreBedsPerTest();
let sim: Sim | undefined;

async function setup(): Promise<CoreDeps> {
  const world = emptyWorld([account(A, [R], { ous: [OU] })]);
  world.images.push(
    image(1, R, EVIL, [{ userId: A }]),
    image(2, R, EVIL, [{ userId: A }, { organizationalUnitArn: OU }]),
  );
  const bed = await beds.start(world, { accounts: [{ id: A }] });
  sim = bed.sim;
  await scanAndRecord(bed.deps, {});
  return bed.deps;
}

const ami = (n: number) => findingId('ami', A, R, `ami-${n.toString(16).padStart(17, '0')}`);

describe('Remove decisions', () => {
  it('a failed AWS call leaves the finding open with the error in plain words, and a retry succeeds', async () => {
    const d = await setup();
    sim!.faults.add({
      action: 'CancelImageLaunchPermission',
      code: 'UnauthorizedOperation',
      message: 'You are not authorized to perform this operation.',
      status: 403,
      times: 1,
    });

    const first = await decideRemove(d, ami(1), ALICE);
    expect(first.status).toBe('done');
    expect(first.records[0]).toMatchObject({ state: 'open', decision: { outcome: 'failed' } });
    expect(first.records[0]!.decision!.detail).toMatch(/UnauthorizedOperation: You are not authorized/);
    expect(sim!.state.image('ami-00000000000000001')!.launchPermissions).toEqual([{ userId: A }]);

    const second = await decideRemove(d, ami(1), ALICE);
    expect(second.records[0]).toMatchObject({ state: 'removed', decision: { outcome: 'removed' } });
    const log = await d.store.listDecisions({
      since: new Date(Date.now() - 3600_000).toISOString(),
      findingId: ami(1),
    });
    expect(log.map((x) => x.outcome).sort()).toEqual(['failed', 'removed']);
  });

  it('says so when the AMI stays visible through an OU share after the direct share is cancelled', async () => {
    const d = await setup();
    const res = await decideRemove(d, ami(2), ALICE);
    // Guard off: nothing blocks it; the decision is recorded and the share path is known now.
    expect(res.records[0]).toMatchObject({
      state: 'recorded',
      decision: { outcome: 'recorded' },
      finding: { sharedVia: 'organization' },
    });
    expect(res.records[0]!.decision!.detail).toMatch(/still visible through an organization or OU share/);
    expect(res.records[0]!.decision!.detail).toMatch(/only the owner 444444444444 can unshare it/);
    expect(sim!.state.image('ami-00000000000000002')!.launchPermissions).toEqual([
      { organizationalUnitArn: OU },
    ]);
  });

  it('finishes a removal that a crash interrupted after the decision was written', async () => {
    const d = await setup();
    const at = new Date().toISOString();
    const decision = {
      decisionId: 'd-1',
      action: 'remove' as const,
      findingId: ami(1),
      ownerAccountId: EVIL,
      by: ALICE,
      at,
      outcome: 'pending' as const,
    };
    // What decideRemove has written just before the AWS call when the process dies.
    await d.store.transitionFinding(ami(1), ['open'], {
      state: 'removing',
      decision: { decisionId: 'd-1', action: 'remove', by: ALICE, at, outcome: 'pending' },
    });
    await d.store.appendDecision(decision);

    const resumed = await resumeInterruptedRemovals(d);

    expect(resumed.map((r) => r.state)).toEqual(['removed']);
    expect(sim!.calls({ action: 'CancelImageLaunchPermission' })).toBe(1);
    const log = await d.store.listDecisions({
      since: new Date(Date.now() - 3600_000).toISOString(),
      findingId: ami(1),
    });
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ decisionId: 'd-1', outcome: 'removed' });
    expect(await resumeInterruptedRemovals(d)).toEqual([]);
  });
});
