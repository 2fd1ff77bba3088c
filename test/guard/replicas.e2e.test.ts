/**
 * Issue 20 acceptance across two real `serve` replicas on one store: against the simulator with IAM
 * latency injected per action, 20 Removes and 2 Block accounts in one account — signed clicks split over
 * the two processes and sent at once. Judged as the users see it: what Slack was told per finding, then
 * the workload role's use of each resource through the simulator. Every resource reported Blocked is
 * denied, nothing reported failed is enforced, no EntityAlreadyExists / ConcurrentModification reaches
 * a message, both Block accounts are reported and their owners' resources denied.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { findingId } from '../../src/domain/finding.ts';
import type { Finding } from '../../src/domain/finding.ts';
import { BLOCK_ACCOUNT_ACTION } from '../../src/slack/messages/guard.ts';
import { startSharedStore } from '../helpers/guard-serve-bed.ts';
import {
  ALICE,
  BOB,
  CHANNEL,
  eventually,
  NOT_RECORDED,
  NOT_RECORDED_YET,
  processRig,
  type ProcessRig,
} from '../helpers/serve-process.ts';
import { concurrencyWorld, DENIED, OWNER1, OWNER2, useAs } from './concurrency-world.ts';
import { A, EVIL, R, WORKLOAD, actAs } from './helpers.ts';

let rig: ProcessRig | undefined;
let stopStore: (() => Promise<void>) | undefined;
afterEach(async () => {
  await rig?.close();
  await stopStore?.();
  rig = undefined;
  stopStore = undefined;
});

/** The findings of concurrencyWorld() as the scan names them: what each click carries and what is probed. */
function findingsOf(world: ReturnType<typeof concurrencyWorld>) {
  const out: Array<Pick<Finding, 'id' | 'kind' | 'resourceId' | 'resourceArn' | 'ownerAccountId'>> = [];
  for (const i of world.images)
    out.push({
      id: findingId('ami', A, R, i.id),
      kind: 'ami',
      resourceId: i.id,
      resourceArn: `arn:aws:ec2:${R}::image/${i.id}`,
      ownerAccountId: i.owner,
    });
  for (const s of world.snapshots)
    out.push({
      id: findingId('ebs-snapshot', A, R, s.id),
      kind: 'ebs-snapshot',
      resourceId: s.id,
      resourceArn: `arn:aws:ec2:${R}::snapshot/${s.id}`,
      ownerAccountId: s.owner,
    });
  for (const [kind, list, type] of [
    ['rds-snapshot', world.dbSnapshots, 'snapshot'],
    ['rds-cluster-snapshot', world.dbClusterSnapshots, 'cluster-snapshot'],
  ] as const)
    for (const s of list) {
      const arn = `arn:aws:rds:${R}:${s.owner}:${type}:${s.id}`;
      out.push({
        id: findingId(kind, A, R, arn),
        kind,
        resourceId: arn,
        resourceArn: arn,
        ownerAccountId: s.owner,
      });
    }
  return out;
}

/** A finding message's final words: Blocked, or a failed decision; undefined while undecided or in flight. */
function outcome(text: string | undefined): 'blocked' | 'failed' | undefined {
  if (!text) return undefined;
  if (text.includes('⛔ *Blocked*')) return 'blocked';
  if (/failed\*/.test(text)) return 'failed';
  return undefined;
}

