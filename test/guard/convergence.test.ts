/**
 * Issue 20: the guard holds what it claims. Against the simulator with IAM answering slowly (latency per
 * action), many decisions in one account at once — 20 Removes and 2 Block accounts — all go through the
 * guard reconciler: every resource reported Blocked is denied to the workload role at the end, nothing
 * reported failed is enforced, no EntityAlreadyExists reaches anyone. Then Unblock and Trust lift denies,
 * verified, and the words say so.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { blockAccount } from '../../src/core/block-account.ts';
import { decideRemove, decideTrust } from '../../src/core/decisions.ts';
import { scanAndRecord } from '../../src/core/scan-service.ts';
import { unblockResource } from '../../src/core/unblock.ts';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AwsClients } from '../../src/aws/clients.ts';
import type { CoreDeps } from '../../src/core/deps.ts';
import { guardReconciler } from '../../src/guard/reconciler.ts';
import { awsSettingsFromConfig } from '../../src/scan/from-config.ts';
import { DynamoStore } from '../../src/store/dynamo-store.ts';
import { outcomeLine } from '../../src/slack/messages/finding.ts';
import { unblockMessage } from '../../src/slack/messages/guard.ts';
import { A, ALICE, EVIL, R, WORKLOAD, actAs, startBed, type Bed } from './helpers.ts';
import { concurrencyWorld, DENIED, OWNER1, OWNER2, useAs } from './concurrency-world.ts';
import { BED_STORE_CREDENTIALS } from '../support/core-bed.ts';

let bed: Bed | undefined;
afterEach(async () => {
  await bed?.stop();
  bed = undefined;
});

describe('the guard under concurrent decisions (slow IAM)', () => {
  it('20 Removes and 2 Block accounts at once in one account: what is reported Blocked is denied, nothing reported failed is enforced, no EntityAlreadyExists', async () => {
    bed = await startBed(concurrencyWorld(), {
      accounts: [{ id: A }],
      regions: [R],
      guard: { mode: 'iam-policy', attachToRoles: [WORKLOAD] },
      slack: { requireReason: false },
    });
    const d = bed.deps;
    await scanAndRecord(d, {});
    const evil = await d.store.listFindings({ states: ['open'], ownerAccountId: EVIL });
    expect(evil).toHaveLength(20);

    const [removes, blocks] = await Promise.all([
      Promise.all(evil.map((r) => decideRemove(d, r.finding.id, ALICE))),
      Promise.all([blockAccount(d, OWNER1, ALICE), blockAccount(d, OWNER2, ALICE)]),
    ]);

    const w = await actAs(bed.sim, A, WORKLOAD);
    const reported = removes.map((r) => (r.status === 'done' ? r.records[0]! : undefined));
    let blockedCount = 0;
    for (const [i, rec] of reported.entries()) {
      expect(rec, `remove ${i} was refused`).toBeDefined();
      const use = await useAs(w, rec!);
      if (rec!.state === 'blocked') {
        blockedCount++;
        expect(DENIED, `${rec!.finding.id} reported Blocked but ${use}`).toContain(use);
      } else {
        expect(rec!.state, rec!.decision?.detail).toBe('open');
        expect(use, `${rec!.finding.id} reported failed but is enforced`).toBe('ok');
      }
      expect(rec!.decision?.detail ?? '').not.toMatch(/EntityAlreadyExists|ConcurrentModification/);
    }
    // Under the reconciler nothing here fails: all 20 hold.
    expect(blockedCount).toBe(20);

    for (const b of blocks) {
      expect(b.status === 'done' && b.outcome, b.status === 'done' ? b.detail : 'refused').toBe('blocked');
    }
    for (const owner of [OWNER1, OWNER2]) {
      const [rec] = await d.store.listFindings({ states: ['blocked'], ownerAccountId: owner });
      expect(rec, `${owner}'s finding closed as blocked`).toBeDefined();
      expect(DENIED).toContain(await useAs(w, rec!));
    }
    const log = await d.store.listDecisions({ since: new Date(Date.now() - 3600_000).toISOString() });
    expect(log.filter((x) => /EntityAlreadyExists/.test(x.detail ?? ''))).toEqual([]);
    // The guard's convergence record: written from the newest revision.
    const scope = await d.store.getGuardScope(A);
    expect(scope!.applied).toBe(await d.store.getGuardRevision());
    w.destroy();
  }, 120_000);
});

describe('the guard across two replicas on one store (slow IAM)', () => {
  it('20 Removes and 2 Block accounts split over two replicas (own reconciler, own lease holder, same table): every Blocked is denied, no EntityAlreadyExists', async () => {
    bed = await startBed(concurrencyWorld(), {
      accounts: [{ id: A }],
      regions: [R],
      guard: { mode: 'iam-policy', attachToRoles: [WORKLOAD] },
    });
    const d1 = bed.deps;
    // The second replica: its own DynamoDB client on the same table, its own AWS clients.
    const info = d1.store.info;
    const d2: CoreDeps = {
      config: d1.config,
      store: new DynamoStore(
        new DynamoDBClient({
          region: info.region,
          endpoint: info.endpoint!,
          credentials: BED_STORE_CREDENTIALS,
        }),
        { info },
      ),
      clients: new AwsClients(
        awsSettingsFromConfig(d1.config, {
          accessKeyId: bed.sim.accessKeyId,
          secretAccessKey: bed.sim.secretAccessKey,
        }),
      ),
      log: d1.log,
    };
    try {
      expect(guardReconciler(d2).holder).not.toBe(guardReconciler(d1).holder);
      await scanAndRecord(d1, {});
      const evil = await d1.store.listFindings({ states: ['open'], ownerAccountId: EVIL });
      expect(evil).toHaveLength(20);
      const [removes, blocks] = await Promise.all([
        Promise.all(evil.map((r, i) => decideRemove(i % 2 ? d2 : d1, r.finding.id, ALICE))),
        Promise.all([blockAccount(d1, OWNER1, ALICE), blockAccount(d2, OWNER2, ALICE)]),
      ]);
      const w = await actAs(bed.sim, A, WORKLOAD);
      for (const r of removes) {
        const rec = r.status === 'done' ? r.records[0]! : undefined;
        expect(rec?.state, rec?.decision?.detail).toBe('blocked');
        expect(DENIED).toContain(await useAs(w, rec!));
        expect(rec!.decision?.detail ?? '').not.toMatch(/EntityAlreadyExists/);
      }
      for (const b of blocks) expect(b.status === 'done' && b.outcome).toBe('blocked');
      for (const owner of [OWNER1, OWNER2]) {
        const [rec] = await d1.store.listFindings({ states: ['blocked'], ownerAccountId: owner });
        expect(DENIED).toContain(await useAs(w, rec!));
      }
      // One writer at a time: each replica wrote under the lease; the policy exists once, attached once.
      expect(bed.sim.calls({ action: 'CreatePolicy' })).toBe(1);
      w.destroy();
    } finally {
      d2.clients.destroy();
      await d2.store.close();
    }
  }, 120_000);
});

describe('unblocking', () => {
  it('Unblock lifts a resource its Remove blocked (verified, in the words); Trust after Block account lifts the owner and its resources', async () => {
    bed = await startBed(concurrencyWorld(), {
      accounts: [{ id: A }],
      regions: [R],
      guard: { mode: 'iam-policy', attachToRoles: [WORKLOAD] },
    });
    const d = bed.deps;
    await scanAndRecord(d, {});
    const w = await actAs(bed.sim, A, WORKLOAD);
    const open = await d.store.listFindings({ states: ['open'], ownerAccountId: EVIL });
    const snap = open.find((r) => r.finding.kind === 'ebs-snapshot')!;
    const db = open.find((r) => r.finding.kind === 'rds-snapshot')!;

    // Unblock: the deny goes, the workload may use it, the finding is open again, the message says so.
    const removed = await decideRemove(d, snap.finding.id, ALICE);
    expect(removed.status === 'done' && removed.records[0]!.state).toBe('blocked');
    expect(DENIED).toContain(await useAs(w, snap));
    const un = await unblockResource(d, snap.finding.id, ALICE);
    expect(un.status === 'done' && un.outcome).toBe('succeeded');
    expect(await useAs(w, snap)).toBe('ok');
    expect((await d.store.getFinding(snap.finding.id))!.state).toBe('open');
    expect(unblockMessage(un, ALICE).text).toMatch(
      /unblocked `snap-0+1`: The guard no longer denies its use: verified by IAM \(the workload role may use it again\)/,
    );
    expect(await d.store.listBlockedResources()).toEqual([]);
    const log = await d.store.listDecisions({ since: new Date(Date.now() - 3600_000).toISOString() });
    expect(log.find((x) => x.action === 'unblock')).toMatchObject({
      outcome: 'succeeded',
      findingId: snap.finding.id,
    });

    // Trust after Block: a resource blocked by Remove and the owner's Block account both lifted.
    expect((await decideRemove(d, db.finding.id, ALICE)).status).toBe('done');
    expect(DENIED).toContain(await useAs(w, db));
    const other = open.find((r) => r.finding.kind === 'ami')!;
    const trusted = await decideTrust(d, other.finding.id, ALICE);
    expect(trusted.status).toBe('done');
    expect(await useAs(w, db)).toBe('ok');
    expect(await useAs(w, other)).toBe('ok');
    const dbAfter = (await d.store.getFinding(db.finding.id))!;
    expect(dbAfter.state).toBe('trusted');
    expect(outcomeLine(dbAfter)).toMatch(
      /🛡 \*Trusted\*.*The guard no longer denies its use: verified by IAM/,
    );

    const [o1] = await d.store.listFindings({ states: ['open'], ownerAccountId: OWNER1 });
    expect((await blockAccount(d, OWNER1, ALICE)).status).toBe('done');
    expect(DENIED).toContain(await useAs(w, o1!));
    const t2 = await decideTrust(d, o1!.finding.id, ALICE);
    expect(t2.status).toBe('done');
    expect(await d.store.getBlockedOwner(OWNER1)).toBeUndefined();
    expect(await useAs(w, o1!)).toBe('ok');
    const o1After = (await d.store.getFinding(o1!.finding.id))!;
    expect(outcomeLine(o1After)).toMatch(/no longer denies its use: verified by IAM/);
    w.destroy();
  }, 120_000);
});
