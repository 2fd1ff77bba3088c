/**
 * `shareguard templates` (issue 22 item 2): the CloudFormation templates parse (JSON and YAML); each
 * role's policies grant exactly what the code's registries say that identity calls — the same functions
 * `iam-policy` prints, which test/aws/kinds-meta.test.ts holds against every call a scan and every rung
 * make in the simulator; Organizations discovery checked here against the simulator — and nothing more;
 * every policy fits IAM's limits; the table is the store's layout.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import type { AwsClients } from '../../src/aws/clients.ts';
import {
  botIdentityPolicy,
  MANAGED_POLICY_MAX_CHARS,
  ORGANIZATION_READ_ACTIONS,
  ownerRolePolicy,
  policySize,
  scannerRolePolicy,
} from '../../src/aws/iam-policy.ts';
import { discoverOrganization } from '../../src/aws/organization.ts';
import { cloudFormationTemplates, type Template } from '../../src/aws/templates.ts';
import { resolveConfig } from '../../src/config/load.ts';
import { guardRolePolicy } from '../../src/guard/iam-actions.ts';
import { tableDefinition } from '../../src/store/table.ts';
import { ACTION_SERVICE } from '../../src/testing/sim/action-services.ts';
import { shareguard } from '../cli/spawn.ts';
import { clientsFor, startSim } from '../helpers/scan.ts';
import { account, emptyWorld } from '../helpers/world.ts';

/** IAM's limit for a role's trust policy (default quota). */
const TRUST_POLICY_MAX_CHARS = 2_048;
const MGMT = '999999999999';
const ORG_ARN = `arn:aws:organizations::${MGMT}:organization/o-tmpl000001`;

const iamConfig = () =>
  resolveConfig(
    {
      organization: { account: MGMT, role: 'ShareGuardOrgReader', include: ['ou-tmpl-00000001'] },
      accounts: [{ id: '777777777777', trustedSource: false }],
      guard: { mode: 'iam-policy', attachToRoles: ['WorkloadRole'], allowedAmis: 'audit' },
      store: { kind: 'dynamodb', tableName: 'sg-prod' },
    },
    { source: 'test' },
  );
const scpConfig = () =>
  resolveConfig(
    {
      organization: { account: MGMT },
      guard: { mode: 'scp', scp: { managementAccount: MGMT, role: 'ShareGuardGuard', targets: ['r-ab12'] } },
    },
    { source: 'test' },
  );

type Resource = { Type: string; Condition?: string; Properties: Record<string, unknown> };
const resources = (t: Template) => Object.values(t.Resources as Record<string, Resource>);
const policies = (t: Template) => resources(t).filter((r) => r.Type === 'AWS::IAM::ManagedPolicy');

/** A policy document as IAM would get it: Fn::Sub resolved with a realistic table ARN. */
function resolved(doc: unknown): unknown {
  if (Array.isArray(doc)) return doc.map(resolved);
  if (doc && typeof doc === 'object') {
    const sub = (doc as { 'Fn::Sub'?: string })['Fn::Sub'];
    if (typeof sub === 'string')
      return sub
        .replaceAll(
          '${ShareGuardTable.Arn}',
          'arn:aws:dynamodb:eu-central-1:123456789012:table/shareguard-production',
        )
        .replaceAll('${!aws:', '${aws:');
    return Object.fromEntries(Object.entries(doc).map(([k, v]) => [k, resolved(v)]));
  }
  return doc;
}

const actionsOf = (docs: Array<{ Statement: Array<{ Action: string[] }> }>) =>
  [...new Set(docs.flatMap((d) => d.Statement.flatMap((s) => s.Action)))].sort();

function templateActions(t: Template, condition?: string): string[] {
  return actionsOf(
    policies(t)
      .filter((p) => condition === undefined || p.Condition === condition)
      .map((p) => resolved(p.Properties.PolicyDocument) as { Statement: Array<{ Action: string[] }> }),
  );
}

