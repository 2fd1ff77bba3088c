import { afterEach, describe, expect, it } from 'vitest';
import { RunInstancesCommand } from '@aws-sdk/client-ec2';
import {
  blockAccount,
  recordBlockAccount,
  resumeInterruptedBlocks,
  unblockAccount,
} from '../../src/core/block-account.ts';
import { carryOutIntent, recordIntent } from '../../src/core/intents.ts';
import { blockAccountMessage } from '../../src/slack/messages/guard.ts';
import { scanAndRecord } from '../../src/core/scan-service.ts';
import { findingId } from '../../src/domain/finding.ts';
import { account, emptyWorld, image, rdsSnapshot, snapshot, type World } from '../helpers/world.ts';
import {
  A,
  ALICE,
  B,
  EVIL,
  OTHER,
  R,
  WORKLOAD,
  actAs,
  outcomeOf,
  startBed,
  type Bed,
} from '../guard/helpers.ts';

let bed: Bed | undefined;
afterEach(async () => {
  await bed?.stop();
  bed = undefined;
});

const amiId = (n: number) => `ami-${n.toString(16).padStart(17, '0')}`;

function world(): World {
  const w = emptyWorld([
    account(A, [R], { roles: [{ name: WORKLOAD, policies: [] }] }),
    account(B, [R], { roles: [{ name: WORKLOAD, policies: [] }] }),
  ]);
  w.images.push(
    image(1, R, EVIL, [{ userId: A }]),
    image(2, R, EVIL, [{ userId: A }, { userId: B }]),
    image(3, R, OTHER, [{ userId: A }]),
    image(9, R, EVIL, []), // shared later
  );
  w.snapshots.push(snapshot(1, R, EVIL, [B]));
  w.dbSnapshots.push(rdsSnapshot('customers', R, EVIL, [A]));
  return w;
}

const config = (guard: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  accounts: [{ id: A }, { id: B }],
  regions: [R],
  guard,
  ...extra,
});

const since = () => new Date(Date.now() - 3600_000).toISOString();

