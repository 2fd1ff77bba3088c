import { afterEach, describe, expect, it } from 'vitest';
import { RESOURCE_KINDS } from '../../src/domain/finding.ts';
import { makeTrustPolicy } from '../../src/domain/trust.ts';
import { scanResultJson } from '../../src/scan/report.ts';
import { scan, type ScanDeps, type ScanProgress, type ScanResult } from '../../src/scan/scan.ts';
import { failureText, isFailed } from '../../src/scan/target-result.ts';
import { clientsFor, monitored, startSim, type Sim } from '../helpers/scan.ts';
import { account, emptyWorld, image, ORG, OU, rdsSnapshot, snapshot } from '../helpers/world.ts';

const HOME = '000000000000';
const EVIL = '444444444444';
const OTHER = '888888888888';
const TRUSTED = '999999999999';
const DENIED = '555555555555';
const ACCOUNTS = Array.from({ length: 8 }, (_, i) => `1000000000${String(i + 10)}`);

let sim: Sim | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

/** Eight accounts in one organization, a denied role, a region not enabled, every kind, trusted owners. */
function world() {
  const w = emptyWorld(
    [
      account(HOME, ['us-east-1']),
      ...ACCOUNTS.map((id, i) =>
        account(id, i % 3 ? ['us-east-1', 'eu-west-1'] : ['us-east-1'], { organization: ORG, ous: [OU] }),
      ),
      account(DENIED, ['us-east-1'], { assumeRole: 'deny' }),
    ],
    HOME,
  );
  let n = 0;
  for (const [i, id] of ACCOUNTS.entries()) {
    for (const region of ['us-east-1', 'eu-west-1']) {
      const owner = i % 4 === 0 ? TRUSTED : i % 2 ? EVIL : OTHER;
      w.images.push(image(n++, region, owner, [{ userId: id }], { name: `img-${n}` }));
      w.images.push(image(n++, region, EVIL, [{ organizationalUnitArn: OU }], { name: `ou-${n}` }));
      w.snapshots.push(snapshot(n++, region, owner, [id]));
      w.dbSnapshots.push(rdsSnapshot(`db-${n++}`, region, EVIL, [id]));
      w.dbClusterSnapshots.push(rdsSnapshot(`cl-${n++}`, region, OTHER, [id], 'aurora-mysql'));
    }
  }
  w.images.push(image(n, 'us-east-1', EVIL, [{ userId: HOME }]));
  return w;
}

async function run(s: Sim, extra: Partial<ScanDeps> = {}, progress?: ScanProgress[]): Promise<ScanResult> {
  const clients = clientsFor(s);
  const ids = [HOME, ...ACCOUNTS, DENIED];
  try {
    return await scan(
      {
        accounts: monitored(ids, HOME),
        regions: 'all',
        kinds: [...RESOURCE_KINDS],
        trust: makeTrustPolicy({
          trusted: [{ accountId: TRUSTED }],
          trustMonitoredAccounts: true,
          monitoredAccountIds: ids,
        }),
      },
      {
        clients,
        concurrency: 8,
        ...extra,
        ...(progress ? { onProgress: (p) => progress.push(p) } : {}),
      },
    );
  } finally {
    clients.destroy();
  }
}

/** The --json output without the two fields that change from run to run. */
function stable(result: ScanResult) {
  const json = scanResultJson(result) as Record<string, unknown>;
  delete json.startedAt;
  delete json.durationMs;
  return JSON.stringify(json);
}