describe('shareguard templates', () => {
  it('writes the three templates as JSON that parses, and the same as YAML', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sg-templates-'));
    await writeFile(
      join(dir, 'config.yml'),
      `organization: { account: '${MGMT}' }\nguard: { mode: scp, scp: { managementAccount: '${MGMT}', targets: [r-ab12] } }\n`,
    );
    const run = await shareguard([
      'templates',
      '--out',
      join(dir, 'out'),
      '--format',
      'json',
      '--config',
      join(dir, 'config.yml'),
    ]).exited;
    expect(run.code).toBe(0);
    for (const name of ['member-account', 'management-account', 'shareguard-home']) {
      const t = JSON.parse(await readFile(join(dir, 'out', `${name}.json`), 'utf8')) as Template;
      expect(t.AWSTemplateFormatVersion).toBe('2010-09-09');
      expect(Object.keys(t.Resources as object).length).toBeGreaterThan(0);
    }
    for (const t of Object.values(cloudFormationTemplates(iamConfig())))
      expect(parseYaml(stringify(t, { lineWidth: 0, version: '1.1' }), { version: '1.1' })).toEqual(t);
  }, 60_000);

  it('member-account: exactly the scanner, recipient-side, owner-side (sandboxes) and guard actions', () => {
    const config = iamConfig();
    const t = cloudFormationTemplates(config)['member-account'];
    const expected = actionsOf([
      scannerRolePolicy(config.kinds, { remediation: true, blastRadius: true, allowedAmis: true }),
      ownerRolePolicy(config.kinds),
      guardRolePolicy(config),
    ]);
    expect(templateActions(t)).toEqual(expected);
    // Owner-side actions only where OwnerSide is true.
    expect(templateActions(t, 'IsOwnerSide')).toEqual(actionsOf([ownerRolePolicy(config.kinds)]));
    // Without a guard in the config: no guard actions.
    const plain = cloudFormationTemplates(
      resolveConfig({ accounts: [{ id: '111111111111' }] }, { source: 'test' }),
    );
    expect(templateActions(plain['member-account']).some((a) => a.startsWith('iam:'))).toBe(false);
  });

  it('management-account: the Organizations reads discovery makes, and the SCP guard', async () => {
    // What discovery calls, from the simulator's own count of requests.
    const w = emptyWorld(
      [
        account(MGMT, ['us-east-1'], {
          organization: ORG_ARN,
          ous: [`arn:aws:organizations::${MGMT}:ou/o-tmpl000001/ou-tmpl-00000001`],
        }),
      ],
      MGMT,
    );
    const sim = await startSim(w);
    const clients: AwsClients = clientsFor(sim);
    try {
      await discoverOrganization(
        clients,
        { id: MGMT, role: null },
        { include: ['ou-tmpl-00000001'], exclude: [] },
      );
      const made = Object.keys(ACTION_SERVICE)
        .filter((n) => ACTION_SERVICE[n] === 'organizations' && sim.calls({ action: n }) > 0)
        .map((n) => `organizations:${n}`)
        .sort();
      expect(made).toEqual([...ORGANIZATION_READ_ACTIONS].sort());
    } finally {
      clients.destroy();
      await sim.stop();
    }
    const iam = cloudFormationTemplates(iamConfig())['management-account'];
    expect(templateActions(iam)).toEqual([...ORGANIZATION_READ_ACTIONS].sort());
    const config = scpConfig();
    const scp = cloudFormationTemplates(config)['management-account'];
    expect(templateActions(scp)).toEqual(
      actionsOf([{ Statement: [{ Action: [...ORGANIZATION_READ_ACTIONS] }] }, guardRolePolicy(config)]),
    );
    expect(resources(scp).filter((r) => r.Type === 'AWS::IAM::Role')).toHaveLength(2);
  });

  it('shareguard-home: the store table exactly as src/store lays it out, and the bot role with iam-policy --for bot', () => {
    const config = iamConfig();
    const t = cloudFormationTemplates(config)['shareguard-home'];
    const table = (t.Resources as Record<string, Resource & { DeletionPolicy?: string }>).ShareGuardTable!;
    const def = tableDefinition('sg-prod');
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.Properties).toEqual({
      TableName: { Ref: 'TableName' },
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: def.AttributeDefinitions,
      KeySchema: def.KeySchema,
      GlobalSecondaryIndexes: def.GlobalSecondaryIndexes,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
    expect((t.Parameters as Record<string, { Default: string }>).TableName!.Default).toBe('sg-prod');
    const bot = resolved(policies(t)[0]!.Properties.PolicyDocument);
    expect(bot).toEqual(
      resolved(
        JSON.parse(
          JSON.stringify(
            botIdentityPolicy(config, {
              tableArn: 'arn:aws:dynamodb:eu-central-1:123456789012:table/shareguard-production',
            }),
          ),
        ),
      ),
    );
  });

  it('every policy fits IAM’s limits; roles the bot assumes trust only its role, with ExternalId and the organization', () => {
    for (const config of [iamConfig(), scpConfig(), undefined]) {
      for (const t of Object.values(cloudFormationTemplates(config))) {
        for (const p of policies(t))
          expect(policySize(resolved(p.Properties.PolicyDocument) as object)).toBeLessThanOrEqual(
            MANAGED_POLICY_MAX_CHARS,
          );
        for (const r of resources(t).filter((x) => x.Type === 'AWS::IAM::Role')) {
          const trust = r.Properties.AssumeRolePolicyDocument as {
            Statement: Array<Record<string, unknown>>;
          };
          expect(policySize(trust)).toBeLessThanOrEqual(TRUST_POLICY_MAX_CHARS);
          const [statement] = trust.Statement;
          if ((statement!.Principal as { Service?: unknown }).Service) continue; // the bot's own role
          expect(statement!.Principal).toEqual({ AWS: { Ref: 'BotRoleArn' } });
          const text = JSON.stringify(statement!.Condition);
          expect(text).toContain('"sts:ExternalId":{"Ref":"ExternalId"}');
          expect(text).toContain('"aws:PrincipalOrgID":{"Ref":"OrganizationId"}');
        }
      }
    }
  });
});
