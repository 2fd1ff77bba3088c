/**
 * Accounts from AWS Organizations (issue 22 item 1): discovery through the simulator's paginated
 * Organizations list calls, the account set a scan covers, names from Organizations, trust.organization,
 * and a discovery failure failing the scan. docs/aws.md "Organizations".
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.ts';
import { decideRemove } from '../../src/core/decisions.ts';
import { scanAndRecord } from '../../src/core/scan-service.ts';
import { resolveAccountSet } from '../../src/scan/account-set.ts';
import { awsSettingsFromConfig, scanRequestFromConfig } from '../../src/scan/from-config.ts';
import { scan } from '../../src/scan/scan.ts';
import { AwsClients } from '../../src/aws/clients.ts';
import { shareguard } from '../cli/spawn.ts';
import { startSim, type Sim } from '../helpers/scan.ts';
import { account, emptyWorld, image, type World, type WorldAccount } from '../helpers/world.ts';
import { coreBedsPerTest } from '../support/core-bed.ts';

const MGMT = '999999999999';
const ORG = `arn:aws:organizations::${MGMT}:organization/o-orgtest1`;
const ou = (id: string) => `arn:aws:organizations::${MGMT}:ou/o-orgtest1/${id}`;
const PROD = 'ou-orgt-00000001';
const PAYMENTS = 'ou-orgt-00000002'; // under PROD
const SANDBOX = 'ou-orgt-00000003';
const OUTSIDER = '444444444444';
const SANDBOX_ACTIVE = '300000000001';
const SANDBOX_SUSPENDED = '300000000002';
const PAYMENTS_ACCOUNT = '200000000001';
/** 25 accounts directly in PROD: more than one page (Organizations pages hold at most 20). */
const PROD_ACCOUNTS = Array.from({ length: 25 }, (_, i) => `1000000000${String(i + 1).padStart(2, '0')}`);
const R = 'us-east-1';

function member(id: string, ous: string[], extra: Partial<WorldAccount> = {}): WorldAccount {
  return account(id, [R], { name: `acct-${id}`, organization: ORG, ous: ous.map(ou), ...extra });
}

function orgWorld(extra: { accountFields?: 'state' | 'status' | 'both'; more?: WorldAccount[] } = {}): World {
  const w = emptyWorld([
    member(MGMT, []),
    ...PROD_ACCOUNTS.map((id) => member(id, [PROD])),
    member(PAYMENTS_ACCOUNT, [PROD, PAYMENTS]),
    member(SANDBOX_ACTIVE, [SANDBOX]),
    member(SANDBOX_SUSPENDED, [SANDBOX], { state: 'SUSPENDED' }),
    account(OUTSIDER, [R]),
    ...(extra.more ?? []),
  ]);
  w.organizations = [
    {
      arn: ORG,
      ous: [
        { id: PROD, name: 'Prod', parent: 'r-root' },
        { id: PAYMENTS, name: 'Payments', parent: PROD },
        { id: SANDBOX, name: 'Sandbox', parent: 'r-root' },
      ],
      ...(extra.accountFields ? { accountFields: extra.accountFields } : {}),
    },
  ];
  // Shared into the payments account: one by an outsider (a finding), one by a sandbox account of the
  // organization that is not monitored when only PROD is included (trusted by trust.organization).
  w.images = [
    image(1, R, OUTSIDER, [{ userId: PAYMENTS_ACCOUNT }]),
    image(2, R, SANDBOX_ACTIVE, [{ userId: PAYMENTS_ACCOUNT }]),
  ];
  return w;
}

function configFor(sim: Sim, organization: Record<string, unknown>, more: Record<string, unknown> = {}) {
  return resolveConfig(
    {
      organization: { account: MGMT, ...organization },
      regions: [R],
      kinds: ['ami'],
      scan: { blastRadius: false },
      aws: { endpoint: sim.endpoint, maxAttempts: 2, workers: 1 },
      ...more,
    },
    { source: 'test' },
  );
}

async function scanOrg(sim: Sim, organization: Record<string, unknown>, more: Record<string, unknown> = {}) {
  const config = configFor(sim, organization, more);
  const clients = new AwsClients(
    awsSettingsFromConfig(config, { accessKeyId: sim.accessKeyId, secretAccessKey: sim.secretAccessKey }),
  );
  try {
    const set = await resolveAccountSet(config, clients);
    const result = await scan(scanRequestFromConfig(config, set), { clients, concurrency: 8 });
    return { set, result };
  } finally {
    clients.destroy();
  }
}

