import type { Config } from '../config/schema.ts';
import { partitionOf } from '../domain/ids.ts';

/**
 * The IAM actions the guard needs, for `shareguard iam-policy --for guard` (docs/aws.md "Guard").
 * iam-policy mode: in each monitored account, on shareguard's role there. scp mode: in the
 * organization's management account, on the role `guard.scp.role`.
 */
export const GUARD_IAM_POLICY_ACTIONS = {
  /** Managed policies named `<policyName>` and `<policyName>-N`. */
  policies: [
    'iam:CreatePolicy',
    'iam:CreatePolicyVersion',
    'iam:DeletePolicyVersion',
    'iam:GetPolicy',
    'iam:GetPolicyVersion',
    'iam:ListPolicyVersions',
  ],
  /** The roles in `guard.attachToRoles`. */
  roles: [
    'iam:AttachRolePolicy',
    'iam:DetachRolePolicy',
    'iam:ListAttachedRolePolicies',
    'iam:SimulatePrincipalPolicy',
  ],
} as const;

export const GUARD_SCP_ACTIONS = {
  organizations: [
    'organizations:AttachPolicy',
    'organizations:CreatePolicy',
    'organizations:DescribePolicy',
    'organizations:DetachPolicy',
    'organizations:ListPolicies',
    'organizations:ListTargetsForPolicy',
    'organizations:UpdatePolicy',
  ],
  /** Verification of the SCP documents (no resource-level permissions). */
  simulate: ['iam:SimulateCustomPolicy'],
} as const;

/** Every action the guard may call, whatever the mode (for checks against recorded calls). */
export function guardIamActions(mode: Config['guard']['mode']): string[] {
  if (mode === 'iam-policy')
    return [...GUARD_IAM_POLICY_ACTIONS.policies, ...GUARD_IAM_POLICY_ACTIONS.roles].sort();
  if (mode === 'scp') return [...GUARD_SCP_ACTIONS.organizations, ...GUARD_SCP_ACTIONS.simulate].sort();
  return [];
}

interface Statement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string[]>>;
}

/**
 * Least-privilege policy for the guard's role. iam-policy: scoped to the guard's policies and the
 * configured roles, and AttachRolePolicy only for the guard's policies (condition `iam:PolicyARN`),
 * so the role cannot attach anything else. scp: Organizations policy actions (`*`: SCP ids are not
 * known in advance) and SimulateCustomPolicy.
 */
export function guardRolePolicy(config: Config): { Version: '2012-10-17'; Statement: Statement[] } {
  const g = config.guard;
  const p = partitionOf(config.aws.homeRegion);
  const policyArns = [`arn:${p}:iam::*:policy/${g.policyName}`, `arn:${p}:iam::*:policy/${g.policyName}-*`];
  if (g.mode === 'scp') {
    return {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'ShareGuardGuardScp',
          Effect: 'Allow',
          Action: [...GUARD_SCP_ACTIONS.organizations],
          Resource: '*',
        },
        {
          Sid: 'ShareGuardGuardVerify',
          Effect: 'Allow',
          Action: [...GUARD_SCP_ACTIONS.simulate],
          Resource: '*',
        },
      ],
    };
  }
  const roleArns = g.attachToRoles.map((r) => `arn:${p}:iam::*:role/${r}`).sort();
  const statements: Statement[] = [
    {
      Sid: 'ShareGuardGuardPolicies',
      Effect: 'Allow',
      Action: [...GUARD_IAM_POLICY_ACTIONS.policies],
      Resource: policyArns,
    },
  ];
  if (roleArns.length) {
    statements.push(
      {
        Sid: 'ShareGuardGuardAttach',
        Effect: 'Allow',
        Action: ['iam:AttachRolePolicy', 'iam:DetachRolePolicy'],
        Resource: roleArns,
        Condition: { ArnLike: { 'iam:PolicyARN': policyArns } },
      },
      {
        Sid: 'ShareGuardGuardVerify',
        Effect: 'Allow',
        Action: ['iam:ListAttachedRolePolicies', 'iam:SimulatePrincipalPolicy'],
        Resource: roleArns,
      },
    );
  }
  return { Version: '2012-10-17', Statement: statements };
}
