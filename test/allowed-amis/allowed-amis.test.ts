/**
 * Allowed AMIs in step with the trust list, through the real SDK against the simulator and the store:
 * audit → enforce → trust → untrust → drift, and the cases where shareguard must change nothing.
 */
import { describe, expect, it } from 'vitest';
import { decideTrust, untrustAccount } from '../../src/core/decisions.ts';
import type { CoreDeps } from '../../src/core/deps.ts';
import { scanAndRecord } from '../../src/core/scan-service.ts';
import { findingId } from '../../src/domain/finding.ts';
import { RunInstancesCommand } from '@aws-sdk/client-ec2';
import { syncAllowedAmis } from '../../src/allowed-amis/sync.ts';
import { declarativePolicy } from '../../src/allowed-amis/declarative.ts';

interface PolicyShape {
  ec2_attributes: { allowed_images_settings: { image_criteria: Record<string, unknown> } };
}
import { desiredProviders, planCriteria } from '../../src/allowed-amis/criteria.ts';
import { makeTrustPolicy } from '../../src/domain/trust.ts';
import { allowedAmisMessage } from '../../src/slack/messages/allowed-amis.ts';
import type { Sim } from '../helpers/scan.ts';
import { coreBedsPerTest } from '../support/core-bed.ts';
import { account, emptyWorld, image, type World } from '../helpers/world.ts';
import { validateBlocks } from '../../src/slack/messages/limits.ts';

const A = '111111111111';
const B = '222222222222';
const EVIL = '444444444444';
const VENDOR = '777777777777';
const R = 'us-east-1';
const ALICE = { userId: 'U0ALICE' };

const beds = coreBedsPerTest();
let sim: Sim | undefined;