describe('Block account', () => {
  it('with guard.mode print: records the owner, closes its findings as recorded, applies nothing', async () => {
    bed = await startBed(world(), config({ mode: 'print' }));
    const d = bed.deps;
    await scanAndRecord(d, {});
    const r = await blockAccount(d, EVIL, ALICE, 'shared a backdoored AMI');
    expect(r).toMatchObject({ status: 'done', outcome: 'recorded' });
    if (r.status !== 'done') return;
    expect(r.guard.status).toBe('printed');
    expect(r.guard.calls).toEqual([]);
    expect(r.records.map((x) => x.state)).toEqual(Array(5).fill('recorded'));
    expect(r.detail).toMatch(/not blocked until the printed policy is applied/);
    expect(await d.store.listFindings({ states: ['open'] })).toHaveLength(1); // OTHER's AMI
    expect(await d.store.getBlockedOwner(EVIL)).toMatchObject({
      reason: 'shared a backdoored AMI',
      by: ALICE,
    });
    const log = await d.store.listDecisions({ since: since() });
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ action: 'block-account', ownerAccountId: EVIL, outcome: 'recorded' });
    expect(log[0]!.detail).toMatch(/Reason: shared a backdoored AMI/);
  });

  it('refuses a trusted owner and a monitored account, and logs the refusal', async () => {
    bed = await startBed(world(), config({ mode: 'print' }, { trust: { accounts: [{ id: OTHER }] } }));
    // Typed in core; worded by the Slack message (same words as before).
    const trusted = await blockAccount(bed.deps, OTHER, ALICE);
    expect(trusted).toMatchObject({ status: 'refused', code: 'trusted-by-config' });
    expect(blockAccountMessage(trusted, ALICE).text).toMatch(/trusted/);
    const monitored = await blockAccount(bed.deps, B, ALICE);
    expect(monitored).toMatchObject({ status: 'refused', code: 'monitored-account' });
    expect(blockAccountMessage(monitored, ALICE).text).toMatch(/monitored account/);
    const notBlocked = await unblockAccount(bed.deps, EVIL, ALICE);
    expect(notBlocked).toMatchObject({ status: 'refused', code: 'not-blocked' });
    expect(blockAccountMessage(notBlocked, ALICE).text).toMatch(/not blocked/);
    const log = await bed.deps.store.listDecisions({ since: since() });
    expect(log.map((x) => x.outcome)).toEqual(['refused', 'refused', 'refused']);
    expect(await bed.deps.store.listBlockedOwners()).toEqual([]);
  });

  it('dry run: plans the guard and changes nothing (no owner stored, no policy, no finding closed)', async () => {
    bed = await startBed(
      world(),
      config({ mode: 'iam-policy', attachToRoles: [WORKLOAD] }, { remediation: { dryRun: true } }),
    );
    const d = bed.deps;
    await scanAndRecord(d, {});
    const r = await blockAccount(d, EVIL, ALICE);
    expect(r).toMatchObject({ status: 'done', outcome: 'planned' });
    if (r.status !== 'done') return;
    expect(r.guard.status).toBe('planned');
    expect(r.guard.accounts.map((a) => [a.accountId, a.policies.map((p) => p.change)])).toEqual([
      [A, ['created']],
      [B, ['created']],
    ]);
    expect(
      r.guard.calls
        .filter((c) => /CreatePolicy|AttachRolePolicy/.test(c))
        .every((c) => c.endsWith('not called (dry run)')),
    ).toBe(true);
    expect(await d.store.listBlockedOwners()).toEqual([]);
    expect(await d.store.listFindings({ states: ['open'] })).toHaveLength(6);
    const w = await actAs(bed.sim, A, WORKLOAD);
    expect(
      await outcomeOf(w.ec2.send(new RunInstancesCommand({ ImageId: amiId(1), MinCount: 1, MaxCount: 1 }))),
    ).toBe('ok');
    w.destroy();
  });

  it('with iam-policy: blocks the owner in every monitored account, verified; new shares are closed, not posted; unblock reverses', async () => {
    const w0 = world();
    bed = await startBed(w0, config({ mode: 'iam-policy', attachToRoles: [WORKLOAD] }));
    const d = bed.deps;
    await scanAndRecord(d, {});
    const r = await blockAccount(d, EVIL, ALICE, 'attacker');
    expect(r, r.status === 'done' ? r.detail : r.code).toMatchObject({
      status: 'done',
      outcome: 'blocked',
    });
    if (r.status !== 'done') return;
    expect(r.verification.map((v) => [v.accountId, v.verified])).toEqual([
      [A, true],
      [B, true],
    ]);
    expect(r.verification[0]!.checks[0]!.verification.blockedBy).toEqual([
      { accountId: A, policy: 'ShareGuardBlocked' },
    ]);
    expect(r.records).toHaveLength(5);
    expect(r.records.every((x) => x.state === 'blocked' && x.decision?.action === 'block-account')).toBe(
      true,
    );
    const log = (await d.store.listDecisions({ since: since() })).find((x) => x.action === 'block-account')!;
    expect(log.outcome).toBe('blocked');
    expect(log.detail).toMatch(/iam:CreatePolicy arn:aws:iam::111111111111:policy\/ShareGuardBlocked → ok/);
    expect(log.detail).toMatch(/iam:SimulatePrincipalPolicy .*explicitDeny/);

    // Enforced by AWS for the workload role: the owner's AMI is denied, another owner's is not.
    const wa = await actAs(bed.sim, A, WORKLOAD);
    expect(
      await outcomeOf(wa.ec2.send(new RunInstancesCommand({ ImageId: amiId(1), MinCount: 1, MaxCount: 1 }))),
    ).toBe('UnauthorizedOperation');
    expect(
      await outcomeOf(wa.ec2.send(new RunInstancesCommand({ ImageId: amiId(3), MinCount: 1, MaxCount: 1 }))),
    ).toBe('ok');

    // A later share of the blocked owner is closed as blocked by the scan, not posted.
    bed.sim.state.images.addLaunchPermission(bed.sim.state.images.get(amiId(9))!, { userId: A });
    const scan = await scanAndRecord(d, {});
    expect(scan.toPost).toEqual([]);
    expect(scan.blockedOwnerShares.map((x) => [x.finding.resourceId, x.state])).toEqual([
      [amiId(9), 'blocked'],
    ]);

    // Unblock: the guard no longer denies it, the findings the block closed are open again.
    const u = await unblockAccount(d, EVIL, ALICE);
    expect(u).toMatchObject({ status: 'done', outcome: 'succeeded' });
    if (u.status !== 'done') return;
    expect(u.records.map((x) => x.state)).toEqual(Array(6).fill('open'));
    expect(
      await outcomeOf(wa.ec2.send(new RunInstancesCommand({ ImageId: amiId(1), MinCount: 1, MaxCount: 1 }))),
    ).toBe('ok');
    expect(u.guard.accounts.map((a) => a.policies.map((p) => [p.name, p.change, p.detached]))).toEqual([
      [['ShareGuardBlocked', 'emptied', [WORKLOAD]]],
      [['ShareGuardBlocked', 'emptied', [WORKLOAD]]],
    ]);
    wa.destroy();
    expect(findingId('ami', A, R, amiId(1))).toBe(
      u.records.find((x) => x.finding.resourceId === amiId(1))?.finding.id,
    );
  });

  it('a crash after the write-ahead (decision pending, owner stored) is finished exactly once at start-up', async () => {
    bed = await startBed(world(), config({ mode: 'iam-policy', attachToRoles: [WORKLOAD] }));
    const d = bed.deps;
    await scanAndRecord(d, {});
    const at = new Date().toISOString();
    // What blockAccount had written when the process died.
    await d.store.appendDecision({
      decisionId: 'd-crash',
      action: 'block-account',
      ownerAccountId: EVIL,
      by: ALICE,
      at,
      outcome: 'pending',
    });
    await d.store.putBlockedOwner({ ownerAccountId: EVIL, decisionId: 'd-crash', by: ALICE, at });

    const resumed = await resumeInterruptedBlocks(d);
    expect(resumed).toHaveLength(5);
    expect(resumed.every((x) => x.state === 'blocked')).toBe(true);
    const log = (await d.store.listDecisions({ since: since() })).filter((x) => x.decisionId === 'd-crash');
    expect(log.map((x) => x.outcome)).toEqual(['blocked']);
    const creates = bed.sim.calls({ action: 'CreatePolicy' });
    expect(await resumeInterruptedBlocks(d)).toEqual([]);
    expect(bed.sim.calls({ action: 'CreatePolicy' })).toBe(creates);
  });
});

