import { afterEach, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/domain/finding.ts';
import type { ScanProgress } from '../../src/scan/scan.ts';
import { scan } from '../../src/scan/scan.ts';
import { failureText, isFailed, type TargetResult } from '../../src/scan/target-result.ts';
import { makeTrustPolicy } from '../../src/domain/trust.ts';
import { clientsFor, monitored, scanWorld, startSim, type Sim } from '../helpers/scan.ts';
import { account, emptyWorld, image, ORG, OU, rdsSnapshot, snapshot } from '../helpers/world.ts';

const A = '111111111111';
const B = '222222222222';
const DENIED = '555555555555';
const EVIL = '444444444444';
const TRUSTED = '999999999999';

let sim: Sim | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

const ids = (findings: Finding[]) => findings.map((f) => f.resourceId);
/** A target's region, `*` for an account that failed as a whole (as the `--json` output writes it). */
const regionOf = (t: TargetResult) => (t.status === 'account-failed' ? '*' : t.region);

describe('scan against the simulator', () => {
  it('follows every page of every kind and finds each shared resource exactly once', async () => {
    const world = emptyWorld([account(A, ['us-east-1'])]);
    for (let i = 0; i < 2500; i++) world.images.push(image(i, 'us-east-1', EVIL, [{ userId: A }]));
    for (let i = 0; i < 1200; i++) world.snapshots.push(snapshot(i, 'us-east-1', EVIL, [A]));
    for (let i = 0; i < 230; i++) world.dbSnapshots.push(rdsSnapshot(`db-${i}`, 'us-east-1', EVIL, [A]));
    for (let i = 0; i < 130; i++)
      world.dbClusterSnapshots.push(rdsSnapshot(`cl-${i}`, 'us-east-1', EVIL, [A], 'aurora-mysql'));
    sim = await startSim(world);

    const result = await scanWorld(sim, { accounts: [A] });

    const byKind = (k: string) => result.findings.filter((f) => f.kind === k);
    expect(byKind('ami')).toHaveLength(2500);
    expect(byKind('ebs-snapshot')).toHaveLength(1200);
    expect(byKind('rds-snapshot')).toHaveLength(230);
    expect(byKind('rds-cluster-snapshot')).toHaveLength(130);
    expect(new Set(result.findings.map((f) => f.id)).size).toBe(result.findings.length);
    expect(result.targets).toEqual([{ accountId: A, region: 'us-east-1', status: 'ok' }]);
    // 2,500 AMIs at 1,000 a page: ONE paginated `self` listing, 3 pages (the old second, "direct"
    // listing doubled this to 6 and told nothing: docs/aws.md §1).
    expect(sim.calls({ action: 'DescribeImages', account: A })).toBe(3);
    expect(sim.calls({ action: 'DescribeSnapshots', account: A })).toBe(2);
    expect(sim.calls({ action: 'DescribeDBSnapshots', account: A })).toBe(3);
    expect(sim.calls({ action: 'DescribeDBClusterSnapshots', account: A })).toBe(2);
  });

  it('applies the AMI rules: own, public, trusted, deprecated, disabled, direct and organization shares', async () => {
    const world = emptyWorld([account(A, ['us-east-1'], { organization: ORG, ous: [OU] })]);
    world.images.push(
      image(1, 'us-east-1', A, [], { name: 'own' }),
      image(2, 'us-east-1', EVIL, [{ group: 'all' }], { name: 'public-only' }),
      image(3, 'us-east-1', TRUSTED, [{ userId: A }], { name: 'trusted' }),
      image(4, 'us-east-1', EVIL, [{ userId: A }], {
        name: 'deprecated',
        deprecationTime: '2024-06-01T00:00:00.000Z',
      }),
      image(5, 'us-east-1', EVIL, [{ userId: A }], { name: 'disabled', state: 'disabled' }),
      image(6, 'us-east-1', EVIL, [{ userId: A }, { organizationalUnitArn: OU }], { name: 'direct-and-ou' }),
      image(7, 'us-east-1', EVIL, [{ organizationArn: ORG }], { name: 'org-only' }),
      image(8, 'us-east-1', EVIL, [{ organizationalUnitArn: OU }], { name: 'ou-only' }),
      image(9, 'us-east-1', EVIL, [{ userId: A }, { group: 'all' }], { name: 'direct-and-public' }),
      image(10, 'us-east-1', EVIL, [{ userId: B }], { name: 'someone-else' }),
    );
    sim = await startSim(world);

    const result = await scanWorld(sim, { accounts: [A], trusted: [TRUSTED], kinds: ['ami'] });

    const byName = Object.fromEntries(result.findings.map((f) => [f.name, f]));
    expect(Object.keys(byName).sort()).toEqual([
      'deprecated',
      'direct-and-ou',
      'direct-and-public',
      'org-only',
      'ou-only',
    ]);
    expect(byName['deprecated']!.deprecationTime).toBe('2024-06-01T00:00:00.000Z');
    // A recipient cannot tell direct from organization/OU shares: nothing is claimed (docs/aws.md §1).
    for (const name of ['deprecated', 'direct-and-ou', 'org-only', 'ou-only', 'direct-and-public'])
      expect(byName[name]!.sharedVia).toBe('unknown');
    // One listing per account-region, whatever mix of shares.
    expect(sim.calls({ action: 'DescribeImages', account: A })).toBe(1);
    expect(byName['direct-and-public']!.public).toBe(true);
    expect(byName['org-only']).toMatchObject({
      kind: 'ami',
      accountId: A,
      region: 'us-east-1',
      ownerAccountId: EVIL,
      resourceArn: `arn:aws:ec2:us-east-1::image/${byName['org-only']!.resourceId}`,
      id: `ami:${A}:us-east-1:${byName['org-only']!.resourceId}`,
    });
    expect(result.summary.trustedSkipped).toBe(1);
  });

  it('takes the RDS owner from the ARN and drops own snapshots', async () => {
    const world = emptyWorld([account(A, ['eu-west-1'])]);
    world.dbSnapshots.push(
      rdsSnapshot('orders', 'eu-west-1', EVIL, [A]),
      rdsSnapshot('mine', 'eu-west-1', A, []),
    );
    world.dbClusterSnapshots.push(rdsSnapshot('aurora-orders', 'eu-west-1', EVIL, [A], 'aurora-postgresql'));
    world.dbSnapshots.push(rdsSnapshot('public-one', 'eu-west-1', EVIL, ['all']));
    sim = await startSim(world);

    const result = await scanWorld(sim, { accounts: [A], kinds: ['rds-snapshot', 'rds-cluster-snapshot'] });

    expect(result.findings.map((f) => [f.kind, f.resourceId, f.ownerAccountId, f.name])).toEqual([
      ['rds-snapshot', `arn:aws:rds:eu-west-1:${EVIL}:snapshot:orders`, EVIL, 'orders'],
      [
        'rds-cluster-snapshot',
        `arn:aws:rds:eu-west-1:${EVIL}:cluster-snapshot:aurora-orders`,
        EVIL,
        'aurora-orders',
      ],
    ]);
    expect(result.findings[1]!.engine).toBe('aurora-postgresql');
  });

  it('reports an account whose role cannot be assumed and a region that is not enabled, and scans the rest', async () => {
    const world = emptyWorld([
      account(A, ['us-east-1', 'eu-west-1']),
      account(B, ['us-east-1']),
      account(DENIED, ['us-east-1'], { assumeRole: 'deny' }),
    ]);
    world.images.push(image(1, 'us-east-1', EVIL, [{ userId: A }, { userId: B }]));
    world.snapshots.push(snapshot(1, 'eu-west-1', EVIL, [A]));
    sim = await startSim(world);

    const progress: ScanProgress[] = [];
    const clients = clientsFor(sim);
    const result = await scan(
      {
        accounts: monitored([A, B, DENIED]),
        regions: ['us-east-1', 'eu-west-1'],
        kinds: ['ami', 'ebs-snapshot'],
        trust: makeTrustPolicy({
          trusted: [],
          trustMonitoredAccounts: true,
          monitoredAccountIds: [A, B, DENIED],
        }),
      },
      { clients, concurrency: 4, onProgress: (p) => progress.push(p) },
    ).finally(() => clients.destroy());

    expect(ids(result.findings)).toEqual([world.snapshots[0]!.id, world.images[0]!.id, world.images[0]!.id]);
    expect(result.findings.map((f) => f.accountId)).toEqual([A, A, B]);
    expect(
      result.targets.map((t) => [
        t.accountId,
        regionOf(t),
        t.status,
        isFailed(t) ? failureText(t).split(':')[0] : undefined,
      ]),
    ).toEqual([
      [A, 'eu-west-1', 'ok', undefined],
      [A, 'us-east-1', 'ok', undefined],
      [B, 'eu-west-1', 'region-failed', 'AuthFailure'],
      [B, 'us-east-1', 'ok', undefined],
      [DENIED, '*', 'account-failed', 'AccessDenied'],
    ]);
    // The region not enabled fails both kinds; the other kinds' listings elsewhere are unaffected.
    expect(result.targets[2]).toMatchObject({
      failures: [
        { kind: 'ami', error: expect.stringMatching(/^AuthFailure/) },
        { kind: 'ebs-snapshot', error: expect.stringMatching(/^AuthFailure/) },
      ],
    });
    expect(result.summary).toMatchObject({ targetsScanned: 3, targetsFailed: 2, findings: 3 });
    const last = progress.at(-1)!;
    expect(last).toMatchObject({ done: 5, total: 5, failed: 2, accountsResolved: 3, accountsTotal: 3 });
    expect(progress.every((p, i) => i === 0 || p.done >= progress[i - 1]!.done)).toBe(true);
  });

  it('scans every enabled region of each account when regions is "all"', async () => {
    const world = emptyWorld([
      account(A, ['us-east-1', 'ap-northeast-1', 'sa-east-1']),
      account(B, ['us-east-1']),
    ]);
    world.snapshots.push(snapshot(1, 'sa-east-1', EVIL, [A]));
    sim = await startSim(world);

    const result = await scanWorld(sim, { accounts: [A, B] });

    expect(result.targets.map((t) => `${t.accountId}/${regionOf(t)}/${t.status}`)).toEqual([
      `${A}/ap-northeast-1/ok`,
      `${A}/sa-east-1/ok`,
      `${A}/us-east-1/ok`,
      `${B}/us-east-1/ok`,
    ]);
    expect(result.findings.map((f) => f.region)).toEqual(['sa-east-1']);
    // Assumed-role credentials are cached per account, whatever the number of regions and clients.
    expect(sim.calls({ action: 'AssumeRole' })).toBe(2);
  });

  it('absorbs a throttling burst with the SDK retry and loses nothing', async () => {
    // Buckets at 2% of AWS's: 2 describe calls, then one every 2.5 s per account-region.
    const world = {
      ...emptyWorld([account(A, ['us-east-1']), account(B, ['us-east-1'])]),
      throttle: { scale: 0.02 },
    };
    // 1,001 AMIs are 2 pages: with the snapshot listing, 3 EC2 calls per account-region against a bucket of 2.
    for (let i = 0; i < 1001; i++)
      world.images.push(image(i, 'us-east-1', EVIL, [{ userId: A }, { userId: B }]));
    world.snapshots.push(snapshot(1, 'us-east-1', EVIL, [A, B]));
    world.dbSnapshots.push(rdsSnapshot('orders', 'us-east-1', EVIL, [A, B]));
    sim = await startSim(world);

    const result = await scanWorld(sim, { accounts: [A, B], regions: ['us-east-1'], maxAttempts: 10 });

    expect(result.summary).toMatchObject({ findings: 2006, targetsFailed: 0 });
    // Each account-region needs 3 EC2 calls (2 AMI pages + snapshots); more were sent, so some were throttled.
    expect(
      sim.calls({ action: 'DescribeImages' }) + sim.calls({ action: 'DescribeSnapshots' }),
    ).toBeGreaterThan(6);
  });

  it('reports throttling that outlasts the retries as a failed target, not a crash', async () => {
    const world = { ...emptyWorld([account(A, ['us-east-1'])]), throttle: { scale: 0.01 } };
    for (let i = 0; i < 3; i++) world.images.push(image(i, 'us-east-1', EVIL, [{ userId: A }]));
    sim = await startSim(world);

    const result = await scanWorld(sim, {
      accounts: [A],
      regions: ['us-east-1'],
      kinds: ['ami', 'ebs-snapshot'],
      maxAttempts: 1,
    });

    const [target] = result.targets;
    expect(target?.status).toMatch(/^(partial|region-failed)$/);
    expect(isFailed(target!) && failureText(target)).toMatch(/RequestLimitExceeded/);
  });

  it('keeps within the account-region token buckets when paced to them', async () => {
    // The simulator's buckets at 2% of AWS's: 2 describe calls at once, then one every 2.5 s.
    const world = { ...emptyWorld([account(A, ['us-east-1'])]), throttle: { scale: 0.02 } };
    // 1,001 AMIs are 2 pages: with the snapshot listing, 3 calls against a bucket of 2.
    for (let i = 0; i < 1001; i++) world.images.push(image(i, 'us-east-1', EVIL, [{ userId: A }]));
    world.snapshots.push(snapshot(1, 'us-east-1', EVIL, [A]));
    sim = await startSim(world);

    // Paced a little under the simulator's rate, the 3 calls wait their turn instead of being throttled;
    // with a single attempt, one throttled call would fail the target.
    const result = await scanWorld(sim, {
      accounts: [A],
      regions: ['us-east-1'],
      kinds: ['ami', 'ebs-snapshot'],
      paceScale: 0.015,
      maxAttempts: 1,
    });

    expect(result.summary).toMatchObject({ findings: 1002, targetsFailed: 0 });
    expect(sim.calls({ action: 'DescribeImages' }) + sim.calls({ action: 'DescribeSnapshots' })).toBe(3);
  });

  it('returns the same result whatever the concurrency', async () => {
    const world = emptyWorld([
      account(A, ['us-east-1', 'eu-west-1']),
      account(B, ['us-east-1', 'eu-west-1']),
    ]);
    for (let i = 0; i < 40; i++) {
      const region = i % 2 ? 'us-east-1' : 'eu-west-1';
      world.images.push(image(i, region, EVIL, [{ userId: i % 3 ? A : B }]));
      world.snapshots.push(snapshot(i, region, EVIL, [i % 3 ? B : A]));
    }
    sim = await startSim(world);

    const one = await scanWorld(sim, { accounts: [A, B], concurrency: 1 });
    const many = await scanWorld(sim, { accounts: [A, B], concurrency: 32 });
    expect(many.findings).toEqual(one.findings);
    expect(many.targets).toEqual(one.targets);
  });
});
