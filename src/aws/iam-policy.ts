import type { ResourceKind } from '../domain/finding.ts';
import { remediationActions } from '../remediate/registry.ts';
import { KINDS } from './kinds/index.ts';
import { ALLOWED_AMIS_READ_ACTIONS, ALLOWED_AMIS_WRITE_ACTIONS } from '../allowed-amis/actions.ts';
import type { Config } from '../config/schema.ts';
import { partitionOf } from '../domain/ids.ts';
import { GUARD_SCP_ACTIONS } from '../guard/iam-actions.ts';
import { monitoredAccounts, organizationReader } from '../scan/from-config.ts';
import { STORE_RUNTIME_ACTIONS, tableArns } from '../store/iam-actions.ts';
import { roleArn } from './account.ts';

/** Actions the scan needs whatever the kinds: listing enabled regions. */
const BASE_SCAN_ACTIONS = ['ec2:DescribeRegions'];

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: Array<{ Sid: string; Effect: 'Allow'; Action: string[]; Resource: string | string[] }>;
}

/**
 * The least-privilege policy for the role shareguard assumes in each monitored account, generated from
 * what each kind module declares (scan) and what the remediation registry's recipient-side rungs call.
 */
export function scannerRolePolicy(
  kinds: readonly ResourceKind[],
  options: {
    remediation: boolean;
    /** Blast-radius lookups (issue 9, `scan.blastRadius`); on unless false. */
    blastRadius?: boolean;
    /** Allowed AMIs managed (`guard.allowedAmis` not off). */
    allowedAmis?: boolean;
  },
): PolicyDocument {
  const scan = new Set(BASE_SCAN_ACTIONS);
  for (const kind of kinds) {
    for (const a of KINDS[kind].scanActions) scan.add(a);
    if (options.blastRadius !== false) for (const a of KINDS[kind].usage?.actions ?? []) scan.add(a);
  }
  const remediate = new Set(options.remediation ? remediationActions(kinds).remediation : []);
  if (options.allowedAmis) {
    for (const a of ALLOWED_AMIS_READ_ACTIONS) scan.add(a);
    if (options.remediation) for (const a of ALLOWED_AMIS_WRITE_ACTIONS) remediate.add(a);
  }
  for (const a of scan) remediate.delete(a);
  const statements: PolicyDocument['Statement'] = [
    { Sid: 'ShareGuardScan', Effect: 'Allow', Action: [...scan].sort(), Resource: '*' },
  ];
  // DescribeImages and friends do not support resource-level permissions; CancelImageLaunchPermission
  // acts on images whose ARNs carry no account, so `*` is the narrowest resource AWS accepts.
  if (remediate.size)
    statements.push({
      Sid: 'ShareGuardRemediate',
      Effect: 'Allow',
      Action: [...remediate].sort(),
      Resource: '*',
    });
  return { Version: '2012-10-17', Statement: statements };
}

/**
 * The owner-side policy: for a monitored account marked `trustedSource: false` (a sandbox), the actions
 * revoke-at-source, revoke-org-share and delete-at-source call there (add it to that account's role).
 */
export function ownerRolePolicy(kinds: readonly ResourceKind[]): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ShareGuardActAtSource',
        Effect: 'Allow',
        Action: remediationActions(kinds).owner,
        // EC2 image/snapshot ARNs carry no account and RDS snapshot names are the owner's own: `*` in the
        // owner account's own role is the narrowest that works for all of them.
        Resource: '*',
      },
    ],
  };
}

/**
 * Every action the guard (src/guard) may call, whatever its mode, on `*`; without a config. With one,
 * `guardRolePolicy` in src/guard/iam-actions.ts scopes it to the guard's policies and roles.
 */
export function guardActionsPolicy(kinds: readonly ResourceKind[]): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'ShareGuardGuard', Effect: 'Allow', Action: remediationActions(kinds).guard, Resource: '*' },
    ],
  };
}

/** IAM's limit for a customer managed policy, whitespace not counted (docs/aws.md "Guard" limits). */
export const MANAGED_POLICY_MAX_CHARS = 6_144;

/** A policy's size as IAM counts it: the JSON without whitespace. */
export function policySize(doc: object): number {
  return JSON.stringify(doc).replace(/\s/g, '').length;
}

/** What Organizations discovery calls (src/aws/organization.ts): list calls, no resource-level permissions. */
export const ORGANIZATION_READ_ACTIONS = [
  'organizations:ListAccounts',
  'organizations:ListAccountsForParent',
  'organizations:ListOrganizationalUnitsForParent',
  'organizations:ListRoots',
] as const;

export interface BotPolicyOptions {
  /** The home account (where the table is); absent: any account, narrowed to the caller's own by condition. */
  homeAccount?: string;
  /** The organization's id (o-…); absent: `${aws:PrincipalOrgID}`, the bot's own organization. */
  organizationId?: string;
  /** The table ARN as CloudFormation writes it (`!GetAtt`-style), instead of computing it. */
  tableArn?: string;
}

type BotStatement = PolicyDocument['Statement'][number] & {
  Condition?: Record<string, Record<string, string | string[]>>;
};