describe('Block account as a decision intent (the reason modal, a two-person Confirm)', () => {
  const clicked = findingId('ami', A, R, amiId(1));
  const intentFor = (d: Bed['deps']) =>
    recordIntent(d, {
      action: 'block-account',
      findingId: clicked,
      by: ALICE,
      extras: { reason: 'backdoor', confirmedBy: { userId: 'U0BOB' } },
    });
  const entriesOf = async (d: Bed['deps'], id: string) =>
    (await d.store.listDecisions({ since: since() })).filter((x) => x.decisionId === id);

  it("blocks the clicked finding's owner under the intent's id; run again, it finishes, nothing twice", async () => {
    bed = await startBed(world(), config({ mode: 'iam-policy', attachToRoles: [WORKLOAD] }));
    const d = bed.deps;
    await scanAndRecord(d, {});
    const intent = await intentFor(d);
    const first = await carryOutIntent(d, intent);
    expect(first).toMatchObject({ status: 'done', block: { status: 'done', outcome: 'blocked' } });
    if (first.status !== 'done') return;
    // The owner's findings closed, and the clicked one is among the messages to refresh.
    expect(first.records.map((x) => x.state)).toEqual(Array(5).fill('blocked'));
    expect(first.records.map((x) => x.finding.id)).toContain(clicked);
    expect(await d.store.getBlockedOwner(EVIL)).toMatchObject({ decisionId: intent.intentId });
    const creates = bed.sim.calls({ action: 'CreatePolicy' });

    // A crash after the block, before the intent was marked done: the reconciler runs it again.
    const again = await carryOutIntent(d, intent);
    expect(again).toMatchObject({ status: 'done', block: { status: 'done', outcome: 'blocked' } });
    expect(bed.sim.calls({ action: 'CreatePolicy' })).toBe(creates);
    const log = await entriesOf(d, intent.intentId);
    expect(log.map((x) => [x.outcome, x.reason, x.confirmedBy?.userId])).toEqual([
      ['blocked', 'backdoor', 'U0BOB'],
    ]);
  });

  it('a crash after its write-ahead is left to the decision runner at start-up, which finishes it once', async () => {
    bed = await startBed(world(), config({ mode: 'iam-policy', attachToRoles: [WORKLOAD] }));
    const d = bed.deps;
    await scanAndRecord(d, {});
    const intent = await intentFor(d);
    // What an earlier run had written when the process died: the decision pending, the owner stored.
    await recordBlockAccount(d, EVIL, ALICE, 'backdoor', { decisionId: intent.intentId, at: intent.at });
    // Start-up's resume of plain Block accounts does not run it too (one run, one channel post).
    expect(await resumeInterruptedBlocks(d)).toEqual([]);
    expect(bed.sim.calls({ action: 'CreatePolicy' })).toBe(0);
    expect((await entriesOf(d, intent.intentId)).map((x) => x.outcome)).toEqual(['pending']);

    const r = await carryOutIntent(d, intent);
    expect(r).toMatchObject({ status: 'done', block: { status: 'done', outcome: 'blocked' } });
    expect((await entriesOf(d, intent.intentId)).map((x) => x.outcome)).toEqual(['blocked']);
    // One guard policy per monitored account (A and B), once.
    expect(bed.sim.calls({ action: 'CreatePolicy' })).toBe(2);
  });

  it('a refused one (the owner was trusted meanwhile) is refused again on a re-run, logged once', async () => {
    bed = await startBed(world(), config({ mode: 'iam-policy', attachToRoles: [WORKLOAD] }));
    const d = bed.deps;
    await scanAndRecord(d, {});
    await d.store.putTrust({ accountId: EVIL, addedBy: ALICE, addedAt: new Date().toISOString() });
    const intent = await intentFor(d);
    const refusal = { code: 'block-refused', ownerAccountId: EVIL, reason: 'on-trust-list' };
    expect(await carryOutIntent(d, intent)).toMatchObject({ status: 'refused', refusal });
    expect(await carryOutIntent(d, intent)).toMatchObject({ status: 'refused', refusal });
    expect((await entriesOf(d, intent.intentId)).map((x) => x.outcome)).toEqual(['refused']);
    expect(await d.store.listBlockedOwners()).toEqual([]);
  });
});

