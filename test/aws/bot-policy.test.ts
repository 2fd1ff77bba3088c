/**
 * `shareguard iam-policy --for bot` (issue 20 item 5): role ARNs by pattern with the organization
 * condition, exact ARNs for listed accounts while they fit, the management account's roles, and the
 * store's DynamoDB actions — derived here from the store's code — on exactly its table. Every document
 * fits IAM's 6,144 characters, for 5,000 accounts too.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { roleArn } from '../../src/aws/account.ts';
import { botIdentityPolicy, MANAGED_POLICY_MAX_CHARS, policySize } from '../../src/aws/iam-policy.ts';
import { resolveConfig } from '../../src/config/load.ts';
import { accountSet, organizationReader } from '../../src/scan/from-config.ts';
import { STORE_INIT_ACTIONS, STORE_RUNTIME_ACTIONS } from '../../src/store/iam-actions.ts';

const STORE_DIR = join(import.meta.dirname, '../../src/store');
/** lib-dynamodb's document commands and the IAM actions they are authorized as. */
const DOCUMENT_COMMANDS: Record<string, string> = {
  Get: 'GetItem',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
  TransactGet: 'TransactGetItems',
  TransactWrite: 'TransactWriteItems',
};

/** Every DynamoDB command the store's code sends, by file, as IAM actions. */
async function storeCommands(): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  const files = (await readdir(STORE_DIR, { recursive: true })).filter((f) => f.endsWith('.ts'));
  for (const f of files) {
    const text = await readFile(join(STORE_DIR, f), 'utf8');
    const actions = new Set<string>();
    for (const m of text.matchAll(/new (\w+)Command\(/g))
      actions.add(`dynamodb:${DOCUMENT_COMMANDS[m[1]!] ?? m[1]}`);
    // The SDK's waiter polls DescribeTable.
    if (/waitUntilTableExists\(/.test(text)) actions.add('dynamodb:DescribeTable');
    if (actions.size) out.set(f, actions);
  }
  return out;
}

const accounts = (n: number) => Array.from({ length: n }, (_, i) => ({ id: String(100_000_000_000 + i) }));

function config(raw: Record<string, unknown>) {
  return resolveConfig(
    { store: { kind: 'dynamodb', tableName: 'shareguard', region: 'eu-west-1' }, ...raw },
    { source: 'test' },
  );
}

/** Whether an IAM resource pattern (`*` wildcards) matches an ARN. */
const matches = (pattern: string, arn: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(arn);

function assumable(policy: ReturnType<typeof botIdentityPolicy>, arn: string): boolean {
  return policy.Statement.some(
    (s) =>
      s.Action.includes('sts:AssumeRole') &&
      (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).some((r) => matches(r, arn)),
  );
}

describe('iam-policy --for bot', () => {
  it('grants exactly the DynamoDB actions the store sends, on its table and indexes', async () => {
    const byFile = await storeCommands();
    const all = new Set([...byFile.values()].flatMap((s) => [...s]));
    // Everything the store's code sends is either the bot's (runtime) or store init's: nothing unlisted.
    expect([...all].sort()).toEqual([...new Set([...STORE_RUNTIME_ACTIONS, ...STORE_INIT_ACTIONS])].sort());
    // Outside table.ts (store init) every command is a runtime one.
    const runtime = new Set([...byFile].filter(([f]) => f !== 'table.ts').flatMap(([, s]) => [...s]));
    expect([...runtime].sort()).toEqual([...STORE_RUNTIME_ACTIONS].sort());

    const policy = botIdentityPolicy(config({ accounts: [{ id: '111111111111' }] }), {
      homeAccount: '000000000000',
    });
    const store = policy.Statement.filter((s) => s.Action.some((a) => a.startsWith('dynamodb:')));
    expect(store).toEqual([
      {
        Sid: 'ShareGuardStore',
        Effect: 'Allow',
        Action: [...STORE_RUNTIME_ACTIONS],
        Resource: [
          'arn:aws:dynamodb:eu-west-1:000000000000:table/shareguard',
          'arn:aws:dynamodb:eu-west-1:000000000000:table/shareguard/index/*',
        ],
      },
    ]);
    // Without the home account's id: any account's table of that name, narrowed to the bot's own.
    const loose = botIdentityPolicy(config({ accounts: [{ id: '111111111111' }] }));
    expect(loose.Statement.find((s) => s.Sid === 'ShareGuardStore')?.Condition).toEqual({
      StringEquals: { 'aws:ResourceAccount': '${aws:PrincipalAccount}' },
    });
    // No DynamoDB statement for the embedded store.
    const embedded = botIdentityPolicy(
      resolveConfig({ accounts: [{ id: '111111111111' }] }, { source: 'test' }),
    );
    expect(embedded.Statement.some((s) => s.Action.some((a) => a.startsWith('dynamodb:')))).toBe(false);
  });

  it('fits 6,144 characters for 5,000 accounts, listed or from the organization, with the store and AssumeRole', () => {
    const listed = config({ accounts: accounts(5000) });
    const org = config({
      organization: { account: '999999999999', role: 'ShareGuardOrgReader' },
      accounts: [...accounts(5000), { id: '222222222222', role: 'AuditRole' }],
      guard: {
        mode: 'scp',
        scp: { managementAccount: '999999999999', role: 'ShareGuardGuard', targets: ['r-ab12'] },
      },
    });
    for (const c of [listed, org]) {
      const policy = botIdentityPolicy(c);
      expect(policySize(policy)).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARS);
      const actions = policy.Statement.flatMap((s) => s.Action);
      expect(actions).toContain('sts:AssumeRole');
      expect(actions).toContain('dynamodb:Query');
      // Every role the product assumes is covered.
      for (const a of accountSet(c).accounts)
        expect(assumable(policy, roleArn(a.id, a.role!.name))).toBe(true);
    }
    const policy = botIdentityPolicy(org);
    const orgStatement = policy.Statement.find((s) => s.Sid === 'ShareGuardAssumeOrganizationRoles');
    expect(orgStatement).toMatchObject({
      Resource: ['arn:aws:iam::*:role/AuditRole', 'arn:aws:iam::*:role/ShareGuardScanner'],
      Condition: { StringEquals: { 'aws:ResourceOrgID': '${aws:PrincipalOrgID}' } },
    });
    // The discovery reader and the SCP guard's role, exactly.
    expect(assumable(policy, roleArn('999999999999', organizationReader(org)!.role!.name))).toBe(true);
    expect(assumable(policy, 'arn:aws:iam::999999999999:role/ShareGuardGuard')).toBe(true);
    expect(policy.Statement.find((s) => s.Sid === 'ShareGuardAssumeManagementRoles')?.Resource).toEqual([
      'arn:aws:iam::999999999999:role/ShareGuardGuard',
      'arn:aws:iam::999999999999:role/ShareGuardOrgReader',
    ]);
  });

  it('a few listed accounts get exact role ARNs; role none means the bot calls Organizations itself', () => {
    const policy = botIdentityPolicy(
      config({
        accounts: [
          { id: '111111111111' },
          { id: '222222222222', role: { name: 'Audit', externalId: 'x1' } },
          { id: '000000000000', role: 'none' },
        ],
      }),
    );
    expect(policy.Statement.find((s) => s.Sid === 'ShareGuardAssumeScannerRoles')?.Resource).toEqual([
      'arn:aws:iam::111111111111:role/ShareGuardScanner',
      'arn:aws:iam::222222222222:role/Audit',
    ]);
    const own = botIdentityPolicy(config({ organization: { account: '000000000000', role: 'none' } }), {
      organizationId: 'o-abcdef123456',
    });
    expect(own.Statement.find((s) => s.Sid === 'ShareGuardOrganizations')?.Action).toEqual([
      'organizations:ListAccounts',
      'organizations:ListAccountsForParent',
      'organizations:ListOrganizationalUnitsForParent',
      'organizations:ListRoots',
    ]);
    expect(own.Statement.find((s) => s.Sid === 'ShareGuardAssumeOrganizationRoles')?.Condition).toEqual({
      StringEquals: { 'aws:ResourceOrgID': 'o-abcdef123456' },
    });
  });
});
