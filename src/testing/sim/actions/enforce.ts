// Enforcement of Deny statements (docs/simulator.md "Policy evaluation"): the calling
// role's attached managed policies (default versions) and the SCPs over the acting account,
// evaluated by policy/evaluate.ts for the actions that use a shared resource.
import { SimError } from '../protocol/errors.ts';
import { evaluateDeny, UnsupportedPolicyError } from '../policy/evaluate.ts';
import type { ImageRec, SnapshotRec } from '../state.ts';
import { callerArn } from './sts.ts';
import type { Ctx } from './common.ts';

/** `ec2:Owner`: amazon / aws-marketplace for their resources, else the owner's account id. */
export function ec2OwnerKey(rec: { owner: string; ownerAlias?: string }): string {
  return rec.ownerAlias === 'amazon' || rec.ownerAlias === 'aws-marketplace' ? rec.ownerAlias : rec.owner;
}

export function imageArn(region: string, id: string): string {
  return `arn:aws:ec2:${region}::image/${id}`;
}

export function snapshotArn(region: string, id: string): string {
  return `arn:aws:ec2:${region}::snapshot/${id}`;
}

export function imageContext(id: string, rec: ImageRec | undefined): Record<string, string[]> {
  return {
    'ec2:ImageID': [id],
    ...(rec && { 'ec2:Owner': [ec2OwnerKey(rec)], 'ec2:Public': [String(rec.isPublic)] }),
  };
}

export function snapshotContext(id: string, rec: SnapshotRec | undefined): Record<string, string[]> {
  return { 'ec2:SnapshotID': [id], ...(rec && { 'ec2:Owner': [ec2OwnerKey(rec)] }) };
}

/**
 * Throws the service's authorization error when a Deny statement matches; records the denial
 * in `state.denials`. `action` is `service:Action`.
 */
export function enforceDeny(
  ctx: Ctx,
  action: string,
  resource: string,
  keys: Record<string, string[]>,
): void {
  const role = ctx.session?.roleName;
  const sources = ctx.state.denySources(ctx.account, role);
  if (!sources.length) return;
  let result;
  try {
    result = evaluateDeny(sources, {
      action,
      resource,
      context: { 'aws:PrincipalAccount': [ctx.account.id], ...keys },
    });
  } catch (err) {
    if (err instanceof UnsupportedPolicyError) {
      throw new SimError(
        'InternalError',
        `The simulator cannot evaluate ${err.message} (docs/simulator.md).`,
        500,
      );
    }
    throw err;
  }
  if (result.decision !== 'explicitDeny') return;
  ctx.state.denials.push({
    account: ctx.account.id,
    ...(role !== undefined && { role }),
    action,
    resource,
    matched: result.matched,
    atMs: ctx.now,
  });
  const where = result.matched.some((m) => m.kind === 'scp')
    ? 'a service control policy'
    : 'an identity-based policy';
  const detail = `User: ${callerArn(ctx)} is not authorized to perform: ${action} on resource: ${resource} with an explicit deny in ${where}`;
  if (action.startsWith('ec2:')) {
    throw new SimError(
      'UnauthorizedOperation',
      `You are not authorized to perform this operation. ${detail}`,
      403,
      true,
    );
  }
  throw new SimError('AccessDenied', detail, 403, true);
}
