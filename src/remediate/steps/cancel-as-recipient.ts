/**
 * Rung 2 (AMIs): the recipient cancels its own launch permission (`CancelImageLaunchPermission`), then
 * checks it is gone from view. `InvalidAMIID.NotFound` while the AMI stays visible means it reaches the
 * account through an organization/OU share: now known (`sharedVia: organization`). docs/aws.md §2
 */
import { CancelImageLaunchPermissionCommand } from '@aws-sdk/client-ec2';
import { awsErrorCode, describeAwsError } from '../../aws/errors.ts';
import { isDryRunOk, logged, visibleToRecipient, type CallLog } from '../aws-calls.ts';
import type { Remediation } from '../types.ts';
import { failed } from './words.ts';

export const cancelAsRecipient: Remediation = {
  id: 'cancel-as-recipient',
  title: 'Cancel as recipient',
  iamActions: { remediation: ['ec2:CancelImageLaunchPermission', 'ec2:DescribeImages'] },
  // A known organization/OU path: AWS lets a recipient cancel only direct shares.
  appliesTo: (f) => f.kind === 'ami' && f.sharedVia !== 'organization',
  plan: (f) =>
    `Cancel the launch permission of ${f.resourceId} as account ${f.accountId} (works for a direct share; ` +
    'AWS lets a recipient cancel nothing shared through the organization) and check it is gone from view.',
  step: () => 'cancel the launch permission as recipient',
  async run(f, deps) {
    const calls: CallLog = [];
    const dry = deps.context.dryRun;
    let notFound = false;
    // Resumed after a crash or a store failure: the cancel may have landed already. Read before
    // writing, so the AWS change happens once (issue 8 chaos test).
    if (deps.resumed && !dry) {
      try {
        if (!(await visibleToRecipient(f, deps.recipient, calls)))
          return {
            status: 'done',
            result: 'removed',
            detail: `${f.resourceId} is no longer shared with ${f.accountId} (cancelled by an earlier attempt of this decision).`,
            calls,
            stillVisible: false,
          };
      } catch (err) {
        return failed(
          `Could not check whether ${f.resourceId} is still visible: ${describeAwsError(err)}`,
          calls,
        );
      }
    }
    try {
      const out = await logged(
        calls,
        `ec2:CancelImageLaunchPermission ${f.resourceId}${dry ? ' DryRun' : ''}`,
        () =>
          deps.recipient
            .ec2()
            .send(new CancelImageLaunchPermissionCommand({ ImageId: f.resourceId, DryRun: dry })),
        (o) => String(o.Return !== false),
      );
      if (out.Return === false)
        return failed(`AWS answered false to cancelling the launch permission of ${f.resourceId}.`, calls);
    } catch (err) {
      if (dry && isDryRunOk(err)) {
        return {
          status: 'done',
          result: 'would',
          detail: `Dry run: would cancel the launch permission of ${f.resourceId} for ${f.accountId} (AWS answered DryRunOperation: allowed).`,
          calls,
          stillVisible: true,
        };
      }
      if (awsErrorCode(err) !== 'InvalidAMIID.NotFound')
        return failed(`AWS refused to cancel the launch permission: ${describeAwsError(err)}`, calls);
      // Also AWS's answer when the share is gone already, or reaches the account only through the organization.
      notFound = true;
    }
    try {
      const visible = await visibleToRecipient(f, deps.recipient, calls);
      if (!visible)
        return {
          status: 'done',
          result: 'removed',
          detail: notFound
            ? `${f.resourceId} is no longer shared with ${f.accountId} (AWS answered InvalidAMIID.NotFound: it was already unshared).`
            : `Launch permission of ${f.resourceId} cancelled for ${f.accountId} in ${f.region}; the account no longer sees it. Only the owner ${f.ownerAccountId} can share it again.`,
          calls,
          stillVisible: false,
          ...(notFound ? {} : { learnedSharedVia: 'account' as const }),
        };
      return {
        status: 'done',
        result: 'still-visible',
        detail: notFound
          ? `${f.resourceId} reaches ${f.accountId} through an organization or OU share, which a recipient cannot cancel (AWS answered InvalidAMIID.NotFound while it stays visible).`
          : `The direct launch permission of ${f.resourceId} was cancelled, but it is still visible through an organization or OU share.`,
        calls,
        stillVisible: true,
        learnedSharedVia: 'organization',
      };
    } catch (err) {
      return failed(
        notFound
          ? `AWS answered InvalidAMIID.NotFound and the check that followed failed: ${describeAwsError(err)}`
          : `Launch permission cancelled, but the check that it is gone failed: ${describeAwsError(err)}`,
        calls,
      );
    }
  },
  async verify(f, deps) {
    const calls: CallLog = [];
    const visible = await visibleToRecipient(f, deps.recipient, calls);
    return { ok: !visible, detail: visible ? 'still visible to the account' : 'no longer visible', calls };
  },
};