describe('accounts from AWS Organizations', () => {
  it('scans the ACTIVE accounts of the included OU and its sub-OUs minus exclude, named from Organizations', async () => {
    const sim = await startSim(orgWorld());
    try {
      const { set, result } = await scanOrg(sim, { include: [PROD], exclude: [PROD_ACCOUNTS[2]] });
      const ids = set.accounts.map((a) => a.id).sort();
      expect(ids).toEqual(
        [...PROD_ACCOUNTS.filter((id) => id !== PROD_ACCOUNTS[2]), PAYMENTS_ACCOUNT].sort(),
      );
      expect(set.accounts.find((a) => a.id === PAYMENTS_ACCOUNT)?.name).toBe(`acct-${PAYMENTS_ACCOUNT}`);
      expect(set.organization).toEqual({ discovered: 25, skipped: {}, excluded: 1 });
      // Every one was scanned, and pages beyond the first were asked for.
      expect(new Set(result.targets.map((t) => t.accountId)).size).toBe(25);
      // PROD: 2 pages (25 accounts), PAYMENTS: 1.
      expect(sim.calls({ action: 'ListAccountsForParent' })).toBe(3);
      expect(sim.calls({ action: 'ListAccounts' })).toBe(2);
      // The outsider's share is a finding; the sandbox member's (not monitored here) is trusted.
      expect(result.findings.map((f) => f.ownerAccountId)).toEqual([OUTSIDER]);
      expect(result.summary.trustedSkipped).toBe(1);
    } finally {
      await sim.stop();
    }
  });

  it('trust.organization: false reports shares by organization accounts that are not monitored', async () => {
    const sim = await startSim(orgWorld());
    try {
      const { result } = await scanOrg(sim, { include: [PROD] }, { trust: { organization: false } });
      expect(result.findings.map((f) => f.ownerAccountId).sort()).toEqual([SANDBOX_ACTIVE, OUTSIDER].sort());
    } finally {
      await sim.stop();
    }
  });

  it('skips accounts that are not ACTIVE and counts them; reads the retired Status when State is absent', async () => {
    for (const accountFields of ['state', 'status'] as const) {
      const sim = await startSim(orgWorld({ accountFields }));
      try {
        const { set } = await scanOrg(sim, {}, { accounts: [{ id: OUTSIDER, name: 'partner' }] });
        const ids = set.accounts.map((a) => a.id);
        expect(ids).not.toContain(SANDBOX_SUSPENDED);
        // Whole organization: management, 25 prod, payments, the active sandbox; plus the outside account.
        expect(ids.sort()).toEqual(
          [MGMT, ...PROD_ACCOUNTS, PAYMENTS_ACCOUNT, SANDBOX_ACTIVE, OUTSIDER].sort(),
        );
        expect(set.organization?.skipped).toEqual({ SUSPENDED: 1 });
        expect(set.accounts.find((a) => a.id === OUTSIDER)?.name).toBe('partner');
      } finally {
        await sim.stop();
      }
    }
  });

  it('excludes an OU with its sub-OUs; accounts: adds settings to discovered accounts', async () => {
    const sim = await startSim(orgWorld());
    try {
      const { set } = await scanOrg(
        sim,
        { exclude: [PAYMENTS, SANDBOX] },
        { accounts: [{ id: PROD_ACCOUNTS[0], name: 'prod-main', role: 'AuditRole' }] },
      );
      const ids = set.accounts.map((a) => a.id);
      expect(ids).not.toContain(PAYMENTS_ACCOUNT);
      expect(ids).not.toContain(SANDBOX_ACTIVE);
      expect(ids.sort()).toEqual([MGMT, ...PROD_ACCOUNTS].sort());
      expect(set.accounts.find((a) => a.id === PROD_ACCOUNTS[0])).toEqual({
        id: PROD_ACCOUNTS[0],
        name: 'prod-main',
        role: { name: 'AuditRole' },
      });
    } finally {
      await sim.stop();
    }
  });

  it('a discovery failure fails the scan with a clear error, never scanning nothing', async () => {
    const sim = await startSim(orgWorld());
    try {
      // A member that is not a delegated administrator may not list the organization.
      await expect(scanOrg(sim, { account: PROD_ACCOUNTS[0] })).rejects.toThrow(
        /cannot list the organization's accounts from 100000000001 \(role ShareGuardScanner\): AccessDeniedException.*management account or a delegated administrator/,
      );
      sim.faults.add({
        action: 'ListAccounts',
        account: MGMT,
        code: 'ServiceException',
        status: 500,
        times: 2, // every attempt (maxAttempts 2)
      });
      await expect(scanOrg(sim, {})).rejects.toThrow(
        /cannot list the organization's accounts from 999999999999/,
      );
      await expect(scanOrg(sim, { include: ['ou-orgt-99999999'] })).rejects.toThrow(
        /organization.include: no root or OU ou-orgt-99999999/,
      );
    } finally {
      await sim.stop();
    }
  });
});

