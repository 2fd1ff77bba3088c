import type { ResourceKind } from '../domain/finding.ts';
import { remediationActions } from '../remediate/registry.ts';
import { KINDS } from './kinds/index.ts';
import { ALLOWED_AMIS_READ_ACTIONS, ALLOWED_AMIS_WRITE_ACTIONS } from '../allowed-amis/actions.ts';

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

/** The policy for shareguard's own identity: assume the scanning role in each monitored account. */
export function botIdentityPolicy(roleArns: readonly string[]): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ShareGuardAssumeScannerRoles',
        Effect: 'Allow',
        Action: ['sts:AssumeRole'],
        Resource: [...roleArns].sort(),
      },
    ],
  };
}