describe('scan across worker threads', () => {
  it(
    'gives the same findings, targets, order and JSON with 1, 2 and 3 threads',
    { timeout: 240_000 },
    async () => {
      sim = await startSim(world());
      const progress: ScanProgress[] = [];
      const one = await run(sim, { workers: 1 });
      const two = await run(sim, { workers: 2 }, progress);
      const three = await run(sim, { workers: 3 });

      // From world(): 13 account-regions of ACCOUNTS (accounts 0, 3, 6 have us-east-1 only) + HOME's one.
      // Each sees its direct AMI, the region's 8 OU-shared AMIs, its snapshot, RDS and cluster snapshot
      // (12); accounts 0 and 4 get theirs from TRUSTED (direct AMI and snapshot skipped: 10). So
      // 1×10 + 2×10 + (4×2 + 2×1)×12 + HOME's 1 = 151 findings, 1×2 + 2×2 = 6 skipped as trusted.
      expect(one.findings).toHaveLength(151);
      expect(one.summary).toMatchObject({
        findings: 151,
        trustedSkipped: 6,
        targetsScanned: 14,
        targetsFailed: 1,
        accountsScanned: 9,
        accountsWithFindings: 9,
      });
      // DENIED's role refuses AssumeRole: its one target fails, naming the account and the call.
      expect(one.targets.filter((t) => t.status !== 'ok')).toEqual([
        {
          accountId: DENIED,
          status: 'account-failed',
          error: `AccessDenied: User: arn:aws:iam::${HOME}:user/shareguard-sim is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${DENIED}:role/ShareGuardScanner`,
        },
      ]);
      expect(stable(two)).toBe(stable(one));
      expect(stable(three)).toBe(stable(one));
      expect(two.findings).toEqual(one.findings);
      expect(three.targets).toEqual(one.targets);
      // Progress still adds up across threads.
      expect(progress.at(-1)).toMatchObject({
        done: one.targets.length,
        total: one.targets.length,
        accountsResolved: 10,
        accountsTotal: 10,
        failed: one.summary.targetsFailed,
      });
      // AssumeRole once per account per scan (cached within the thread that has the account): 3 scans × 9.
      expect(sim.calls({ action: 'AssumeRole' })).toBe(27);
    },
  );

  it(
    'fails the targets of a crashed worker’s accounts with the reason, and scans the rest',
    { timeout: 180_000 },
    async () => {
      sim = await startSim(world());
      const expected = await run(sim, { workers: 1 });
      const victim = ACCOUNTS[1]!;

      // Two workers take every account (the calling thread only coordinates); the one that resolves `victim` dies.
      const result = await run(sim, { workers: 2, testHooks: { crashWorkerOnAccount: victim } });

      const byAccount = (r: ScanResult, id: string) => r.targets.filter((t) => t.accountId === id);
      const victimTargets = byAccount(result, victim);
      // The victim's regions were resolved (both enabled), then nothing of them was listed.
      expect(
        victimTargets.map((t) =>
          t.status === 'region-failed' ? [t.region, t.failures.map((f) => f.kind)] : [t.status],
        ),
      ).toEqual([
        ['eu-west-1', [...RESOURCE_KINDS].sort()],
        ['us-east-1', [...RESOURCE_KINDS].sort()],
      ]);
      for (const t of victimTargets) {
        expect(t.status).not.toBe('ok');
        expect(isFailed(t) && failureText(t)).toMatch(
          /^scan worker \d stopped before finishing: test hook: worker \d dies/,
        );
      }
      // Every other account is either scanned as in a normal scan, or was taken by the dead worker: then each of
      // its targets is either finished or fails the kinds not yet listed with the same reason (listings that
      // had finished keep their findings). Nothing is lost silently.
      let scannedElsewhere = 0;
      for (const id of [HOME, ...ACCOUNTS, DENIED]) {
        const got = byAccount(result, id);
        if (got.some((t) => isFailed(t) && failureText(t).includes('scan worker'))) {
          for (const t of got.filter(isFailed))
            expect(failureText(t)).toMatch(/scan worker \d stopped before finishing: test hook/);
          continue;
        }
        scannedElsewhere++;
        expect(got).toEqual(byAccount(expected, id));
        expect(result.findings.filter((f) => f.accountId === id)).toEqual(
          expected.findings.filter((f) => f.accountId === id),
        );
      }
      expect(scannedElsewhere).toBeGreaterThan(0);
      expect(result.summary.targetsFailed).toBeGreaterThan(expected.summary.targetsFailed);
    },
  );

  it(
    'fails every account, with the workers’ reasons, when no worker gets to take one',
    { timeout: 60_000 },
    async () => {
      sim = await startSim(world());
      const result = await run(sim, { workers: 2, testHooks: { failWorkersAtStart: true } });

      expect(result.findings).toEqual([]);
      expect(result.targets.map((t) => [t.accountId, t.status])).toEqual(
        [HOME, ...ACCOUNTS, DENIED].sort().map((id) => [id, 'account-failed']),
      );
      for (const t of result.targets) {
        expect(isFailed(t) && failureText(t)).toMatch(
          /^not scanned: every scan thread stopped before taking it \(scan worker \d stopped before finishing: test hook: worker \d fails to start; scan worker \d stopped .*\)$/,
        );
      }
      expect(result.summary.targetsFailed).toBe(result.targets.length);
      expect(result.summary.targetsScanned).toBe(0);
      expect(sim.calls()).toBe(0);
    },
  );
});