async function setup(
  world: World,
  guard: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Promise<CoreDeps> {
  const bed = await beds.start(world, {
    accounts: [{ id: A }, { id: B }],
    regions: [R],
    trust: { accounts: [{ id: '999999999999' }] },
    guard,
    ...extra,
  });
  sim = bed.sim;
  return bed.deps;
}

const providers = (acct: string) =>
  sim!.state.allowedImagesSettings(acct, R).criteria.flatMap((c) => c.imageProviders ?? []);

function world(): World {
  const w = emptyWorld([account(A, [R]), account(B, [R])]);
  w.images.push(
    image(1, R, EVIL, [{ userId: A }], { name: 'evil-tools' }),
    image(2, R, VENDOR, [{ userId: A }], { name: 'vendor-appliance' }),
  );
  return w;
}

describe('Allowed AMIs follow the trust list', () => {
  it('audit → enforce → trust → untrust → drift', async () => {
    const d = await setup(world(), { allowedAmis: 'audit' });

    // audit: criteria = amazon + trusted + monitored accounts, audit-mode, in every account-region.
    const audit = await syncAllowedAmis(d, { apply: true, by: ALICE, reason: 'test' });
    expect(audit.counts.changed).toBe(2);
    for (const acct of [A, B]) {
      expect(sim!.state.allowedImagesSettings(acct, R).state).toBe('audit-mode');
      expect(providers(acct)).toEqual(['amazon', A, B, '999999999999']);
    }
    // The scan then reads ImageAllowed: untrusted AMIs "would be blocked"; nothing drifted.
    const scan1 = await scanAndRecord(d, {});
    const evil = scan1.toPost.find((r) => r.finding.resourceId === 'ami-00000000000000001')!;
    expect(evil.finding.imageAllowed).toBe(false);
    expect(scan1.allowedAmis?.counts['in-step']).toBe(2);
    expect(allowedAmisMessage(scan1.allowedAmis!)).toBeUndefined();

    // enforce: the same criteria, enabled; untrusted AMIs disappear from listings.
    const enforce = await syncAllowedAmis(
      { ...d, config: { ...d.config, guard: { ...d.config.guard, allowedAmis: 'enforce' } } },
      { apply: true, by: ALICE },
    );
    expect(enforce.counts.changed).toBe(2);
    expect(sim!.state.allowedImagesSettings(A, R).state).toBe('enabled');
    d.config = { ...d.config, guard: { ...d.config.guard, allowedAmis: 'enforce' } };
    // AWS now refuses to launch the untrusted AMIs in the account.
    const launch = (imageId: string) =>
      d.clients
        .ec2({ id: A, role: { name: 'ShareGuardScanner' } }, R)
        .send(new RunInstancesCommand({ ImageId: imageId, MinCount: 1, MaxCount: 1 }));
    const refusedLaunch = (imageId: string) => ({
      name: 'InvalidAMIID.NotFound',
      message: `The image id '[${imageId}]' does not exist or is not allowed by the Allowed AMIs settings of this account`,
    });
    await expect(launch('ami-00000000000000002')).rejects.toMatchObject(
      refusedLaunch('ami-00000000000000002'),
    );

    // trust: the owner joins the criteria at once, everywhere.
    const vendorFinding = findingId('ami', A, R, 'ami-00000000000000002');
    const trusted = await decideTrust(d, vendorFinding, ALICE);
    expect(trusted.status === 'done' ? trusted.allowedAmisSummary : '').toContain(
      'Allowed AMIs (enforce): 2 updated',
    );
    expect(providers(A)).toContain(VENDOR);
    expect(providers(B)).toContain(VENDOR);
    await expect(launch('ami-00000000000000002')).resolves.toMatchObject({
      Instances: [{ ImageId: 'ami-00000000000000002', State: { Name: 'running' } }],
    });
    await expect(launch('ami-00000000000000001')).rejects.toMatchObject(
      refusedLaunch('ami-00000000000000001'),
    );

    // untrust: it leaves them again.
    const untrusted = await untrustAccount(d, VENDOR, ALICE);
    expect(untrusted.status === 'done' ? untrusted.allowedAmisSummary : '').toContain(
      'Allowed AMIs (enforce): 2 updated',
    );
    expect(providers(A)).not.toContain(VENDOR);

    // drift: someone adds an account by hand; the scan reports it and changes nothing.
    sim!.state.setAllowedSettings(A, R, {
      state: 'enabled',
      criteria: [{ imageProviders: ['amazon', A, B, '999999999999', EVIL] }],
      managedBy: 'account',
    });
    const scan2 = await scanAndRecord(d, {});
    expect(scan2.allowedAmis?.counts.drift).toBe(1);
    const drifted = scan2.allowedAmis!.targets.find((t) => t.accountId === A)!;
    expect(drifted).toMatchObject({ outcome: 'drift', detail: `−${EVIL}` });
    expect(providers(A)).toContain(EVIL);
    const msg = allowedAmisMessage(scan2.allowedAmis!)!;
    expect(validateBlocks(msg.blocks)).toEqual([]);
    expect(msg.text).toContain('1 drifted from the trust list');

    // Every change is in the decision log, with what was done.
    const log = await d.store.listDecisions({ since: new Date(Date.now() - 3600_000).toISOString() });
    const changes = log.filter((x) => x.action === 'allowed-amis');
    expect(changes).toHaveLength(8);
    expect(changes.every((x) => x.outcome === 'succeeded')).toBe(true);
    expect(
      changes.some((x) => x.detail?.includes(`+${VENDOR}`) && x.detail.includes('trust 777777777777')),
    ).toBe(true);
  });

  it('changes nothing in an account managed by a declarative policy, and says so', async () => {
    const w = world();
    w.accounts[0]!.allowedAmis = {
      [R]: { state: 'enabled', providers: ['amazon'], managedBy: 'declarative-policy' },
    };
    const d = await setup(w, { allowedAmis: 'enforce' });
    const r = await syncAllowedAmis(d, { apply: true, by: ALICE });
    expect(r.targets.find((t) => t.accountId === A)).toMatchObject({ outcome: 'declarative-policy' });
    expect(providers(A)).toEqual(['amazon']);
    expect(r.targets.find((t) => t.accountId === B)).toMatchObject({ outcome: 'changed' });
    expect(r.summary).toContain('1 managed by a declarative policy (not changed)');
  });

  it('changes nothing when the trust list is over 10 × 200 providers', async () => {
    const many = Array.from({ length: 2000 }, (_, i) => ({ id: String(100000000000 + i) }));
    const d = await setup(world(), { allowedAmis: 'audit' }, { trust: { accounts: many } });
    const r = await syncAllowedAmis(d, { apply: true, by: ALICE });
    expect(r.counts['over-limit']).toBe(2);
    expect(r.targets[0]!.detail).toMatch(/at most 10 × 200.*guard print --format declarative/);
    expect(sim!.state.allowedImagesSettings(A, R).state).toBe('disabled');
    const log = await d.store.listDecisions({ since: new Date(Date.now() - 3600_000).toISOString() });
    expect(log.filter((x) => x.action === 'allowed-amis')).toEqual([]);
  });

  it('honours dry run: says what it would do and changes nothing', async () => {
    const d = await setup(world(), { allowedAmis: 'audit' });
    (d.config as unknown as { remediation: { dryRun: boolean } }).remediation = { dryRun: true };
    const r = await syncAllowedAmis(d, { apply: true, by: ALICE });
    expect(r.counts['would-change']).toBe(2);
    expect(r.targets[0]!.detail).toMatch(/^dry run: would set state disabled → audit-mode; \+amazon/);
    expect(sim!.state.allowedImagesSettings(A, R).state).toBe('disabled');
  });
});

describe('criteria and the declarative policy (pure)', () => {
  it('packs providers 200 a criterion, at most 10', () => {
    const ids = Array.from({ length: 450 }, (_, i) => String(100000000000 + i));
    const p = desiredProviders({
      trust: makeTrustPolicy({
        trusted: ids.map((accountId) => ({ accountId })),
        monitoredAccountIds: [A],
        trustMonitoredAccounts: false,
      }),
      awsMarketplace: true,
      awsBackupVault: false,
    });
    expect(p.slice(0, 2)).toEqual(['amazon', 'aws-marketplace']);
    expect(p).not.toContain(A);
    const plan = planCriteria(p);
    expect(plan.ok && plan.criteria.map((c) => c.imageProviders!.length)).toEqual([200, 200, 52]);
    expect(planCriteria(Array.from({ length: 2001 }, (_, i) => String(i))).ok).toBe(false);
  });

  it('prints the Organizations declarative policy for the same criteria', () => {
    const d = declarativePolicy(['amazon', A, B], 'audit');
    expect(d.policy).toEqual({
      ec2_attributes: {
        allowed_images_settings: {
          state: { '@@assign': 'audit_mode' },
          image_criteria: { criteria_1: { allowed_image_providers: { '@@assign': ['amazon', A, B] } } },
        },
      },
    });
    expect(d.problems).toEqual([]);
    // The policy spells AWS's aliases with underscores where the EC2 API has hyphens (docs/aws.md).
    const aliases = declarativePolicy(['amazon', 'aws-marketplace', 'aws-backup-vault', A], 'enforce');
    expect(aliases.policy).toEqual({
      ec2_attributes: {
        allowed_images_settings: {
          state: { '@@assign': 'enabled' },
          image_criteria: {
            criteria_1: {
              allowed_image_providers: { '@@assign': ['amazon', 'aws_marketplace', 'aws_backup_vault', A] },
            },
          },
        },
      },
    });
    const many = declarativePolicy(
      Array.from({ length: 450 }, (_, i) => String(100000000000 + i)),
      'audit',
    );
    expect(
      Object.keys((many.policy as PolicyShape).ec2_attributes.allowed_images_settings.image_criteria),
    ).toEqual(['criteria_1', 'criteria_2', 'criteria_3']);
    const big = declarativePolicy(
      Array.from({ length: 1000 }, (_, i) => String(100000000000 + i)),
      'enforce',
    );
    expect(big.problems[0]).toMatch(/at most 10000/);
  });
});
