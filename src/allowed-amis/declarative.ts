/**
 * The AWS Organizations declarative policy (EC2 attributes → allowed images settings) that does what
 * shareguard's per-account Allowed AMIs does, organization-wide (docs/aws.md "Allowed AMIs"). Printed for
 * the organization's administrators: applying it needs the management account. A member account then
 * reports `ManagedBy: declarative-policy` and shareguard changes nothing there.
 *
 * The policy's own spelling differs from the EC2 API's (docs/aws.md "Allowed AMIs", declarative policy):
 * `state` is `enabled` | `audit_mode` (API: `audit-mode`), the AWS aliases are `aws_marketplace` and
 * `aws_backup_vault` (API: `aws-marketplace`, `aws-backup-vault`), and each criterion is a key
 * `criteria_N` under `image_criteria` with its `allowed_image_providers`.
 */
import { MAX_PROVIDERS_PER_CRITERION, planCriteria } from './criteria.ts';

/** Declarative policies are limited to 10,000 characters. */
export const DECLARATIVE_POLICY_MAX_CHARS = 10_000;

export interface DeclarativePolicyResult {
  policy: object;
  text: string;
  /** Why it cannot be used as is (over AWS's limits); the text is still printed for editing. */
  problems: string[];
}

/** EC2 API provider values → the declarative policy's (account ids and `amazon` are the same). */
const POLICY_PROVIDER: Record<string, string> = {
  'aws-marketplace': 'aws_marketplace',
  'aws-backup-vault': 'aws_backup_vault',
};

export function declarativePolicy(
  providers: readonly string[],
  mode: 'audit' | 'enforce',
): DeclarativePolicyResult {
  const plan = planCriteria(providers);
  const problems: string[] = [];
  if (!plan.ok) problems.push(plan.reason);
  // ≤ 200 providers a criterion, as in the account setting; past 10 criteria still printed, for editing.
  const groups: string[][] = [];
  for (let i = 0; i < providers.length; i += MAX_PROVIDERS_PER_CRITERION)
    groups.push(providers.slice(i, i + MAX_PROVIDERS_PER_CRITERION));
  const image_criteria: Record<string, object> = {};
  groups.forEach((g, i) => {
    image_criteria[`criteria_${i + 1}`] = {
      allowed_image_providers: { '@@assign': g.map((p) => POLICY_PROVIDER[p] ?? p) },
    };
  });
  const policy = {
    ec2_attributes: {
      allowed_images_settings: {
        state: { '@@assign': mode === 'enforce' ? 'enabled' : 'audit_mode' },
        image_criteria,
      },
    },
  };
  const text = JSON.stringify(policy, null, 2);
  const compact = JSON.stringify(policy).length;
  if (compact > DECLARATIVE_POLICY_MAX_CHARS)
    problems.push(
      `the policy is ${compact} characters; declarative policies take at most ${DECLARATIVE_POLICY_MAX_CHARS}`,
    );
  return { policy, text, problems };
}
