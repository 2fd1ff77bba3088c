import {
  CancelImageLaunchPermissionCommand,
  DescribeImagesCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import type { Finding } from '../domain/finding.ts';
import { removalPlan } from '../domain/removal.ts';
import { awsErrorCode, describeAwsError } from '../aws/errors.ts';

/** What carrying out a Remove decision did, in words a person can act on. */
export interface RemediationResult {
  /** `succeeded`: AWS removed it and it is gone from the account's view. `owner-only`: nothing (more) a recipient can do. `failed`: AWS refused or errored; it can be tried again. */
  outcome: 'succeeded' | 'owner-only' | 'failed';
  detail: string;
  /** The AWS calls made, with their answers, for the decision log. */
  calls: string[];
}

export interface RemediationDeps {
  /** EC2 client acting as the finding's monitored account, in the finding's region. */
  ec2(): EC2Client;
}

/**
 * Carries out Remove for one finding: the strongest removal AWS allows a recipient (aws-facts.md §2).
 * Idempotent: running it twice (a retry after a crash) gives the same end state.
 */
export async function remediate(finding: Finding, deps: RemediationDeps): Promise<RemediationResult> {
  const plan = removalPlan(finding);
  if (plan.action === 'owner-only') {
    return {
      outcome: 'owner-only',
      // The message explains why (removalPlan's reason); this says what shareguard did.
      detail: 'Nothing was changed in AWS; the decision is recorded and the resource flagged.',
      calls: [],
    };
  }
  return cancelLaunchPermission(finding, deps.ec2());
}

async function stillVisible(ec2: EC2Client, imageId: string): Promise<boolean> {
  // A filter, not ImageIds: an AMI the account can no longer see is then an empty answer, not an error.
  const out = await ec2.send(
    new DescribeImagesCommand({
      ExecutableUsers: ['self'],
      IncludeDeprecated: true,
      Filters: [{ Name: 'image-id', Values: [imageId] }],
    }),
  );
  return (out.Images ?? []).some((i) => i.ImageId === imageId);
}

async function cancelLaunchPermission(finding: Finding, ec2: EC2Client): Promise<RemediationResult> {
  const id = finding.resourceId;
  const where = `${finding.accountId} in ${finding.region}`;
  const calls: string[] = [];
  let notFound = false;
  try {
    const out = await ec2.send(new CancelImageLaunchPermissionCommand({ ImageId: id }));
    calls.push(`ec2:CancelImageLaunchPermission ${id} → ${out.Return === false ? 'false' : 'true'}`);
    if (out.Return === false) {
      return {
        outcome: 'failed',
        detail: `AWS answered false to cancelling the launch permission of ${id} for ${where}.`,
        calls,
      };
    }
  } catch (err) {
    calls.push(`ec2:CancelImageLaunchPermission ${id} → ${describeAwsError(err)}`);
    if (awsErrorCode(err) !== 'InvalidAMIID.NotFound') {
      return {
        outcome: 'failed',
        detail: `AWS refused to cancel the launch permission: ${describeAwsError(err)}`,
        calls,
      };
    }
    // Also what AWS answers when the share is gone already, or reaches the account only through the organization.
    notFound = true;
  }
  let visible: boolean;
  try {
    visible = await stillVisible(ec2, id);
    calls.push(`ec2:DescribeImages image-id=${id} → ${visible ? 'still visible' : 'not visible'}`);
  } catch (err) {
    calls.push(`ec2:DescribeImages image-id=${id} → ${describeAwsError(err)}`);
    return {
      outcome: notFound ? 'failed' : 'succeeded',
      detail: notFound
        ? `AWS answered InvalidAMIID.NotFound and the check that followed failed: ${describeAwsError(err)}`
        : `Launch permission of ${id} cancelled for ${where}; the follow-up check failed (${describeAwsError(err)}), so it is not verified gone.`,
      calls,
    };
  }
  if (!visible) {
    return {
      outcome: 'succeeded',
      detail: notFound
        ? `${id} is no longer shared with ${where} (AWS answered InvalidAMIID.NotFound: it was already unshared).`
        : `Launch permission of ${id} cancelled for ${where}; it is no longer visible to the account. Only the owner ${finding.ownerAccountId} can share it again.`,
      calls,
    };
  }
  return {
    outcome: 'owner-only',
    detail: notFound
      ? `${id} reaches ${where} only through an organization or OU share, which a recipient cannot cancel (AWS answered InvalidAMIID.NotFound). Only the owner ${finding.ownerAccountId} can unshare it.`
      : `The direct launch permission of ${id} was cancelled for ${where}, but the AMI is still visible through an organization or OU share, which only the owner ${finding.ownerAccountId} can remove.`,
    calls,
  };
}
