/**
 * The guard, Block account and Allowed AMIs reach the accounts discovered from AWS Organizations
 * (issues 20 and 22): a config with `organization:` and no `accounts:`, against the simulator's
 * Organizations. Block account denies in every discovered ACTIVE account (workload role simulated), the
 * drift check covers them, Allowed AMIs covers them; suspended and excluded members are left alone.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startLocalSlackApi } from '../../src/testing/slack-api/index.ts';
import { shareguard } from '../cli/spawn.ts';
import { startSim } from '../helpers/scan.ts';
import { RunInstancesCommand } from '@aws-sdk/client-ec2';
import { DetachRolePolicyCommand } from '@aws-sdk/client-iam';
import { syncAllowedAmis } from '../../src/allowed-amis/sync.ts';
import { blockAccount } from '../../src/core/block-account.ts';
import { scanAndRecord } from '../../src/core/scan-service.ts';
import { describeDrift } from '../../src/guard/cli.ts';
import { checkGuardDrift } from '../../src/guard/drift.ts';
import { account, emptyWorld, image, type WorldAccount } from '../helpers/world.ts';
import { ALICE, EVIL, MGMT, R, WORKLOAD, actAs, outcomeOf, startBed, type Bed } from './helpers.ts';

let bed: Bed | undefined;
afterEach(async () => {
  await bed?.stop();
  bed = undefined;
});

const ORG = `arn:aws:organizations::${MGMT}:organization/o-orgguard1`;
const MEMBERS = ['100000000001', '100000000002', '100000000003'];
const SUSPENDED = '100000000004';
const EXCLUDED = '100000000005';
const ACTIVE = [MGMT, ...MEMBERS].sort();
const amiId = (n: number) => `ami-${n.toString(16).padStart(17, '0')}`;

function member(id: string, extra: Partial<WorldAccount> = {}): WorldAccount {
  return account(id, [R], {
    name: `acct-${id}`,
    organization: ORG,
    roles: [{ name: WORKLOAD, policies: [] }],
    ...extra,
  });
}

function world() {
  const w = emptyWorld([
    member(MGMT),
    ...MEMBERS.map((id) => member(id)),
    member(SUSPENDED, { state: 'SUSPENDED' }),
    member(EXCLUDED),
  ]);
  w.organizations = [{ arn: ORG, ous: [] }];
  // The outsider shares an AMI with every member (the excluded one too).
  w.images.push(
    image(
      1,
      R,
      EVIL,
      [...MEMBERS, EXCLUDED].map((userId) => ({ userId })),
    ),
  );
  return w;
}

const config = (guard: Record<string, unknown>) => ({
  organization: { account: MGMT, exclude: [EXCLUDED] },
  regions: [R],
  kinds: ['ami'],
  scan: { blastRadius: false },
  guard,
});

async function launch(accountId: string): Promise<string> {
  const w = await actAs(bed!.sim, accountId, WORKLOAD);
  try {
    return await outcomeOf(
      w.ec2.send(new RunInstancesCommand({ ImageId: amiId(1), MinCount: 1, MaxCount: 1 })),
    );
  } finally {
    w.destroy();
  }
}

describe('the guard across an organization-discovered account set', () => {
  it('Block account denies in every discovered ACTIVE account; guard verify finds and repairs drift there', async () => {
    bed = await startBed(world(), config({ mode: 'iam-policy', attachToRoles: [WORKLOAD] }));
    const d = bed.deps;
    expect(d.config.accounts).toEqual([]);
    await scanAndRecord(d, {});

    // A member of the organization is a monitored account: refused like a configured one.
    expect(await blockAccount(d, MEMBERS[0]!, ALICE)).toMatchObject({
      status: 'refused',
      code: 'monitored-account',
    });

    const r = await blockAccount(d, EVIL, ALICE, 'attacker');
    expect(r, r.status === 'done' ? r.detail : r.code).toMatchObject({ status: 'done', outcome: 'blocked' });
    if (r.status !== 'done') return;
    expect(r.guard.accounts.map((a) => a.accountId).sort()).toEqual(ACTIVE);
    expect(
      r.verification
        .filter((v) => v.verified)
        .map((v) => v.accountId)
        .sort(),
    ).toEqual(expect.arrayContaining(MEMBERS));
    // Enforced by AWS in each discovered member; the excluded one is not shareguard's to guard.
    for (const id of MEMBERS) expect(await launch(id)).toBe('UnauthorizedOperation');
    expect(await launch(EXCLUDED)).toBe('ok');

    // Detached by hand in a discovered account: the drift check (each scan, `guard verify`) sees it.
    const iam = d.clients.iam({ id: MEMBERS[1]!, role: { name: 'ShareGuardScanner' } });
    await iam.send(
      new DetachRolePolicyCommand({
        RoleName: WORKLOAD,
        PolicyArn: `arn:aws:iam::${MEMBERS[1]}:policy/ShareGuardBlocked`,
      }),
    );
    expect(await launch(MEMBERS[1]!)).toBe('ok');
    const drift = await checkGuardDrift(d);
    expect(drift.checked).toBe(ACTIVE.length);
    expect(drift.drift.map((x) => [x.scope, x.status])).toEqual([[MEMBERS[1], 'repaired']]);
    expect(describeDrift(drift)).toContain(`${MEMBERS[1]}: drift repaired`);
    expect(await launch(MEMBERS[1]!)).toBe('UnauthorizedOperation');
  });

  it('Allowed AMIs covers every discovered ACTIVE account, without a scan before it', async () => {
    bed = await startBed(world(), config({ allowedAmis: 'audit' }));
    const report = await syncAllowedAmis(bed.deps, { apply: true, by: ALICE });
    expect([...new Set(report.targets.map((t) => t.accountId))].sort()).toEqual(ACTIVE);
    for (const id of ACTIVE) expect(bed.sim.state.allowedImagesSettings(id, R).state).toBe('audit-mode');
    expect(bed.sim.state.allowedImagesSettings(EXCLUDED, R).state).not.toBe('audit-mode');
  });

  it("serve's ready line counts the discovered accounts", async () => {
    const sim = await startSim(world());
    const slack = await startLocalSlackApi();
    const dir = await mkdtemp(join(tmpdir(), 'sg-orgguard-'));
    const configFile = join(dir, 'shareguard.yml');
    await writeFile(
      configFile,
      stringify({
        ...config({ mode: 'print' }),
        aws: { endpoint: sim.endpoint, maxAttempts: 2 },
        slack: { channel: 'C0SEC', approvers: { users: ['U0ALICE'] } },
        store: { kind: 'embedded', dataDir: join(dir, 'data') },
        schedule: { enabled: false },
      }),
    );
    const serve = shareguard(['serve', '--config', configFile], {
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 'secret',
      SLACK_APP_TOKEN: '',
      SLACK_API_URL: slack.url,
      PORT: '0',
      AWS_ACCESS_KEY_ID: sim.accessKeyId,
      AWS_SECRET_ACCESS_KEY: sim.secretAccessKey,
      AWS_PROFILE: '',
    });
    try {
      const ready = JSON.parse(await serve.waitFor(/"shareguard is ready"/)) as Record<string, unknown>;
      expect(ready).toMatchObject({ accounts: ACTIVE.length, organization: MGMT });
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
      await slack.close();
      await sim.stop();
    }
  }, 60_000);
});
