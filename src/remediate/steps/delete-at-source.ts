/**
 * Delete at the source (its own button and confirm; owner-side role only). EC2 asks `DryRun=true` first,
 * so a role without the permission fails before anything changes; RDS has no dry run. The outcome says
 * what AWS kept (associated snapshots, Recycle Bin, instances already launched). docs/aws.md §5a
 */
import { KINDS } from '../../aws/kinds/index.ts';
import { describeAwsError } from '../../aws/errors.ts';
import {
  OWNER_DELETE_ACTIONS,
  deleteAtSource as deleteCall,
  existsAtSource,
  type CallLog,
} from '../aws-calls.ts';
import type { Remediation } from '../types.ts';
import { failed, RESOURCE_WORDS, uniq } from './words.ts';

export const deleteAtSource: Remediation = {
  id: 'delete-at-source',
  title: 'Delete at the source',
  iamActions: { owner: uniq(Object.values(OWNER_DELETE_ACTIONS).flat()) },
  appliesTo: (_f, ctx) => ctx.owner !== undefined,
  plan: (f) =>
    `Delete ${RESOURCE_WORDS[f.kind]} ${f.resourceId} in its owner account ${f.ownerAccountId} ` +
    `(${f.kind === 'ami' ? 'deregister it; its snapshots are not deleted' : 'delete it'}). It disappears for every account it was shared with. This cannot be undone by shareguard.`,
  step: (f) =>
    `delete it in owner account ${f.ownerAccountId}${f.kind === 'ami' ? ' (its snapshots stay)' : ''}; every account it was shared with loses it`,
  async run(f, deps) {
    const calls: CallLog = [];
    const owner = deps.owner;
    if (!owner) return failed('shareguard has no role in the owner account.', calls);
    try {
      if (!(await existsAtSource(f, owner, calls))) {
        return {
          status: 'done',
          result: 'deleted-at-source',
          detail: `${f.resourceId} no longer exists in the owner account ${f.ownerAccountId}.`,
          calls,
          stillVisible: false,
        };
      }
      const asks = KINDS[f.kind].source.dryRun;
      const service = KINDS[f.kind].service;
      // EC2: ask first, so a missing permission or protection shows before anything changes.
      if (asks || deps.context.dryRun) await deleteCall(f, owner, true, calls);
      if (deps.context.dryRun) {
        return {
          status: 'done',
          result: 'would',
          detail: asks
            ? `Dry run: would delete ${f.resourceId} in owner account ${f.ownerAccountId} (AWS answered DryRunOperation: allowed).`
            : `Dry run: would delete ${f.resourceId} in owner account ${f.ownerAccountId} (${service.toUpperCase()} has no dry run; it exists and nothing was called to change it).`,
          calls,
          stillVisible: true,
        };
      }
      const { kept } = await deleteCall(f, owner, false, calls);
      const still = await existsAtSource(f, owner, calls);
      if (still)
        return failed(`AWS accepted the deletion but ${f.resourceId} still exists at the source.`, calls);
      return {
        status: 'done',
        result: 'deleted-at-source',
        detail: `Deleted at the source: ${RESOURCE_WORDS[f.kind]} ${f.resourceId} ${f.kind === 'ami' ? 'deregistered' : 'deleted'} in owner account ${f.ownerAccountId}. ${kept}`,
        calls,
        stillVisible: false,
      };
    } catch (err) {
      return failed(`AWS refused to delete it at the source: ${describeAwsError(err)}`, calls);
    }
  },
  async verify(f, deps) {
    const calls: CallLog = [];
    if (!deps.owner) return { ok: false, detail: 'no owner-side role', calls };
    const exists = await existsAtSource(f, deps.owner, calls);
    return { ok: !exists, detail: exists ? 'still exists at the source' : 'gone at the source', calls };
  },
};
