/**
 * Rung 1: revoke the share at the source, as the owner (shareguard has a role in the owner account).
 * Reads the exact shares first and removes ONLY the monitored account; an organization/OU share or a
 * public share reaches other accounts, so it is named in the outcome and never removed as a side
 * effect (the org share is offered as its own decision: revoke-org-share). docs/aws.md §5a
 */
import { KINDS } from '../../aws/kinds/index.ts';
import { describeAwsError } from '../../aws/errors.ts';
import {
  OWNER_READ_ACTIONS,
  OWNER_REVOKE_ACTIONS,
  RECIPIENT_VISIBILITY_ACTIONS,
  readSourceShares,
  removeAccountAtSource,
  visibleToRecipient,
  type CallLog,
} from '../aws-calls.ts';
import type { Remediation } from '../types.ts';
import { failed, RESOURCE_WORDS, uniq } from './words.ts';

export const revokeAtSource: Remediation = {
  id: 'revoke-at-source',
  title: 'Revoke at the source',
  iamActions: {
    owner: uniq([...Object.values(OWNER_READ_ACTIONS).flat(), ...Object.values(OWNER_REVOKE_ACTIONS).flat()]),
    remediation: uniq(Object.values(RECIPIENT_VISIBILITY_ACTIONS).flat()),
  },
  appliesTo: (_f, ctx) => ctx.owner !== undefined,
  plan: (f) =>
    `Revoke the share at the source: as owner ${f.ownerAccountId}, remove only account ${f.accountId} from ` +
    `the ${RESOURCE_WORDS[f.kind]}'s shares (an organization, OU or public share is named, never removed here).`,
  step: (f) => `revoke the share for ${f.accountId} at the source (owner ${f.ownerAccountId})`,
  async run(f, deps) {
    const calls: CallLog = [];
    const owner = deps.owner;
    if (!owner) return failed('shareguard has no role in the owner account.', calls);
    const dry = deps.context.dryRun;
    try {
      const shares = await readSourceShares(f, owner, calls);
      if (!shares) {
        const visible = await visibleToRecipient(f, deps.recipient, calls);
        return {
          status: 'done',
          result: visible ? 'still-visible' : 'revoked-at-source',
          detail: `${f.resourceId} no longer exists in the owner account ${f.ownerAccountId}.`,
          calls,
          stillVisible: visible,
        };
      }
      const listed = shares.accounts.includes(f.accountId);
      // After this rung the account is reached only through what remains: an organization/OU share if any.
      const learned = !KINDS[f.kind].remediation.orgShares
        ? 'account'
        : shares.organizations.length && (!listed || !dry)
          ? 'organization'
          : listed
            ? 'account'
            : undefined;
      const remaining = [
        ...shares.organizations.map((o) => (o.includes(':ou/') ? `OU ${o}` : `organization ${o}`)),
        ...(shares.public ? ['public (everyone)'] : []),
      ];
      const left = remaining.length
        ? ` Left in place (it reaches other accounts too; only its own decision may remove it): ${remaining.join('; ')}.`
        : '';
      if (listed) await removeAccountAtSource(f, owner, f.accountId, dry, calls);
      if (dry) {
        const gone = remaining.length === 0;
        return {
          status: 'done',
          result: 'would',
          detail: listed
            ? `Dry run: would remove account ${f.accountId} from the shares of ${f.resourceId} in owner account ${f.ownerAccountId}${KINDS[f.kind].source.dryRun ? ' (AWS answered DryRunOperation: allowed)' : ` (${KINDS[f.kind].service.toUpperCase()} has no dry run: the shares were read, nothing was called to change them)`}.${left}`
            : `Dry run: account ${f.accountId} is not named in the shares of ${f.resourceId}; nothing to revoke for it.${left}`,
          calls,
          stillVisible: !gone || !listed,
          ...(learned ? { learnedSharedVia: learned } : {}),
          ...(shares.organizations.length ? { orgShares: shares.organizations } : {}),
        };
      }
      const visible = await visibleToRecipient(f, deps.recipient, calls);
      const usable = visible || shares.public;
      const what = listed
        ? `Revoked at the source: account ${f.accountId} removed from the shares of ${f.resourceId} by owner ${f.ownerAccountId}`
        : `Account ${f.accountId} is not named in the shares of ${f.resourceId} at the source`;
      return {
        status: 'done',
        result: usable ? 'still-visible' : 'revoked-at-source',
        detail: `${what}; ${usable ? (visible ? 'it is still visible to the account' : 'it is still public') : 'the account no longer sees it'}.${left}`,
        calls,
        stillVisible: usable,
        ...(learned ? { learnedSharedVia: learned } : {}),
        ...(shares.organizations.length ? { orgShares: shares.organizations } : {}),
      };
    } catch (err) {
      return failed(`AWS refused the owner-side revoke: ${describeAwsError(err)}`, calls);
    }
  },
  async verify(f, deps) {
    const calls: CallLog = [];
    const visible = await visibleToRecipient(f, deps.recipient, calls);
    return { ok: !visible, detail: visible ? 'still visible to the account' : 'no longer visible', calls };
  },
};