describe('Unblock account as a decision intent (/shared-scan unblock <account>)', () => {
  it('a crash after its write-ahead (entry pending, owner deleted) is finished by a re-run: reopened, logged once', async () => {
    bed = await startBed(world(), config({ mode: 'iam-policy', attachToRoles: [WORKLOAD] }));
    const d = bed.deps;
    await scanAndRecord(d, {});
    const blocked = await blockAccount(d, EVIL, ALICE);
    expect(blocked).toMatchObject({ status: 'done', outcome: 'blocked' });
    const intent = await recordIntent(d, {
      action: 'unblock-account',
      findingId: '',
      ownerAccountId: EVIL,
      by: ALICE,
    });
    // What the first run had written when the process died: the entry pending, the owner deleted.
    await d.store.appendDecision({
      decisionId: intent.intentId,
      action: 'unblock-account',
      ownerAccountId: EVIL,
      by: ALICE,
      at: intent.at,
      outcome: 'pending',
    });
    await d.store.deleteBlockedOwner(EVIL);

    const run = await carryOutIntent(d, intent);
    expect(run).toMatchObject({ status: 'done', block: { action: 'unblock-account', outcome: 'succeeded' } });
    if (run.status !== 'done') return;
    expect(run.records.map((x) => x.state)).toEqual(Array(5).fill('open'));
    const wa = await actAs(bed.sim, A, WORKLOAD);
    expect(
      await outcomeOf(wa.ec2.send(new RunInstancesCommand({ ImageId: amiId(1), MinCount: 1, MaxCount: 1 }))),
    ).toBe('ok');
    wa.destroy();
    // Run again (the intent was not marked done): the same findings shown, nothing logged twice.
    const again = await carryOutIntent(d, intent);
    expect(again).toMatchObject({ status: 'done', block: { outcome: 'succeeded' } });
    if (again.status === 'done') expect(again.records).toHaveLength(5);
    const log = (await d.store.listDecisions({ since: since() })).filter(
      (x) => x.action === 'unblock-account',
    );
    expect(log.map((x) => [x.decisionId, x.outcome])).toEqual([[intent.intentId, 'succeeded']]);
  });
});