/**
 * The policy for shareguard's own identity (issue 20 item 5): AssumeRole on the roles it uses — the
 * scanning role of each monitored account (by pattern `arn:aws:iam::*:role/<name>`, with
 * `aws:ResourceOrgID` where the accounts are the organization's; exact ARNs for accounts listed outside
 * it while they fit), the Organizations reader and the SCP guard's role in the management account —,
 * the Organizations reads and SCP actions it makes itself with home credentials (`role: none`), and the
 * store's DynamoDB actions on exactly its table and indexes. Fits IAM's 6,144 characters for any number
 * of accounts.
 */
export function botIdentityPolicy(
  config: Config,
  options: BotPolicyOptions = {},
): { Version: '2012-10-17'; Statement: BotStatement[] } {
  const p = partitionOf(config.aws.homeRegion);
  const statements: BotStatement[] = [];
  const orgCondition = {
    StringEquals: { 'aws:ResourceOrgID': options.organizationId ?? '${aws:PrincipalOrgID}' },
  };
  const listed = monitoredAccounts(config).flatMap((a) => (a.role ? [{ id: a.id, role: a.role.name }] : []));
  const exact = listed.map((a) => roleArn(a.id, a.role, p));
  if (config.organization) {
    // Discovered accounts assume `aws.defaultRole` or the role their `accounts:` entry names.
    const names = new Set([config.aws.defaultRole, ...listed.map((a) => a.role)]);
    statements.push({
      Sid: 'ShareGuardAssumeOrganizationRoles',
      Effect: 'Allow',
      Action: ['sts:AssumeRole'],
      Resource: [...names].sort().map((n) => `arn:${p}:iam::*:role/${n}`),
      Condition: orgCondition,
    });
  }
  // Listed accounts may be outside the organization: exact ARNs, unless they alone would not fit.
  const exactFits = policySize({ Resource: exact }) < MANAGED_POLICY_MAX_CHARS / 2;
  if (exact.length && (exactFits || !config.organization)) {
    statements.push({
      Sid: 'ShareGuardAssumeScannerRoles',
      Effect: 'Allow',
      Action: ['sts:AssumeRole'],
      Resource: exactFits
        ? [...new Set(exact)].sort()
        : [...new Set(listed.map((a) => a.role))].sort().map((n) => `arn:${p}:iam::*:role/${n}`),
      ...(!exactFits && options.organizationId ? { Condition: orgCondition } : {}),
    });
  }
  const reader = organizationReader(config);
  const scp = config.guard.mode === 'scp' ? config.guard.scp : undefined;
  const scpRole = scp && scpGuardRole(config);
  const managementRoles = [
    ...(reader?.role ? [roleArn(reader.id, reader.role.name, p)] : []),
    ...(scp && scpRole ? [roleArn(scp.managementAccount, scpRole, p)] : []),
  ];
  if (managementRoles.length)
    statements.push({
      Sid: 'ShareGuardAssumeManagementRoles',
      Effect: 'Allow',
      Action: ['sts:AssumeRole'],
      Resource: [...new Set(managementRoles)].sort(),
    });
  // With `role: none` shareguard calls Organizations with its own credentials (it runs in that account).
  const ownOrgActions = [
    ...(reader && !reader.role ? ORGANIZATION_READ_ACTIONS : []),
    ...(scp && !scpRole ? [...GUARD_SCP_ACTIONS.organizations, ...GUARD_SCP_ACTIONS.simulate] : []),
  ];
  if (ownOrgActions.length)
    statements.push({
      Sid: 'ShareGuardOrganizations',
      Effect: 'Allow',
      Action: [...new Set(ownOrgActions)].sort(),
      Resource: '*',
    });
  if (config.store.kind === 'dynamodb') {
    const region = config.store.region ?? config.aws.homeRegion;
    const resources = options.tableArn
      ? [options.tableArn, `${options.tableArn}/index/*`]
      : tableArns(p, region, options.homeAccount ?? '*', config.store.tableName);
    // Without the home account's id: the table of that name in the bot's own account only.
    statements.push(storeStatement(resources, !options.homeAccount && !options.tableArn));
  }
  return { Version: '2012-10-17', Statement: statements };
}

/** The store's DynamoDB actions (src/store/iam-actions.ts) on the table and its indexes. */
export function storeStatement(resources: string[], ownAccountOnly = false): BotStatement {
  return {
    Sid: 'ShareGuardStore',
    Effect: 'Allow',
    Action: [...STORE_RUNTIME_ACTIONS],
    Resource: resources,
    ...(ownAccountOnly
      ? { Condition: { StringEquals: { 'aws:ResourceAccount': '${aws:PrincipalAccount}' } } }
      : {}),
  };
}

/** The role the SCP guard assumes in the management account; undefined with `role: none`. */
function scpGuardRole(config: Config): string | undefined {
  const r = config.guard.scp?.role;
  if (r === 'none') return undefined;
  if (typeof r === 'object') return r.name;
  return r ?? config.aws.defaultRole;
}
