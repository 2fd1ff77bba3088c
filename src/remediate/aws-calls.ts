/**
 * The AWS calls the rungs make, each logged as `"service:Action target → answer"`. Owner side: read the
 * exact shares, remove one account, remove an organization/OU share, delete. Recipient side: is it still
 * visible to the monitored account? (docs/aws.md §1, §2, §5a) The per-kind calls are declared by each
 * kind's module (`source` in src/aws/kinds/<kind>.ts); this module dispatches and judges their errors.
 */
import { ModifyImageAttributeCommand } from '@aws-sdk/client-ec2';
import { awsErrorCode } from '../aws/errors.ts';
import { isDryRunOk, logged, type CallLog, type SourceShares } from '../aws/kinds/calls.ts';
import { KINDS, kindModules, type KindSource } from '../aws/kinds/index.ts';
import type { Finding } from '../domain/finding.ts';
import type { AccountClients } from './types.ts';

export { isDryRunOk, logged, type CallLog, type SourceShares };

const NOT_FOUND = new Set(kindModules().flatMap((k) => k.source.notFoundCodes));
export const isNotFound = (err: unknown): boolean => NOT_FOUND.has(awsErrorCode(err) ?? '');

// ---- owner side -------------------------------------------------------------------------------

/** The exact shares, read by the owner; undefined when the resource no longer exists at the source. */
export async function readSourceShares(
  f: Finding,
  owner: AccountClients,
  calls: CallLog,
): Promise<SourceShares | undefined> {
  try {
    return await KINDS[f.kind].source.readShares(f, owner, calls);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * Removes exactly one account from the resource's shares, as its owner. With `dryRun`, EC2 is asked
 * with `DryRun=true` (answers DryRunOperation when allowed) and RDS, which has no dry run, is not called.
 */
export async function removeAccountAtSource(
  f: Finding,
  owner: AccountClients,
  accountId: string,
  dryRun: boolean,
  calls: CallLog,
): Promise<void> {
  try {
    await KINDS[f.kind].source.removeAccount(f, owner, accountId, dryRun, calls);
  } catch (err) {
    if (dryRun && isDryRunOk(err)) return;
    throw err;
  }
}

/** Removes organization / OU shares of an AMI, as its owner (its own decision: they reach other accounts). */
export async function removeOrgSharesAtSource(
  f: Finding,
  owner: AccountClients,
  arns: readonly string[],
  dryRun: boolean,
  calls: CallLog,
): Promise<void> {
  const remove = arns.map((arn) =>
    arn.includes(':ou/') ? { OrganizationalUnitArn: arn } : { OrganizationArn: arn },
  );
  try {
    await logged(
      calls,
      `ec2:ModifyImageAttribute ${f.resourceId} LaunchPermission.Remove ${arns.join(',')}${dryRun ? ' DryRun' : ''}`,
      () =>
        owner.client('ec2').send(
          new ModifyImageAttributeCommand({
            ImageId: f.resourceId,
            LaunchPermission: { Remove: remove },
            DryRun: dryRun,
          }),
        ),
      () => 'ok',
    );
  } catch (err) {
    if (dryRun && isDryRunOk(err)) return;
    throw err;
  }
}

/**
 * Deletes the resource at the source. Returns what AWS kept, in words (associated snapshots of an AMI
 * are not deleted; a Recycle Bin rule may keep it restorable). With `dryRun`, EC2 asks `DryRun=true`;
 * RDS (no dry run) is not called.
 */
export async function deleteAtSource(
  f: Finding,
  owner: AccountClients,
  dryRun: boolean,
  calls: CallLog,
): Promise<{ kept: string }> {
  try {
    return await KINDS[f.kind].source.delete(f, owner, dryRun, calls);
  } catch (err) {
    if (dryRun && isDryRunOk(err)) return { kept: '' };
    throw err;
  }
}

/** Does the resource still exist at the source (as its owner lists it)? */
export async function existsAtSource(f: Finding, owner: AccountClients, calls: CallLog): Promise<boolean> {
  try {
    return await KINDS[f.kind].source.exists(f, owner, calls);
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

// ---- recipient side ---------------------------------------------------------------------------

/**
 * Does the monitored account still see the resource shared in? A filter, not an id parameter: a
 * resource the account can no longer see is then an empty answer, not an error.
 */
export async function visibleToRecipient(
  f: Finding,
  recipient: AccountClients,
  calls: CallLog,
): Promise<boolean> {
  return KINDS[f.kind].source.visible(f, recipient, calls);
}

/** The IAM actions each helper above may call, per kind (declared next to the calls, in the kind modules). */
const actionsOf = (call: keyof KindSource['actions']) =>
  Object.fromEntries(kindModules().map((k) => [k.kind, [...k.source.actions[call]]])) as Record<
    Finding['kind'],
    string[]
  >;
export const OWNER_READ_ACTIONS = actionsOf('readShares');
export const OWNER_REVOKE_ACTIONS = actionsOf('removeAccount');
export const OWNER_DELETE_ACTIONS = actionsOf('delete');
export const RECIPIENT_VISIBILITY_ACTIONS = actionsOf('visible');
