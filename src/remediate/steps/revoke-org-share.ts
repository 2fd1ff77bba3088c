/**
 * Revoke an AMI's organization / OU shares at the source: its own decision, offered after a revoke
 * left one in place, because it reaches every account of that organization or OU, not just this one.
 */
import { describeAwsError } from '../../aws/errors.ts';
import {
  OWNER_READ_ACTIONS,
  readSourceShares,
  removeOrgSharesAtSource,
  visibleToRecipient,
  type CallLog,
} from '../aws-calls.ts';
import type { Remediation } from '../types.ts';
import { failed } from './words.ts';

export const revokeOrgShare: Remediation = {
  id: 'revoke-org-share',
  title: 'Revoke the organization share at the source',
  iamActions: {
    owner: [...OWNER_READ_ACTIONS.ami, 'ec2:ModifyImageAttribute'],
    remediation: ['ec2:DescribeImages'],
  },
  appliesTo: (f, ctx) => ctx.owner !== undefined && f.kind === 'ami',
  plan: (f) =>
    `As owner ${f.ownerAccountId}, remove the organization / OU shares of ${f.resourceId}. ` +
    'Every account in that organization or OU loses access, not only this one.',
  step: (f) => `remove the organization/OU shares of ${f.resourceId}: every account in them loses access`,
  async run(f, deps) {
    const calls: CallLog = [];
    if (!deps.owner) return failed('shareguard has no role in the owner account.', calls);
    try {
      const shares = await readSourceShares(f, deps.owner, calls);
      const orgs = shares?.organizations ?? [];
      if (orgs.length) await removeOrgSharesAtSource(f, deps.owner, orgs, deps.context.dryRun, calls);
      if (deps.context.dryRun)
        return {
          status: 'done',
          result: 'would',
          detail: orgs.length
            ? `Dry run: would remove ${orgs.join(', ')} from the launch permissions of ${f.resourceId}.`
            : `Dry run: ${f.resourceId} has no organization or OU share left.`,
          calls,
          stillVisible: true,
        };
      const visible = await visibleToRecipient(f, deps.recipient, calls);
      return {
        status: 'done',
        result: visible ? 'still-visible' : 'revoked-at-source',
        detail: `${orgs.length ? `Removed ${orgs.join(', ')} from the launch permissions of ${f.resourceId}` : `${f.resourceId} had no organization or OU share left`}; ${visible ? 'it is still visible to the account' : 'the account no longer sees it'}.`,
        calls,
        stillVisible: visible,
        orgShares: [],
      };
    } catch (err) {
      return failed(`AWS refused the owner-side change: ${describeAwsError(err)}`, calls);
    }
  },
  async verify(f, deps) {
    const calls: CallLog = [];
    const visible = await visibleToRecipient(f, deps.recipient, calls);
    return { ok: !visible, detail: visible ? 'still visible' : 'no longer visible', calls };
  },
};
