import type { Finding } from './finding.ts';

/**
 * What "Remove" can do for a finding, decided from the facts alone (aws-facts.md §2):
 * only an AMI shared with the account directly can be removed by the recipient
 * (CancelImageLaunchPermission). For everything else AWS offers a recipient nothing.
 */
export type RemovalPlan =
  | { action: 'cancel-launch-permission'; confirmText: string; summary: string }
  | { action: 'owner-only'; confirmText: string; summary: string; reason: string };

const short = (id: string) => (id.length > 60 ? `…${id.slice(-57)}` : id);

export function removalPlan(f: Finding): RemovalPlan {
  if (f.kind === 'ami' && f.sharedVia === 'account') {
    return {
      action: 'cancel-launch-permission',
      summary: `Cancel the launch permission of ${f.resourceId} for ${f.accountId} in ${f.region}`,
      confirmText:
        `Cancel the launch permission of ${f.resourceId} for ${f.accountId} in ${f.region}. ` +
        'Only the owner can share it again. This cannot be undone from our side.',
    };
  }
  const reason =
    f.kind === 'ami'
      ? 'it is shared through your organization or an OU, and AWS lets a recipient cancel only direct shares'
      : `AWS has no operation that lets a recipient remove a shared ${f.kind === 'ebs-snapshot' ? 'EBS snapshot' : 'RDS snapshot'}`;
  return {
    action: 'owner-only',
    reason,
    summary: `Record the decision to remove ${short(f.resourceId)}; only owner ${f.ownerAccountId} can unshare it`,
    confirmText:
      `AWS lets ${f.accountId} remove nothing here: ${reason}. ` +
      `shareguard will record the decision and flag ${short(f.resourceId)}; only owner ${f.ownerAccountId} can unshare it.`,
  };
}
