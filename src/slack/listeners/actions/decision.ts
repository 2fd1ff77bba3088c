import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import {
  decideDeleteAtSource,
  decideRemove,
  decideRevokeOrgShare,
  decideTrust,
  logRefusal,
  type DecisionResult,
} from '../../../core/decisions.ts';
import type { Actor } from '../../../domain/lifecycle.ts';
import { refusalMessage } from '../../messages/index.ts';
import { blockActionPayload, FINDING_ID } from '../../payloads.ts';
import type { SlackContext } from '../../context.ts';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;
type Decide = (deps: SlackContext['deps'], findingId: string, by: Actor) => Promise<DecisionResult>;

/**
 * A Trust, Remove, Delete at source or Revoke organization share click: ack at once, then check who clicked and what the button carries
 * (the value is only a finding id; the finding is re-loaded from the store), then decide.
 */
function decisionAction(
  ctx: SlackContext,
  action: 'trust' | 'remove' | 'delete-at-source' | 'revoke-org-share',
  decide: Decide,
) {
  return async ({ ack, body }: Args): Promise<void> => {
    await ack();
    const payload = blockActionPayload.safeParse(body);
    if (!payload.success) {
      ctx.deps.log.warn({ issues: payload.error.issues.length }, 'malformed action payload ignored');
      return;
    }
    const p = payload.data;
    const channel = p.channel?.id ?? p.container?.channel_id;
    const userId = p.user.id;
    const actor: Actor = {
      userId,
      ...((p.user.username ?? p.user.name) ? { userName: (p.user.username ?? p.user.name)! } : {}),
      ...(p.team?.id ? { teamId: p.team.id } : {}),
    };
    const refuse = async (reason: string, findingId?: string) => {
      ctx.deps.log.warn({ user: userId, action, findingId, reason }, 'decision refused');
      await logRefusal(ctx.deps, action, actor, reason, findingId ? { findingId } : {});
      if (channel) await ctx.publisher.ephemeral(channel, userId, refusalMessage(reason));
    };
    const work = ctx.decisions.run(async () => {
      const origin = ctx.approvers.checkOrigin(p.team?.id ?? p.user.team_id, p.api_app_id);
      if (!origin.ok) return refuse(origin.reason);
      const value = FINDING_ID.safeParse(p.actions[0]!.value ?? '');
      if (!value.success)
        return refuse('the button carried something that is not a shareguard finding; nothing was changed');
      const auth = await ctx.approvers.isApprover(userId);
      if (!auth.ok) return refuse(auth.reason, value.data);
      const result = await decide(ctx.deps, value.data, actor);
      if (result.status === 'refused' && channel) {
        await ctx.publisher.ephemeral(channel, userId, refusalMessage(result.message));
      }
      await ctx.publisher.refresh(result.records);
    });
    ctx.track(work);
  };
}

export const removeAction = (ctx: SlackContext) => decisionAction(ctx, 'remove', decideRemove);
export const trustAction = (ctx: SlackContext) => decisionAction(ctx, 'trust', decideTrust);
export const deleteAtSourceAction = (ctx: SlackContext) =>
  decisionAction(ctx, 'delete-at-source', decideDeleteAtSource);
export const revokeOrgShareAction = (ctx: SlackContext) =>
  decisionAction(ctx, 'revoke-org-share', decideRevokeOrgShare);