describe('the guard across two serve replicas on one store (issue 20 acceptance)', () => {
  it('20 Removes and 2 Block accounts split over two replicas at once: every Blocked is denied, nothing failed is enforced, no EntityAlreadyExists reaches Slack', async () => {
    // One DynamoDB-compatible store both replicas use (it accepts only the keys they sign with).
    const dynalite = await startSharedStore();
    stopStore = () => dynalite.stop();

    const world = concurrencyWorld();
    rig = await processRig(world, {
      sharedStoreEndpoint: dynalite.endpoint,
      config: { regions: [R], guard: { mode: 'iam-policy', attachToRoles: [WORKLOAD] } },
    });
    const r = rig;
    const [a, b] = await Promise.all([r.spawn(), r.spawn()]);
    expect((await r.command(a, '')).status).toBe(200);
    const findings = findingsOf(world);
    expect(findings).toHaveLength(22);
    expect(
      await eventually(
        () => findings.every((f) => r.messageText(f.id)?.includes('shareguard.remove')),
        60_000,
      ),
    ).toBe(true);

    // Users clear the scan at once: Removes split over the replicas, one Block account on each.
    const evil = findings.filter((f) => f.ownerAccountId === EVIL);
    expect(evil).toHaveLength(20);
    const owned = (o: string) => findings.find((f) => f.ownerAccountId === o)!;
    const answers = await Promise.all([
      ...evil.map((f, i) => r.click(i % 2 ? b : a, 'remove', f.id, i % 2 ? BOB : ALICE, `rm${i}`)),
      r.press(a, BLOCK_ACCOUNT_ACTION, owned(OWNER1).id, ALICE, 'block1'),
      r.press(b, BLOCK_ACCOUNT_ACTION, owned(OWNER2).id, BOB, 'block2'),
    ]);
    expect(answers.map((x) => x.status)).toEqual(Array(22).fill(200));
    // The store was there: every click was recorded.
    const notRecorded = r.slack.responses.filter((x) => {
      const t = JSON.stringify(x.payload);
      return t.includes(NOT_RECORDED) || t.includes(NOT_RECORDED_YET.slice(0, 40));
    });
    expect(notRecorded).toEqual([]);

    // Settled: every Remove's message shows its outcome, and both Block accounts are reported.
    const reportedBlock = (owner: string) =>
      r.slack
        .messages(CHANNEL)
        .some((m) => m.text?.includes(`blocked account \`${owner}\``) && m.text.startsWith('⛔'));
    const settled = await eventually(
      () => evil.every((f) => outcome(r.messageText(f.id))) && reportedBlock(OWNER1) && reportedBlock(OWNER2),
      120_000,
      250,
    );
    expect(
      settled,
      `not settled: ${evil
        .filter((f) => !outcome(r.messageText(f.id)))
        .map((f) => f.id)
        .join(', ')}; block accounts reported: ${reportedBlock(OWNER1)}, ${reportedBlock(OWNER2)}`,
    ).toBe(true);

    const w = await actAs(r.sim, A, WORKLOAD);
    try {
      let blocked = 0;
      for (const f of evil) {
        const said = outcome(r.messageText(f.id));
        const use = await useAs(w, { finding: f as Finding });
        if (said === 'blocked') {
          blocked++;
          expect(DENIED, `${f.id} reported Blocked but the workload role got ${use}`).toContain(use);
        } else {
          expect(use, `${f.id} reported failed but is enforced`).toBe('ok');
        }
      }
      // One writer per scope across the replicas: every block converges, nothing here fails.
      expect(blocked).toBe(20);

      // Both Block accounts: reported, the owner's finding closed as blocked, its resource denied.
      for (const owner of [OWNER1, OWNER2]) {
        const f = owned(owner);
        expect(outcome(r.messageText(f.id)), `${owner}'s finding message`).toBe('blocked');
        expect(DENIED, `${owner} blocked but its AMI is usable`).toContain(
          await useAs(w, { finding: f as Finding }),
        );
      }
    } finally {
      w.destroy();
    }

    // Nothing another writer caused reached a user, in the channel, an ephemeral or a reply.
    const said = JSON.stringify([r.slack.messages(CHANNEL), r.slack.ephemerals, r.slack.responses]);
    expect(said).not.toMatch(/EntityAlreadyExists|ConcurrentModification/);
    // The account's guard policy was created once (the lease across replicas), then versioned.
    expect(r.sim.calls({ action: 'CreatePolicy' })).toBe(1);
    // Each Remove was run by the replica that claimed its intent, and by it alone: nothing was
    // interrupted here, so neither replica's reconciler may "finish" a decision the other is carrying
    // out (a second run of its ladder, which could take a Blocked deny off again).
    for (const c of [a, b]) expect(c.stderr()).not.toContain('finishing a decision interrupted');
    const versions = r.sim.calls({ action: 'CreatePolicyVersion' });
    console.log(`guard policy: 1 created, ${versions} new versions for 22 decisions over 2 replicas`);
    await Promise.all([a.stop(), b.stop()]);
  }, 180_000);
});
