/**
 * The AWS Organizations declarative policy (EC2 attributes → allowed images settings) that does what
 * shareguard's per-account Allowed AMIs does, organization-wide (docs/aws.md "Allowed AMIs"). Printed for
 * the organization's administrators: applying it needs the management account. A member account then
 * reports `ManagedBy: declarative-policy` and shareguard changes nothing there.
 */
import { MAX_CRITERIA, planCriteria } from './criteria.ts';

/** Declarative policies are limited to 10,000 characters. */
export const DECLARATIVE_POLICY_MAX_CHARS = 10_000;

export interface DeclarativePolicyResult {
  policy: object;
  text: string;
  /** Why it cannot be used as is (over AWS's limits); the text is still printed for editing. */
  problems: string[];
}

export function declarativePolicy(
  providers: readonly string[],
  mode: 'audit' | 'enforce',
): DeclarativePolicyResult {
  const plan = planCriteria(providers);
  const problems: string[] = [];
  const criteria = plan.ok ? plan.criteria : [{ imageProviders: [...providers] }];
  if (!plan.ok) problems.push(plan.reason);
  const image_criteria: Record<string, object> = {};
  criteria.slice(0, Math.max(MAX_CRITERIA, criteria.length)).forEach((c, i) => {
    image_criteria[`criteria_${i + 1}`] = { allowed_image_providers: { '@@assign': c.imageProviders } };
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