describe('serve: new accounts', () => {
  const beds = coreBedsPerTest();

  it('the scan summary says how many accounts are new since the last scan', async () => {
    const bed = await beds.start(orgWorld(), {
      organization: { account: MGMT, include: [SANDBOX] },
      regions: [R],
      kinds: ['ami'],
      scan: { blastRadius: false },
    });
    const first = await scanAndRecord(bed.deps, {});
    expect(first.result.summary.organization).toEqual({
      accounts: 1,
      skipped: { SUSPENDED: 1 },
      excluded: 0,
    });
    await bed.deps.store.putLastScan({
      at: first.result.startedAt,
      summary: first.result.summary,
      ...(first.monitoredAccountIds ? { monitoredAccountIds: first.monitoredAccountIds } : {}),
    });
    // The organization grows: the same store, a simulator whose sandbox OU has three more accounts.
    const grown = orgWorld({
      more: ['300000000011', '300000000012', '300000000013'].map((id) => member(id, [SANDBOX])),
    });
    const sim2 = await startSim(grown);
    try {
      const config = { ...bed.deps.config, aws: { ...bed.deps.config.aws, endpoint: sim2.endpoint } };
      const clients = new AwsClients(
        awsSettingsFromConfig(config, {
          accessKeyId: sim2.accessKeyId,
          secretAccessKey: sim2.secretAccessKey,
        }),
      );
      try {
        const second = await scanAndRecord({ ...bed.deps, config, clients }, {});
        expect(second.result.summary.organization?.newAccounts).toBe(3);
        const { scanSummaryMessage } = await import('../../src/slack/messages/scan.ts');
        const text = scanSummaryMessage(
          second.result,
          { ...second.counts, posted: 0, failed: 0, notPosted: 0, retried: 0, layout: 'thread' },
          second.scope,
        ).text;
        expect(text).toContain('3 new accounts monitored');
      } finally {
        clients.destroy();
      }
    } finally {
      await sim2.stop();
    }
  });
});

describe('serve: Remove in a discovered account', () => {
  const beds = coreBedsPerTest();

  it('acts with aws.defaultRole in an account only Organizations named', async () => {
    const bed = await beds.start(orgWorld(), {
      organization: { account: MGMT, include: [PROD] },
      regions: [R],
      kinds: ['ami'],
      scan: { blastRadius: false },
    });
    const { toPost } = await scanAndRecord(bed.deps, {});
    expect(toPost.map((r) => r.finding.accountId)).toEqual([PAYMENTS_ACCOUNT]);
    const out = await decideRemove(bed.deps, toPost[0]!.finding.id, { userId: 'U0ALICE' });
    expect(out.records[0]!.state).toBe('removed');
    // The outsider's launch permission for the payments account is gone in the simulated AWS.
    expect(bed.sim.state.image(toPost[0]!.finding.resourceId)?.launchPermissions).toEqual([]);
  });
});

describe('shareguard scan --world on a world with an organization', () => {
  it('discovers the organization from its management account, and fails clearly when it cannot', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sg-org-'));
    const world = orgWorld();
    world.homeAccount = MGMT;
    await writeFile(join(dir, 'world.json'), JSON.stringify(world));
    const ok = await shareguard([
      'scan',
      '--world',
      join(dir, 'world.json'),
      '--kinds',
      'ami',
      '--regions',
      R,
      '--json',
    ]).exited;
    const out = JSON.parse(ok.stdout) as {
      findings: { ownerAccountId: string }[];
      summary: { organization: unknown };
    };
    expect(out.summary.organization).toEqual({ accounts: 28, skipped: { SUSPENDED: 1 }, excluded: 0 });
    // Organization members are trusted owners; the outsider (monitored too, outside the organization) is
    // a monitored account, so nothing is untrusted here.
    expect(out.findings).toEqual([]);
    expect(ok.code).toBe(0);

    await writeFile(
      join(dir, 'config.yml'),
      `organization: { account: '${PROD_ACCOUNTS[0]}' }\nregions: [${R}]\nkinds: [ami]\n`,
    );
    const failed = await shareguard([
      'scan',
      '--world',
      join(dir, 'world.json'),
      '--config',
      join(dir, 'config.yml'),
    ]).exited;
    expect(failed.code).toBe(3);
    expect(failed.stderr).toMatch(
      /scan failed: cannot list the organization's accounts from 100000000001.*AccessDeniedException/,
    );
    expect(failed.stdout).toBe('');
  });
});
